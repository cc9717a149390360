package securitytest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	bt "github.com/ocrepo/ocrepo/repository/repositorytest/browsertest"
)

// hostileNames are file names a student (or anyone who shares a folder with them) can give their files. None of
// them may do anything but show as text. File names cannot hold "/", so the markup never closes its elements.
func hostileNames() []string {
	return []string{
		`<script>window.pwned=1;document.title="pwned"<!--.pdf`,
		`<img src=x onerror="window.pwned=1;document.title='pwned'">.pdf`,
		`"><svg onload=window.pwned=1>.pdf`,
		`'><iframe srcdoc="&lt;script&gt;parent.pwned=1&lt;&#47;script&gt;">.pdf`,
		`javascript:window.pwned=1.pdf`,
		`<a href="javascript:window.pwned=1" hx-get="x" hx-trigger="load">htmx.pdf`,
		`{{7*7}} ${window.pwned=1} <b>bold & "double" 'single'.pdf`,
		"\u202egpj.exe.pdf",
		"مرحبا \u200f<b>rtl\u200e & \u202bembedded.pdf",
		strings.Repeat("x", 996) + ".pdf",
	}
}

// hostileFolder is a folder name that would run script if it reached the page as markup.
const hostileFolder = `<img src=x onerror=window.pwned=1> folder`

// seedHostile writes the hostile names into alice's cloud: at the root, and one inside the hostile folder.
func seedHostile(s *site) {
	for _, n := range hostileNames() {
		s.h.Cloud.WriteFile("alice", "/"+n, []byte("content of a hostile name"))
	}
	s.h.Cloud.WriteFile("alice", "/"+hostileFolder+"/"+hostileNames()[1], []byte("inner"))
}

// inert reports the ways a page let markup from names through: event handler attributes, injected elements.
func inert(d *goquery.Document) []string {
	var problems []string
	d.Find("*").Each(func(_ int, sel *goquery.Selection) {
		for _, a := range sel.Nodes[0].Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				problems = append(problems, "an event handler attribute "+a.Key+" on <"+goquery.NodeName(sel)+">")
			}
			if urlAttribute(a.Key) && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
				problems = append(problems, "a javascript: URL in "+a.Key)
			}
		}
	})
	n := 0
	d.Find(`img, iframe, object, embed, script:not([src]), b, a[hx-trigger]`).Each(func(_ int, sel *goquery.Selection) {
		if !ownThumbnail(sel) {
			n++
		}
	})
	if n > 0 {
		problems = append(problems, "injected elements")
	}
	return problems
}

// ownThumbRE matches the thumbnails ocrepo itself draws: its preview routes under the mount, nothing else.
var ownThumbRE = regexp.MustCompile(`^` + regexp.QuoteMeta(path("picker", "preview")) + `\?[^"<>]*$|^` + regexp.QuoteMeta(path("link")) + `/[0-9]+/preview\?v=-?[0-9]+$`)

// ownThumbnail reports whether an element is one of ocrepo's own thumbnails (an <img data-testid="thumb"> whose
// source is one of its preview routes), the only images its pages draw.
func ownThumbnail(sel *goquery.Selection) bool {
	src, _ := sel.Attr("src")
	return goquery.NodeName(sel) == "img" && sel.AttrOr("data-testid", "") == "thumb" && ownThumbRE.MatchString(src)
}

// urlAttribute reports whether an attribute holds a URL a browser (or htmx, or ocrepo.js) follows.
func urlAttribute(key string) bool {
	switch strings.ToLower(key) {
	case "href", "src", "action", "formaction", "hx-get", "hx-post", "hx-push-url", "data-return":
		return true
	}
	return false
}

// TestHostileNamesAreEscapedInEveryPage renders every page that shows a file or folder name (the listing, a folder
// and its breadcrumbs, search results, an import's progress and result, a link's result, an access controlled
// link's page, the console) with hostile names: no markup gets through, and each name shows as its exact text.
func TestHostileNamesAreEscapedInEveryPage(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{})
	seedHostile(s)
	r := s.token(s.pickRequest(student))
	c := s.client(student)
	check := func(what string, status int, body string, want ...string) *goquery.Document {
		t.Helper()
		if status >= 400 {
			t.Fatalf("%s: status %d: %.500s", what, status, body)
		}
		d := parse(t, body)
		if p := inert(d); len(p) > 0 {
			t.Errorf("%s: %s", what, strings.Join(p, "; "))
		}
		text := d.Text()
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s does not show %.60q as text", what, w)
			}
		}
		return d
	}

	status, body, _ := c.Get(t, path("picker")+"?"+s.pickerForm(r).Encode())
	d := check("the picker", status, body, hostileNames()...)
	var shown []string
	d.Find(`[data-testid="row"]`).Each(func(_ int, sel *goquery.Selection) {
		n, _ := sel.Attr("data-name")
		shown = append(shown, n)
	})
	for _, n := range append(hostileNames(), hostileFolder) {
		found := false
		for _, got := range shown {
			found = found || got == n
		}
		if !found {
			t.Errorf("no row named exactly %.60q", n)
		}
	}

	status, body, _ = c.Get(t, path("picker", "list")+"?"+s.pickerForm(r, "path", "/"+hostileFolder).Encode(), "HX-Request", "true")
	check("the hostile folder", status, body, hostileFolder, hostileNames()[1])
	status, body, _ = c.Get(t, path("picker", "search")+"?"+s.pickerForm(r, "q", "pwned").Encode())
	check("search results", status, body, hostileNames()[0], hostileFolder)

	for i, n := range hostileNames() {
		status, body, hdr := s.post(student, path("picker", "pick"), s.pickerForm(r, "as", "link", "path", "/"+n), "HX-Request", "true")
		check("the link result of name "+string(rune('0'+i)), status, body, n)
		var trig map[string]struct {
			Files []struct{ Name string }
		}
		if err := json.Unmarshal([]byte(hdr.Get("HX-Trigger")), &trig); err != nil || len(trig["ocrepo:picked"].Files) != 1 ||
			trig["ocrepo:picked"].Files[0].Name != n {
			t.Errorf("HX-Trigger of name %d: %q, %v", i, hdr.Get("HX-Trigger"), err)
		}
	}

	name := hostileNames()[2]
	status, body, _ = s.post(student, path("picker", "pick"), s.pickerForm(r, "as", "import", "path", "/"+name), "HX-Request", "true")
	d = check("the import's progress", status, body, name)
	id, _ := d.Find(`[id^="status-"]`).Attr("id")
	id = strings.TrimPrefix(id, "status-")
	status, body, _ = c.Get(t, path("picker", "import", id)+"?"+s.pickerForm(r).Encode())
	check("the import's page", status, body)

	req := s.pickRequest(student)
	status, body, _ = s.post(student, path("picker", "pick"), s.pickerForm(s.token(req), "as", "controlled", "path", "/"+name), "HX-Request", "true")
	d = check("the controlled link's result", status, body, name)
	raw, _ := d.Find(`[data-ocrepo-picked]`).Attr("data-ocrepo-picked")
	res, err := s.h.Repo.PickResult(context.Background(), student, pickID(t, raw))
	if err != nil || len(res.Files) != 1 {
		t.Fatalf("controlled pick: %+v, %v", res, err)
	}
	status, body, _ = c.Get(t, path("link", res.Files[0].ControlledLinkID))
	check("the controlled link's page", status, body, name)
	status, body, _ = s.client(admin).Get(t, path("admin", "links"))
	check("the admin's console of controlled links", status, body, name)
}

// TestHostileNamesRenderInert shows the hostile names in a real browser, through the picker's listing, a
// folder, search, a link pick and a controlled link's page: no script runs (window.pwned stays unset, the title
// stays), the Content-Security-Policy never has to block anything (so escaping, not the CSP, stopped them), and
// every name shows as its exact text.
func TestHostileNamesRenderInert(t *testing.T) {
	t.Parallel()
	b := bt.New(t)
	s := newSite(t, siteOptions{})
	seedHostile(s)
	ctx := b.As(s.h, student)
	watchCSP(t, ctx)
	pickerURL := s.h.PickerURL(s.pickRequest(student))

	bt.Do(t, ctx, "open the picker", chromedp.Navigate(pickerURL), chromedp.WaitVisible(chromedp.CSS(`[data-testid="files"]`)))
	title := pageState(t, ctx).Title
	assertInert(t, ctx, "the listing", title, hostileNames()...)
	bt.Shot(t, ctx, "security", "01-hostile-names")

	bt.Do(t, ctx, "open the hostile folder",
		chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('[data-testid="row"]')].find(r => r.getAttribute('data-name') === `+
			jsString(hostileFolder)+`).querySelector('[data-testid="open"]').click()`),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="crumbs"]`)),
	)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll('[data-testid="row"]').length === 1`)); err != nil {
		t.Fatalf("the folder's one file never showed: %v", err)
	}
	assertInert(t, ctx, "the hostile folder", title, hostileNames()[1])
	if crumbs := bt.Text(t, ctx, `[data-testid="crumbs"]`); !strings.Contains(crumbs, hostileFolder) {
		t.Errorf("breadcrumbs %q do not show the folder's name", crumbs)
	}

	u, err := url.Parse(pickerURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("q", "pwned")
	bt.Do(t, ctx, "search", chromedp.Navigate(s.h.URL+path("picker", "search")+"?"+q.Encode()),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="files"]`)))
	assertInert(t, ctx, "search results", title, hostileNames()[0])

	name := hostileNames()[1]
	bt.Do(t, ctx, "link a hostile name",
		chromedp.Navigate(pickerURL),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="files"]`)),
		chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('[data-testid="row"]')].find(r => r.getAttribute('data-name') === `+
			jsString(name)+`).querySelector('input[name="path"]').click()`),
		chromedp.Click(chromedp.CSS(`[data-testid="as-link"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="pick"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="picked-url"]`)),
	)
	assertInert(t, ctx, "the link's result", title, name)
	if got := bt.Text(t, ctx, `[data-testid="picked"]`); !strings.Contains(got, name) {
		t.Errorf("the result shows %q", got)
	}
	bt.Shot(t, ctx, "security", "02-hostile-link")

	status, body, _ := s.post(student, path("picker", "pick"),
		s.pickerForm(s.token(s.pickRequest(student)), "as", "controlled", "path", "/"+name), "HX-Request", "true")
	if status != http.StatusOK {
		t.Fatalf("controlled pick of a hostile name: %d", status)
	}
	raw, _ := parse(t, body).Find(`[data-ocrepo-picked]`).Attr("data-ocrepo-picked")
	res, err := s.h.Repo.PickResult(context.Background(), student, pickID(t, raw))
	if err != nil || len(res.Files) != 1 || res.Files[0].ControlledLinkID == 0 {
		t.Fatalf("controlled pick: %+v, %v", res, err)
	}
	bt.Do(t, ctx, "open the controlled link", chromedp.Navigate(s.h.URL+path("link", res.Files[0].ControlledLinkID)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="controlled"]`)))
	assertInert(t, ctx, "the controlled link's page", "", name) // its title is the file's name

	// The watcher works, and the policy forbids inline script: markup that did get in would be blocked and seen.
	st, err := chromedp.Run(ctx, chromedp.Evaluate[browserState](`(() => {
  const s = document.createElement('script'); s.textContent = 'window.pwned = 1'; document.body.append(s);
  const d = document.createElement('div'); d.innerHTML = '<img src="data:," onerror="window.pwned = 1">'; document.body.append(d);
  return new Promise(done => setTimeout(() => done({pwned: typeof window.pwned !== 'undefined', violations: window.__violations}), 300));
})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if st.Pwned || len(st.Violations) < 2 {
		t.Errorf("inline script planted through the DOM: pwned %t, violations %q; want it blocked and reported twice", st.Pwned, st.Violations)
	}
}

// watchCSP records Content-Security-Policy violations in every page the context opens (window.__violations),
// installed through DevTools so that the CSP does not apply to it.
func watchCSP(t *testing.T, ctx context.Context) {
	t.Helper()
	const js = `window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));`
	bt.Do(t, ctx, "watch CSP violations", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: js})
		return err
	}))
}

// browserState is what assertInert reads from the page.
type browserState struct {
	Pwned      bool     `json:"pwned"`
	Title      string   `json:"title"`
	Violations []string `json:"violations"`
	Handlers   []string `json:"handlers"`
	Injected   int      `json:"injected"`
	Labels     []string `json:"labels"`
	Text       string   `json:"text"`
}

func pageState(t *testing.T, ctx context.Context) browserState {
	t.Helper()
	st, err := chromedp.Run(ctx, chromedp.Evaluate[browserState](`(() => ({
  pwned: typeof window.pwned !== 'undefined' || typeof parent.pwned !== 'undefined',
  title: document.title,
  violations: window.__violations || ['the CSP watcher is not installed'],
  handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.toLowerCase().startsWith('on')))
    .map(e => e.outerHTML.slice(0, 120)),
  injected: [...document.querySelectorAll('img, iframe, object, embed, script:not([src]), b, a[hx-trigger]')]
    .filter(e => !(e.matches('img[data-testid="thumb"]') && new RegExp(`+jsString(ownThumbRE.String())+`).test(e.getAttribute('src') || ''))).length,
  labels: [...document.querySelectorAll('[data-testid="row"] label, [data-testid="row"] [data-testid="open"], [data-testid="picked"], [data-testid="controlled"] h1')]
    .map(e => e.textContent),
  text: document.body.innerText,
}))()`))
	if err != nil {
		t.Fatalf("read the page: %v", err)
	}
	return st
}

// assertInert checks that no script ran and names show as their text.
func assertInert(t *testing.T, ctx context.Context, where, title string, names ...string) {
	t.Helper()
	st := pageState(t, ctx)
	if st.Pwned || st.Title == "pwned" || title != "" && st.Title != title {
		t.Errorf("%s: script ran (pwned %t, title %q)", where, st.Pwned, st.Title)
	}
	if len(st.Violations) > 0 {
		t.Errorf("%s: the CSP had to block %q: markup got through", where, st.Violations)
	}
	if len(st.Handlers) > 0 || st.Injected > 0 {
		t.Errorf("%s: markup from names became elements: %q, %d injected", where, st.Handlers, st.Injected)
	}
	for _, n := range names {
		found := false
		for _, l := range st.Labels {
			found = found || strings.Contains(l, n)
		}
		if !found {
			t.Errorf("%s: no label shows %.60q as text", where, n)
		}
	}
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
