package main

import (
	"bytes"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// cloudAs talks to the demo's test cloud as one of its accounts (Basic auth, password = name), the way a
// student with a WebDAV client or the cloud's web UI would.
type cloudAs struct {
	t    *testing.T
	base string
	user string
}

func (c cloudAs) do(method, p string, body io.Reader, header ...string) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+p, body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.SetBasicAuth(c.user, c.user)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, p, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (c cloudAs) dav(p string) string {
	return "remote.php/dav/files/" + c.user + (&url.URL{Path: p}).EscapedPath()
}

func (c cloudAs) read(p string) []byte {
	c.t.Helper()
	status, b := c.do(http.MethodGet, c.dav(p), nil)
	if status != http.StatusOK {
		c.t.Fatalf("%s reads %s: HTTP %d", c.user, p, status)
	}
	return b
}

func (c cloudAs) put(p string, data []byte) int {
	c.t.Helper()
	status, _ := c.do(http.MethodPut, c.dav(p), bytes.NewReader(data))
	return status
}

// share sends a share-creating POST and returns the OCS status code and the share id.
func (c cloudAs) share(v url.Values) (int, string) {
	c.t.Helper()
	_, b := c.do(http.MethodPost, "ocs/v2.php/apps/files_sharing/api/v1/shares?format=json", strings.NewReader(v.Encode()),
		"OCS-APIRequest", "true", "Content-Type", "application/x-www-form-urlencoded")
	var env struct {
		OCS struct {
			Meta struct {
				StatusCode int `json:"statuscode"`
			} `json:"meta"`
			Data struct {
				ID string `json:"id"`
			} `json:"data"`
		} `json:"ocs"`
	}
	_ = json.Unmarshal(b, &env)
	return env.OCS.Meta.StatusCode, env.OCS.Data.ID
}

// pickForm is the picker's plain pick form for a path, as the page renders it.
func pickForm(t *testing.T, picker, as, p string) url.Values {
	t.Helper()
	doc := parse(t, picker)
	form := url.Values{
		"csrf_token": {doc.Find(`meta[name="csrf-token"]`).AttrOr("content", "")},
		"as":         {as},
		"path":       {p},
	}
	doc.Find(`form[action$="/picker/pick"] input[type="hidden"]`).Each(func(_ int, s *goquery.Selection) {
		form.Set(s.AttrOr("name", ""), s.AttrOr("value", ""))
	})
	return form
}

// TestControlledLinkHoldsAgainstTheFourAttacks walks an access controlled link through the demo's pages against
// its test cloud: select, open, edit, submit, and the four ways such links failed on a real Nextcloud 34 (the
// wrong file copied, write kept through re-shares, "Edit" racing "Submit", a path nobody checked). Each attack is
// logged with what refused it; the submitted copy's bytes are compared with what the student wrote.
func TestControlledLinkHoldsAgainstTheFourAttacks(t *testing.T) {
	t.Parallel()
	d := startDemo(t, Options{}, "")
	const essay = "/Documents/Essay - the industrial revolution.pdf"
	const name = "Essay - the industrial revolution.pdf"
	aliceCloud := cloudAs{t, d.CloudURL, "alice"}
	carolCloud := cloudAs{t, d.CloudURL, "carol"}
	bobCloud := cloudAs{t, d.CloudURL, "bob"}
	sysCloud := cloudAs{t, d.CloudURL, systemAccount}
	original := aliceCloud.read(essay)

	// Attack 1 set-up: the system account and the teacher already have files of the same name.
	if s := sysCloud.put("/"+name, []byte("the system account's own file")); s != http.StatusCreated {
		t.Fatalf("seed the system account's namesake: HTTP %d", s)
	}
	if s := bobCloud.put("/"+name, []byte("the teacher's own file")); s != http.StatusCreated {
		t.Fatalf("seed the teacher's namesake: HTTP %d", s)
	}

	// Select: the student logs in to the cloud and picks the essay as an access controlled link.
	alice := d.signIn(t, "alice")
	_, page := alice.get(t, "/assignments/3")
	pickerURL := testidAttr(t, page, "choose-file", "href")
	_, picker := alice.get(t, pickerURL)
	cloudLogin(t, alice, testidAttr(t, picker, "login", "href"), "alice")
	_, picker = alice.get(t, pickerURL)

	// Attack 4: paths that were never listed, POSTed straight to the pick: a folder, a type the assignment does
	// not take, a file that is not there. Each is checked at the cloud and refused.
	for _, p := range []string{"/Archive/2023 worksheets", "/Photos/Field trip/pond.jpg", "/Research/sensor-log-2024.bin", "/nothing-here.pdf"} {
		resp, body := alice.send(t, http.MethodPost, "/cloud/picker/pick", pickForm(t, picker, "controlled", p))
		if resp.StatusCode == http.StatusOK || strings.Contains(body, "/attach?pick=") {
			t.Errorf("attack 4: the unlisted path %q was accepted: HTTP %d", p, resp.StatusCode)
			continue
		}
		reason := strings.TrimSpace(parse(t, body).Find(`.alert .alert-detail`).First().Text())
		t.Logf("attack 4 refused: pick of unlisted %q -> HTTP %d %q", p, resp.StatusCode, reason)
	}

	resp, body := alice.send(t, http.MethodPost, "/cloud/picker/pick", pickForm(t, picker, "controlled", essay))
	back, _ := strings.CutPrefix(refreshTarget(noscriptRefresh.FindStringSubmatch(body)), "0;url=")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(back, "/assignments/3/attach?pick=") {
		t.Fatalf("pick: HTTP %d: %s", resp.StatusCode, body)
	}
	if resp, _ := alice.send(t, http.MethodGet, back, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("hand-over: HTTP %d", resp.StatusCode)
	}
	_, page = alice.get(t, "/assignments/3")
	link := testidAttr(t, page, "submission-open", "href")
	if link == "" {
		t.Fatalf("no link on the assignment page")
	}

	// Attack 1: the copy is the student's essay, not the system account's namesake.
	bob := d.signIn(t, "bob")
	resp, got := bob.send(t, http.MethodGet, link+"/file", nil)
	if resp.StatusCode != http.StatusOK || got != string(original) {
		t.Fatalf("attack 1: the controlled copy holds %d bytes (HTTP %d), not the student's %d", len(got), resp.StatusCode, len(original))
	}
	if b := sysCloud.read("/" + name); string(b) != "the system account's own file" {
		t.Errorf("attack 1: the system account's own file changed")
	}
	t.Logf("attack 1 refused: the system account had its own %q; the copy holds the student's %d bytes", name, len(original))

	// Open and edit: the owner takes an edit share before submitting, and edits.
	if status, body := alice.get(t, link); status != http.StatusOK || !strings.Contains(body, `data-testid="edit"`) {
		t.Fatalf("the owner's page before submitting: HTTP %d", status)
	}
	if status, body := alice.post(t, link+"/share", url.Values{"edit": {"1"}, "csrf_token": {csrfOf(t, alice, link)}}); status != http.StatusOK {
		t.Fatalf("owner edit: HTTP %d %s", status, body)
	}
	mine := "/LMS files/" + name
	edited := append(append([]byte{}, original...), []byte("\n% revised before the deadline\n")...)
	if s := aliceCloud.put(mine, edited); s != http.StatusNoContent {
		t.Fatalf("the owner writes her edit: HTTP %d", s)
	}

	// Attack 2: the student hands write access on before submitting.
	code, _ := aliceCloud.share(url.Values{"path": {mine}, "shareType": {"0"}, "shareWith": {"carol"}, "permissions": {"3"}})
	if code == 200 {
		t.Errorf("attack 2: the student re-shared her editable copy to a classmate")
	}
	t.Logf("attack 2 refused: re-share to a classmate -> OCS %d (the edit share carries no permission 16)", code)
	code, _ = aliceCloud.share(url.Values{"path": {mine}, "shareType": {"3"}})
	if code == 200 {
		t.Errorf("attack 2: the student made a public link of her editable copy")
	}
	t.Logf("attack 2 refused: public link -> OCS %d", code)

	// Attack 3: "Edit" pressed again and again while "Submit" goes through.
	csrf := csrfOf(t, alice, link)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			form := url.Values{"edit": {"1"}, "csrf_token": {csrf}}
			req, _ := http.NewRequest(http.MethodPost, d.URL+link+"/share", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if resp, err := alice.Do(req); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	var submitStatus int
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-start
		form := url.Values{"csrf_token": {alice.csrf}}
		req, _ := http.NewRequest(http.MethodPost, d.URL+"/assignments/3/submit", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if resp, err := alice.Do(req); err == nil {
			submitStatus = resp.StatusCode
			resp.Body.Close()
		}
	}()
	close(start)
	wg.Wait()
	if submitStatus != http.StatusSeeOther {
		t.Fatalf("submit: HTTP %d", submitStatus)
	}
	if status, body := alice.get(t, "/assignments/3"); status != http.StatusOK || testidAttr(t, body, "submission-state", "data-state") != "submitted" {
		t.Fatalf("the assignment is not submitted")
	}
	if s := aliceCloud.put(mine, []byte("changed after the deadline")); s < 400 {
		t.Errorf("attack 3: the student wrote after submission: HTTP %d", s)
	} else {
		t.Logf("attack 3 refused: 8 edit requests raced the submission; the student's PUT afterwards -> HTTP %d", s)
	}
	if status, _ := alice.post(t, link+"/share", url.Values{"edit": {"1"}, "csrf_token": {csrf}}); status != http.StatusForbidden {
		t.Errorf("the owner asks to edit after submission: HTTP %d, want 403", status)
	}
	// No share that writes is left for anyone but the teacher; classmates never got one.
	if s := carolCloud.put(mine, []byte("carol was here")); s < 400 {
		t.Errorf("carol wrote %s: HTTP %d", mine, s)
	}
	t.Logf("attack 2 refused after submission: carol's PUTs are refused")

	// The submitted copy holds exactly what the student wrote before submitting.
	resp, got = bob.send(t, http.MethodGet, link+"/file", nil)
	if resp.StatusCode != http.StatusOK || got != string(edited) {
		t.Fatalf("the submitted copy holds %d bytes (HTTP %d), want the student's edit of %d bytes", len(got), resp.StatusCode, len(edited))
	}
	t.Logf("submitted copy: %d bytes, equal to the student's edit", len(got))

	// The teacher still edits, through a share in the teacher's folder; the teacher's own namesake stays put.
	resp, _ = bob.send(t, http.MethodPost, link+"/share", url.Values{"edit": {"1"}, "csrf_token": {csrfOf(t, bob, link)}})
	if resp.StatusCode == http.StatusSeeOther {
		// Not logged in to the cloud yet: the login, then the same button again.
		cloudAuthorize(t, bob, resp.Header.Get("Location"), "bob")
		resp, _ = bob.send(t, http.MethodPost, link+"/share", url.Values{"edit": {"1"}, "csrf_token": {csrfOf(t, bob, link)}})
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("teacher edit: HTTP %d", resp.StatusCode)
	}
	if b := bobCloud.read("/" + name); string(b) != "the teacher's own file" {
		t.Errorf("attack 1: the teacher's own %q changed or moved", name)
	}
	feedback := append(append([]byte{}, edited...), []byte("\n% feedback: good sources\n")...)
	if s := bobCloud.put(mine, feedback); s != http.StatusNoContent {
		t.Fatalf("the teacher writes feedback: HTTP %d", s)
	}
	if _, got = bob.send(t, http.MethodGet, link+"/file", nil); got != string(feedback) {
		t.Errorf("the teacher's feedback is not in the copy")
	}
}

// csrfOf reads ocrepo's CSRF token from a page of its mount.
func csrfOf(t *testing.T, c *client, page string) string {
	t.Helper()
	_, body := c.get(t, page)
	tok := parse(t, body).Find(`meta[name="csrf-token"]`).AttrOr("content", "")
	if tok == "" {
		t.Fatalf("no CSRF token on %s", page)
	}
	return tok
}

// refreshTarget unescapes the first submatch of a regexp match ("" when none).
func refreshTarget(m []string) string {
	if len(m) < 2 {
		return ""
	}
	return html.UnescapeString(m[1])
}
