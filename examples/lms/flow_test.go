package main

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestHandInWithoutJavaScript walks the plain-HTML path: the picker opened as a page, the cloud login, a pick
// posted as a form, the redirect back to the LMS with ?pick=<id>, the submission, and who may open the link.
func TestHandInWithoutJavaScript(t *testing.T) {
	t.Parallel()
	d := startDemo(t, Options{}, "")
	alice := d.signIn(t, "alice")
	link := handInEssay(t, d, alice)

	if status, body := alice.get(t, "/assignments/3"); status != http.StatusOK ||
		testidAttr(t, body, "submission-state", "data-state") != "submitted" {
		t.Fatalf("after submitting, the assignment page says %q (status %d)", testidAttr(t, body, "submission-state", "data-state"), status)
	}

	bob := d.signIn(t, "bob")
	_, page := bob.get(t, "/assignments/3")
	if got := testidAttr(t, page, "open-alice", "href"); got != link {
		t.Fatalf("the teacher's link %q, the student's %q", got, link)
	}
	tests := []struct {
		user   string
		status int
		testid string
	}{
		{"bob", http.StatusOK, "edit"},                    // teachers edit
		{"alice", http.StatusOK, "submitted"},             // the owner, read-only after submitting
		{"dana", http.StatusOK, "download"},               // site admins view
		{"carol", http.StatusNotFound, "alert-link_gone"}, // classmates: nothing, as if there were no link
	}
	for _, tt := range tests {
		c := d.signIn(t, tt.user)
		status, body := c.get(t, link)
		if status != tt.status || !strings.Contains(body, `data-testid="`+tt.testid+`"`) {
			t.Errorf("%s opens the link: status %d, want %d with %s", tt.user, status, tt.status, tt.testid)
		}
	}
	if _, body := alice.get(t, link); strings.Contains(body, `data-testid="edit"`) {
		t.Errorf("the owner may still edit a submitted link")
	}
	resp, body := bob.send(t, http.MethodGet, link+"/file", nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "%PDF") {
		t.Errorf("the teacher downloads the link's file: status %d, %d bytes", resp.StatusCode, len(body))
	}
}

// TestRestartKeepsData stops the demo and starts it again on the same data folder: the key stays, nothing is
// seeded twice, the LMS's data is there, and what the in-memory test cloud forgot is made up for.
func TestRestartKeepsData(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	first := runDemo(t, ctx, Options{}, dir)
	alice := first.signIn(t, "alice")
	link := handInEssay(t, first.demo, alice)
	bob := first.signIn(t, "bob")
	if status, _ := bob.post(t, "/courses/CS150/links", url.Values{"title": {"Effective Go"}, "url": {"https://go.dev/doc/effective_go"}}); status != http.StatusSeeOther {
		t.Fatalf("add a link: status %d", status)
	}
	cancel()
	first.wait(t)

	keyPath := filepath.Join(dir, "secret.key")
	st, err := os.Stat(keyPath)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret key %v, %v: want mode 0600", st, err)
	}
	key, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}

	second := startDemo(t, Options{}, dir)
	if again, err := os.ReadFile(keyPath); err != nil || string(again) != string(key) {
		t.Fatalf("the key changed on restart")
	}
	if second.Seeded {
		t.Errorf("ocrepo was seeded again on the second start")
	}
	dana := second.signIn(t, "dana")
	_, home := dana.get(t, "/")
	if got := testidAttr(t, home, "setup", "data-ready"); got != "true" {
		t.Errorf("after a restart the set-up is ready=%s", got)
	}
	if n := strings.Count(home, "Demo Nextcloud</a> at"); n != 1 {
		t.Errorf("%d cloud servers after a restart, want 1", n)
	}
	alice = second.signIn(t, "alice")
	_, page := alice.get(t, "/assignments/3")
	if testidAttr(t, page, "submission-state", "data-state") != "submitted" || testidAttr(t, page, "submission-open", "href") != link {
		t.Errorf("the submission did not survive the restart")
	}
	bob = second.signIn(t, "bob")
	if _, course := bob.get(t, "/courses/CS150"); !strings.Contains(course, `data-title="Effective Go"`) {
		t.Errorf("the course material did not survive the restart")
	}
	// The system account is connected again and the link's copy is back in the test cloud.
	resp, body := bob.send(t, http.MethodGet, link+"/file", nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "%PDF") {
		t.Errorf("the teacher downloads the link's file after a restart: status %d, %q", resp.StatusCode, body[:min(len(body), 200)])
	}
	// The student's own cloud login died with the test cloud: the picker asks for a new one.
	_, page = alice.get(t, "/assignments/1")
	_, picker := alice.get(t, testidAttr(t, page, "choose-file", "href"))
	if testidAttr(t, picker, "login", "href") == "" {
		t.Errorf("the picker does not offer a new login after a restart")
	}
}

var noscriptRefresh = regexp.MustCompile(`<noscript><meta http-equiv="refresh" content="([^"]*)">`)

// handInEssay has the student log in to the test cloud and hand in the essay (assignment 3) as an access
// controlled link through the picker's plain forms, then submit it. It returns the link's URL.
func handInEssay(t *testing.T, d *demo, c *client) string {
	t.Helper()
	_, page := c.get(t, "/assignments/3")
	pickerURL := testidAttr(t, page, "choose-file", "href")
	_, picker := c.get(t, pickerURL)
	cloudLogin(t, c, testidAttr(t, picker, "login", "href"), "alice")

	_, picker = c.get(t, pickerURL)
	doc := parse(t, picker)
	form := url.Values{
		"csrf_token": {doc.Find(`meta[name="csrf-token"]`).AttrOr("content", "")},
		"as":         {"controlled"},
		"path":       {"/Documents/Essay - the industrial revolution.pdf"},
	}
	doc.Find(`form[action$="/picker/pick"] input[type="hidden"]`).Each(func(_ int, s *goquery.Selection) {
		form.Set(s.AttrOr("name", ""), s.AttrOr("value", ""))
	})
	resp, body := c.send(t, http.MethodPost, "/cloud/picker/pick", form)
	// Without JavaScript the result page sends the browser on (a noscript refresh) to the return target.
	// (An HTML parser with scripting on reads <noscript> as text, so look at the markup itself.)
	m := noscriptRefresh.FindStringSubmatch(body)
	refresh := ""
	if m != nil {
		refresh = html.UnescapeString(m[1])
	}
	back, _ := strings.CutPrefix(refresh, "0;url=")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(back, "/assignments/3/attach?pick=") {
		t.Fatalf("pick: status %d, refresh %q: %s", resp.StatusCode, refresh, body)
	}
	// The picker's plain return hands the pick to the LMS.
	resp, _ = c.send(t, http.MethodGet, back, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/assignments/3?notice=attached" {
		t.Fatalf("hand-over: status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Delivering the same pick again (the script and the redirect both did) changes nothing.
	resp, _ = c.send(t, http.MethodGet, back, nil)
	if resp.Header.Get("Location") != "/assignments/3?notice=already_done" {
		t.Fatalf("second hand-over: Location %q", resp.Header.Get("Location"))
	}
	_, page = c.get(t, "/assignments/3")
	if testidAttr(t, page, "submission-file", "data-kind") != KindControlled {
		t.Fatalf("the draft is not a controlled link")
	}
	if status, _ := c.post(t, "/assignments/3/submit", url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("submit: status %d", status)
	}
	_, page = c.get(t, "/assignments/3")
	return testidAttr(t, page, "submission-open", "href")
}

// cloudLogin logs in to the test cloud through its pages, the way the login popup does: Nextcloud's login flow
// page, the login form, the grant page, then the callback.
func cloudLogin(t *testing.T, c *client, loginURL, user string) {
	t.Helper()
	resp, _ := c.send(t, http.MethodGet, loginURL, nil)
	next := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || next == "" {
		t.Fatalf("login: status %d, no redirect to the cloud", resp.StatusCode)
	}
	cloudAuthorize(t, c, next, user)
}

// cloudAuthorize walks the test cloud's login pages from its authorize URL (the login flow page, the login form,
// the grant page) and follows the callback.
func cloudAuthorize(t *testing.T, c *client, next, user string) {
	t.Helper()
	var resp *http.Response
	var form url.Values
	for hop := 0; !strings.Contains(next, "/cloud/callback?"); hop++ {
		if hop == 10 {
			t.Fatalf("the cloud's login did not end at the callback (last %q)", next)
		}
		method := http.MethodGet
		if form != nil {
			method = http.MethodPost
		}
		var page string
		resp, page = c.send(t, method, next, form)
		form = nil
		if loc := resp.Header.Get("Location"); resp.StatusCode == http.StatusSeeOther && loc != "" {
			u, err := resp.Request.URL.Parse(loc)
			if err != nil {
				t.Fatal(err)
			}
			next = u.String()
			continue
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("the cloud's login page %s answered %d", resp.Request.URL.Path, resp.StatusCode)
		}
		doc := parse(t, page)
		if href, ok := doc.Find("#login-flow-start").Attr("href"); ok {
			u, _ := resp.Request.URL.Parse(href)
			next = u.String()
			continue
		}
		form = url.Values{}
		doc.Find(`form input[type="hidden"]`).Each(func(_ int, s *goquery.Selection) {
			form.Set(s.AttrOr("name", ""), s.AttrOr("value", ""))
		})
		if doc.Find("#password").Length() > 0 {
			form.Set("user", user)
			form.Set("password", user)
		}
		u, _ := resp.Request.URL.Parse(doc.Find("form").AttrOr("action", ""))
		next = u.String()
	}
	resp, page := c.send(t, http.MethodGet, next, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `data-testid="login-ok"`) {
		t.Fatalf("callback: status %d", resp.StatusCode)
	}
}

func parse(t *testing.T, page string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// testidAttr is an attribute of the first element with data-testid=id ("" when there is none).
func testidAttr(t *testing.T, page, id, attr string) string {
	t.Helper()
	return parse(t, page).Find(`[data-testid="`+id+`"]`).First().AttrOr(attr, "")
}

// TestPagesRefuseWhatTheyShould checks the teacher's forms, the CSRF check and who may do what.
func TestPagesRefuseWhatTheyShould(t *testing.T) {
	t.Parallel()
	d := startDemo(t, Options{}, "")
	bob, alice, carol := d.signIn(t, "bob"), d.signIn(t, "alice"), d.signIn(t, "carol")
	newAssignment := url.Values{"title": {"Pond survey"}, "instructions": {"Count the species."}, "due": {"2030-05-01"},
		"accept": {"image/*"}, "max_mb": {"10"}, "hand_in": {"copy"}}
	bad := url.Values{"title": {""}, "due": {"soon"}, "accept": {".exe"}, "max_mb": {"0"}, "hand_in": {"fax"}}
	tests := []struct {
		name   string
		c      *client
		method string
		path   string
		form   url.Values
		status int
		want   string
	}{
		{"a student's course page", alice, http.MethodGet, "/courses/BIO101", nil, http.StatusOK, `data-testid="assignments"`},
		{"a course one is not in", alice, http.MethodGet, "/courses/CS150", nil, http.StatusForbidden, "Not your course"},
		{"no such course", alice, http.MethodGet, "/courses/NOPE", nil, http.StatusNotFound, "Course not found"},
		{"no such page", alice, http.MethodGet, "/nowhere", nil, http.StatusNotFound, "Page not found"},
		{"students may not add assignments", alice, http.MethodPost, "/courses/BIO101/assignments", newAssignment, http.StatusForbidden, "Teachers only"},
		{"the form says what is wrong", bob, http.MethodPost, "/courses/BIO101/assignments", bad, http.StatusUnprocessableEntity, "Give the assignment a title."},
		{"a bad size", bob, http.MethodPost, "/courses/BIO101/assignments", bad, http.StatusUnprocessableEntity, "Enter a size between 1 and 2048 MB."},
		{"a script is not a link", bob, http.MethodPost, "/courses/BIO101/links", url.Values{"title": {"x"}, "url": {"javascript:alert(1)"}}, http.StatusUnprocessableEntity, "Enter a web address"},
		{"a form without its token", bob, http.MethodPost, "/courses/BIO101/links", url.Values{"csrf_token": {"forged"}, "title": {"x"}, "url": {"https://example.org"}}, http.StatusForbidden, "This form has expired"},
		{"an unknown pick", alice, http.MethodGet, "/assignments/1/attach?pick=nope", nil, http.StatusNotFound, "Nothing was picked"},
		{"teachers do not hand in", bob, http.MethodGet, "/assignments/1/attach?pick=nope", nil, http.StatusForbidden, "Students only"},
		{"nothing to submit", carol, http.MethodPost, "/assignments/1/submit", url.Values{}, http.StatusConflict, "Nothing to submit"},
		{"a file reference that was never handed out", alice, http.MethodGet, "/files/..%2Flms.db", nil, http.StatusNotFound, "File not found"},
		{"anonymous", &client{Client: http.DefaultClient, base: d.URL}, http.MethodGet, "/courses/BIO101", nil, http.StatusUnauthorized, "Please sign in"},
	}
	for _, tt := range tests {
		var form url.Values
		if tt.form != nil {
			form = url.Values{}
			for k, v := range tt.form {
				form[k] = v
			}
		}
		resp, body := tt.c.send(t, tt.method, tt.path, form)
		if resp.StatusCode != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("%s: status %d, want %d with %q", tt.name, resp.StatusCode, tt.status, tt.want)
		}
	}

	// A new assignment, then gone again.
	resp, _ := bob.send(t, http.MethodPost, "/courses/BIO101/assignments", newAssignment)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/assignments/") {
		t.Fatalf("create: status %d, Location %q", resp.StatusCode, loc)
	}
	page := strings.TrimSuffix(loc, "?notice=created")
	if status, body := alice.get(t, page); status != http.StatusOK || !strings.Contains(body, "Pond survey") || !strings.Contains(body, "up to 10 MB") {
		t.Errorf("the new assignment as a student: status %d", status)
	}
	if status, _ := bob.post(t, page+"/delete", url.Values{}); status != http.StatusSeeOther {
		t.Errorf("delete: status %d", status)
	}
	if status, _ := alice.get(t, page); status != http.StatusNotFound {
		t.Errorf("a deleted assignment: status %d", status)
	}
}
