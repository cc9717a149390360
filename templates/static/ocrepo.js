// ocrepo.js: the little the pages need beyond htmx. No inline script anywhere (the Content-Security-Policy
// forbids it); everything here is driven by data- attributes that the server renders.
(function () {
  "use strict";

  function announce(text) {
    var live = document.getElementById("ocrepo-live");
    if (!live || !text) return;
    live.textContent = "";
    // A fresh text node after clearing makes screen readers announce repeated messages too.
    window.setTimeout(function () { live.textContent = text; }, 30);
  }

  // After the page loads or htmx swaps content in: announce, move focus, hand over picks and logins.
  function find(root, sel) {
    if (root.matches && root.matches(sel)) return root;
    return root.querySelector ? root.querySelector(sel) : null;
  }

  function settle(root) {
    root = root || document;
    var a = find(root, "[data-announce]:not([data-announced])");
    if (a) { a.setAttribute("data-announced", ""); announce(a.getAttribute("data-announce")); }
    var f = find(root, "[data-focus]:not([data-focused])");
    if (f) {
      f.setAttribute("data-focused", "");
      if (!f.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(f.tagName)) f.setAttribute("tabindex", "-1");
      f.focus();
    }
    var done = find(root, "[data-ocrepo-login-done]:not([data-handled])");
    if (done) { done.setAttribute("data-handled", ""); loginDone(done); }
    var picked = find(root, "[data-ocrepo-picked]:not([data-delivered])");
    if (picked) deliver(picked);
    var forms = root.querySelectorAll ? root.querySelectorAll("form[data-needs-choice]") : [];
    for (var i = 0; i < forms.length; i++) needsChoice(forms[i]);
    if (root.matches && root.matches("form[data-needs-choice]")) needsChoice(root);
  }

  // "Add" stays disabled until a file is chosen (with JavaScript only: without it the server says "No file
  // chosen").
  function needsChoice(form) {
    var update = function () {
      var btn = form.querySelector("button[type=submit]");
      if (!btn) return;
      var chosen = form.querySelector("input[name=path]:checked") !== null;
      btn.disabled = !chosen;
      if (!chosen) btn.setAttribute("title", "Choose a file first"); else btn.removeAttribute("title");
    };
    if (!form.hasAttribute("data-choice-watched")) {
      form.setAttribute("data-choice-watched", "");
      form.addEventListener("change", update);
      form.addEventListener("htmx:afterRequest", update);
    }
    update();
  }

  // Every htmx request marks the region it will change busy (aria-busy) and shows the panel's indicator; the
  // region that changed is scrolled into view when it is out of sight. Polls of an import's progress stay quiet.
  function isPoll(elt) { return elt && elt.hasAttribute && elt.hasAttribute("data-poll"); }
  document.addEventListener("htmx:beforeRequest", function (ev) {
    if (isPoll(ev.detail.elt) || !ev.detail.target) return;
    ev.detail.target.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function (ev) {
    if (ev.detail.target && ev.detail.target.removeAttribute) ev.detail.target.removeAttribute("aria-busy");
  });
  document.addEventListener("htmx:afterSwap", function (ev) {
    if (isPoll(ev.detail.elt)) return;
    var t = ev.detail.target;
    if (t && t.id === "listing") t = document.getElementById("listing") || t;
    if (!t || !t.getBoundingClientRect) return;
    t.removeAttribute("aria-busy");
    var r = t.getBoundingClientRect();
    if (r.top < 0 || r.top > window.innerHeight - 40) t.scrollIntoView({ block: "nearest" });
  });

  // The login popup finished: tell the picker that opened it, then close. Without an opener, go back.
  function loginDone(el) {
    var msg = { type: "ocrepo:login", ok: el.getAttribute("data-ok") === "true", instance: el.getAttribute("data-instance"),
      code: el.getAttribute("data-code") || "" };
    if (window.opener && !window.opener.closed) {
      try { window.opener.postMessage(msg, window.location.origin); } catch (e) { /* opener on another origin */ }
      window.close();
      return;
    }
    var back = el.getAttribute("data-return");
    if (back && msg.ok) window.location.assign(back);
  }

  // A pick is complete: post it to the opener or the parent frame; a top-level picker returns to the host.
  function deliver(el) {
    el.setAttribute("data-delivered", "true");
    var detail;
    try { detail = JSON.parse(el.getAttribute("data-ocrepo-picked")); } catch (e) { return; }
    var msg = { type: "ocrepo:picked", pick: detail };
    var sent = false;
    if (window.opener && !window.opener.closed) {
      try { window.opener.postMessage(msg, window.location.origin); sent = true; } catch (e) { /* ignore */ }
    } else if (window.parent && window.parent !== window) {
      try { window.parent.postMessage(msg, window.location.origin); sent = true; } catch (e) { /* ignore */ }
    }
    var back = el.getAttribute("data-return");
    if (!sent && back && el.getAttribute("data-auto-return") === "true") {
      window.setTimeout(function () { window.location.assign(back); }, 1200);
    }
  }

  document.addEventListener("click", function (ev) {
    var t = ev.target.closest ? ev.target.closest("[data-popup]") : null;
    if (t && !ev.ctrlKey && !ev.metaKey && !ev.shiftKey) {
      var w = window.open(t.href, "ocrepo-login", "popup,width=640,height=760");
      if (w) { ev.preventDefault(); announce("Login opened in a new window."); }
      return;
    }
    var x = ev.target.closest ? ev.target.closest("[data-ocrepo-close]") : null;
    if (x) {
      // Cancel: a popup tells its opener and closes, a frame tells its parent; a page follows the link back.
      var msg = { type: "ocrepo:cancel" };
      if (window.opener && !window.opener.closed) {
        try { window.opener.postMessage(msg, window.location.origin); } catch (e) { /* ignore */ }
        ev.preventDefault();
        window.close();
      } else if (window.parent && window.parent !== window) {
        try { window.parent.postMessage(msg, window.location.origin); } catch (e) { /* ignore */ }
        ev.preventDefault();
      }
      return;
    }
    var c = ev.target.closest ? ev.target.closest("[data-copy]") : null;
    if (c) {
      var src = document.getElementById(c.getAttribute("data-copy"));
      if (src && navigator.clipboard) {
        navigator.clipboard.writeText(src.value || src.textContent).then(function () { announce("Copied."); },
          function () { announce("Copy failed; select the text and copy it by hand."); });
      }
    }
  });

  // The login popup reports back: reload the picker so it shows the files, or (the server recorded why the login
  // failed) the reason at the top of the picker.
  window.addEventListener("message", function (ev) {
    if (ev.origin !== window.location.origin || !ev.data || ev.data.type !== "ocrepo:login") return;
    if (document.querySelector("[data-ocrepo-picker]")) {
      announce(ev.data.ok ? "Logged in. Loading your files." : "Login did not finish. Loading the reason.");
      try { window.sessionStorage.setItem("ocrepo-focus", ev.data.ok ? "#listing-heading" : "[data-testid=login-failed]"); } catch (e) { /* storage off */ }
      window.location.reload();
    }
  });

  // After the reload that a login causes, focus lands on the files (or on why the login failed), not on <body>.
  function restoreFocus() {
    var sel;
    try { sel = window.sessionStorage.getItem("ocrepo-focus"); window.sessionStorage.removeItem("ocrepo-focus"); } catch (e) { return; }
    if (!sel) return;
    var el = document.querySelector(sel) || document.querySelector("[data-testid=login]");
    if (!el) return;
    if (!el.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(el.tagName)) el.setAttribute("tabindex", "-1");
    el.focus();
  }

  document.addEventListener("htmx:load", function (ev) { settle(ev.detail.elt); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { settle(document); restoreFocus(); });
  } else {
    settle(document);
    restoreFocus();
  }
})();
