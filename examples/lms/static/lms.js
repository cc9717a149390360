// lms.js: opens ocrepo's file picker in a popup and hands the pick back to the LMS.
//
// A link with data-picker="<form id>" opens the picker (its href is the signed picker URL). When the user has
// picked, ocrepo's page posts {type: "ocrepo:picked", pick: {id, type, files}} to this window; this script puts
// the pick id into the named form and submits it, and the LMS turns the id into files with repo.PickResult.
//
// Without JavaScript (or when the browser blocks the popup) the link opens the picker in the same tab, and the
// picker returns to the LMS with ?pick=<id> in the URL: the same form handler takes it. If that plain return
// happens inside the popup (the picker's own script had not started yet), the LMS page it lands on sends the
// opener there and closes the popup.
(function () {
  "use strict";

  var POPUP = "lms-picker";

  if (window.name === POPUP && window.opener && !window.opener.closed) {
    try {
      if (window.opener.location.origin === window.location.origin) {
        window.opener.location.assign(window.location.href);
        window.close();
        return;
      }
    } catch (e) { /* the opener is on another site: stay here */ }
  }

  var pending = null; // {win, form, status}

  function say(form, text) {
    var el = document.querySelector('[data-picker-status="' + form + '"]');
    if (el) el.textContent = text;
  }

  document.addEventListener("click", function (ev) {
    var link = ev.target.closest ? ev.target.closest("a[data-picker]") : null;
    if (!link || ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) return;
    var formId = link.getAttribute("data-picker");
    var form = document.getElementById(formId);
    if (!form) return;
    var win = window.open(link.href, POPUP, "popup,width=980,height=780");
    if (!win) return; // blocked: follow the link instead
    ev.preventDefault();
    pending = { win: win, form: form, id: formId };
    say(formId, "The file picker is open in another window.");
  });

  window.addEventListener("message", function (ev) {
    if (ev.origin !== window.location.origin || !ev.data || ev.data.type !== "ocrepo:picked") return;
    if (!pending || ev.source !== pending.win) return;
    var pick = ev.data.pick;
    if (!pick || typeof pick.id !== "string" || pick.id === "") return;
    var p = pending;
    pending = null;
    p.form.elements.pick.value = pick.id;
    say(p.id, "Received " + describe(pick) + ". Saving...");
    try { p.win.close(); } catch (e) { /* already closed */ }
    p.form.submit();
  });

  function describe(pick) {
    var files = pick.files || [];
    if (files.length === 1 && files[0].Name) return files[0].Name;
    return files.length + " files";
  }
})();
