package picker_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
)

// fixture is a host with one Nextcloud issuer and one instance, the student logged in.
type fixture struct {
	h    *repositorytest.Host
	iss  store.Issuer
	inst store.Instance
	c    *repositorytest.Client
}

func newFixture(t *testing.T, opts repositorytest.Options) *fixture {
	t.Helper()
	h := repositorytest.New(t, opts)
	iss := h.AddIssuer(t, "Campus Cloud")
	inst := h.AddInstance(t, iss.ID, "My files", host.ReturnImport|host.ReturnLink, host.ReturnImport)
	return &fixture{h: h, iss: iss, inst: inst, c: h.Client("student")}
}

func doc(t *testing.T, body string) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func names(d *goquery.Document) []string {
	var out []string
	d.Find(`[data-testid="row"]`).Each(func(_ int, s *goquery.Selection) {
		n, _ := s.Attr("data-name")
		out = append(out, n)
	})
	return out
}

// pickerPath is the picker URL relative to the host.
func (f *fixture) pickerPath(req host.PickRequest) string {
	u := f.h.PickerURL(req)
	return strings.TrimPrefix(u, f.h.URL)
}

// token is the signed request inside a picker URL.
func token(t *testing.T, pickerPath string) string {
	t.Helper()
	u, err := url.Parse(pickerPath)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("r")
}

func (f *fixture) listPath(t *testing.T, req host.PickRequest, kv ...string) string {
	t.Helper()
	q := url.Values{"r": {token(t, f.pickerPath(req))}, "i": {strconv.FormatInt(f.inst.ID, 10)}}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return repositorytest.Mount + "/picker/list?" + q.Encode()
}

func TestListingShowsAwkwardNamesWithOneRequest(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	awkward := []string{"with space.txt", "hash#tag.txt", "per%cent.txt", "quote'single.txt", `quote"double.txt`,
		"ünïcödé 日本.txt", "question?.txt"}
	for _, n := range awkward {
		f.h.Cloud.WriteFile("alice", "/Docs/"+n, []byte("x"))
	}
	f.h.Cloud.Mkdir("alice", "/Docs/Sub folder")
	f.h.Cloud.ResetCounts()
	status, body, _ := f.c.Get(t, f.pickerPath(host.PickRequest{})+"&path="+url.QueryEscape("/Docs"))
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	got := names(doc(t, body))
	if len(got) != len(awkward)+1 || got[0] != "Sub folder" {
		t.Fatalf("rows = %q, want the folder first and %d files", got, len(awkward))
	}
	for _, n := range awkward {
		found := false
		for _, g := range got {
			found = found || g == n
		}
		if !found {
			t.Errorf("name %q missing from %q", n, got)
		}
	}
	if n := f.h.Cloud.CountMethod(cloudtest.EPWebDAV, "PROPFIND"); n != 1 {
		t.Errorf("PROPFIND requests = %d, want 1", n)
	}
	if n := f.h.Cloud.Count(cloudtest.EPToken); n != 0 {
		t.Errorf("token requests = %d, want 0 while the token is valid", n)
	}
}

func TestPagingSortingFilteringCostNoRequests(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	f.h.Cloud.SeedFolder("alice", "/Big", 10000)
	f.h.Cloud.ResetCounts()
	req := host.PickRequest{}
	status, body, _ := f.c.Get(t, f.listPath(t, req, "path", "/Big"), "HX-Request", "true")
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	d := doc(t, body)
	if n := len(names(d)); n != 50 {
		t.Fatalf("first page has %d rows, want 50", n)
	}
	if c := d.Find(`[data-testid="count"]`).Text(); !strings.Contains(c, "10,000") {
		t.Errorf("count line %q does not mention 10,000", c)
	}
	steps := [][]string{
		{"path", "/Big", "page", "2"},
		{"path", "/Big", "sort", "size", "desc", "1"},
		{"path", "/Big", "filter", "file-0999"},
		{"path", "/Big", "page", "200"},
	}
	for _, kv := range steps {
		status, body, _ := f.c.Get(t, f.listPath(t, req, kv...), "HX-Request", "true")
		if status != http.StatusOK {
			t.Fatalf("%v: status %d", kv, status)
		}
		rows := names(doc(t, body))
		switch kv[2] {
		case "page":
			if kv[3] == "2" && rows[0] != "file-00050.txt" {
				t.Errorf("page 2 starts with %q", rows[0])
			}
			if kv[3] == "200" && rows[len(rows)-1] != "file-09999.txt" {
				t.Errorf("last page ends with %q", rows[len(rows)-1])
			}
		case "filter":
			if len(rows) != 10 {
				t.Errorf("filter file-0999 matched %d rows, want 10", len(rows))
			}
		}
	}
	if n := f.h.Cloud.CountMethod(cloudtest.EPWebDAV, "PROPFIND"); n != 1 {
		t.Errorf("PROPFIND requests after paging, sorting and filtering = %d, want 1", n)
	}
	// Reload reads the folder again.
	f.c.Get(t, f.listPath(t, req, "path", "/Big", "reload", "1"), "HX-Request", "true")
	if n := f.h.Cloud.CountMethod(cloudtest.EPWebDAV, "PROPFIND"); n != 2 {
		t.Errorf("PROPFIND requests after reload = %d, want 2", n)
	}
}

func TestEmptyFolderSaysSo(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	f.h.Cloud.Mkdir("alice", "/Empty")
	_, body, _ := f.c.Get(t, f.listPath(t, host.PickRequest{}, "path", "/Empty"), "HX-Request", "true")
	if got := doc(t, body).Find(`[data-testid="empty"]`).Text(); !strings.Contains(got, "empty") {
		t.Fatalf("empty folder message = %q", got)
	}
}

func TestFailedListingNeverLooksEmpty(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		fault  cloudtest.Fault
		status int
		code   string
	}{
		{"unauthorized", cloudtest.Fault{Status: 401}, 401, "auth_header"},
		{"forbidden", cloudtest.Fault{Status: 403}, 403, "forbidden"},
		{"not found", cloudtest.Fault{Status: 404}, 404, "not_found"},
		{"throttled", cloudtest.Fault{Status: 429, RetryAfter: 90 * time.Second}, 429, "throttled"},
		{"html instead of xml", cloudtest.Fault{Status: 200, Body: "<html><body>Login</body></html>", ContentType: "text/html"}, 502, "invalid_response"},
		{"truncated", cloudtest.Fault{Truncate: 300}, 503, "unavailable"}, // the connection broke off: an outage, try again
		{"server error", cloudtest.Fault{Status: 502}, 502, "server"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, repositorytest.Options{})
			f.h.Connect(t, f.iss.ID, "student")
			f.h.Cloud.WriteFile("alice", "/a.txt", []byte("a"))
			f.h.Cloud.Fail(cloudtest.EPWebDAV, tc.fault)
			status, body, _ := f.c.Get(t, f.listPath(t, host.PickRequest{}), "HX-Request", "true")
			d := doc(t, body)
			if status != tc.status {
				t.Errorf("status = %d, want %d", status, tc.status)
			}
			if d.Find(`[data-testid="listing-problem"]`).Length() != 1 {
				t.Fatalf("no problem panel in %s", body)
			}
			if d.Find(`[data-testid="alert-`+tc.code+`"]`).Length() != 1 {
				t.Errorf("want alert %q in %s", tc.code, body)
			}
			if d.Find(`[data-testid="empty"]`).Length() != 0 || d.Find(`[data-testid="row"]`).Length() != 0 {
				t.Errorf("a failed listing shows an (empty) table")
			}
		})
	}
}

func TestRefusedFilesAreGreyedWithReason(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	f.h.Cloud.WriteFile("alice", "/ok.pdf", []byte("%PDF small"))
	f.h.Cloud.WriteFile("alice", "/big.pdf", []byte(strings.Repeat("x", 2000)))
	f.h.Cloud.WriteFile("alice", "/notes.txt", []byte("text"))
	req := host.PickRequest{Accept: []string{".pdf"}, MaxBytes: 1000}
	// Two of the three files are refused, so the picker starts with only the pickable one (see
	// TestOnlyPickableFiles); showing all of them shows each refused one greyed with its reason.
	_, body, _ := f.c.Get(t, f.pickerPath(req)+"&pickable=0")
	d := doc(t, body)
	reason := func(name string) (string, bool) {
		row := d.Find(`[data-testid="row"][data-name="` + name + `"]`)
		disabled := row.Find(`input[name="path"]`).Is("[disabled]")
		return strings.TrimSpace(row.Find(`[data-testid="refusal"]`).Text()), disabled
	}
	if r, dis := reason("ok.pdf"); r != "" || dis {
		t.Errorf("ok.pdf refused: %q", r)
	}
	if r, dis := reason("big.pdf"); !strings.Contains(r, "Too large") || !dis {
		t.Errorf("big.pdf: reason %q disabled %v", r, dis)
	}
	if r, dis := reason("notes.txt"); !strings.Contains(r, "not accepted") || !dis {
		t.Errorf("notes.txt: reason %q disabled %v", r, dis)
	}
	if got := d.Find(`[data-testid="requirements"]`).Text(); !strings.Contains(got, ".pdf") || !strings.Contains(got, "1,000 bytes") {
		t.Errorf("requirements line = %q", got)
	}
}

var authorizeState = regexp.MustCompile(`[?&]state=([^&]+)`)

func TestLoginThroughCallback(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Cloud.WriteFile("alice", "/hello.txt", []byte("hi"))
	pp := f.pickerPath(host.PickRequest{})
	_, body, _ := f.c.Get(t, pp)
	d := doc(t, body)
	login, ok := d.Find(`[data-testid="login"]`).Attr("href")
	if !ok {
		t.Fatalf("no login button: %s", body)
	}
	status, _, hdr := f.c.Get(t, login)
	if status != http.StatusFound {
		t.Fatalf("login start status %d", status)
	}
	to := hdr.Get("Location")
	if !strings.HasPrefix(to, f.h.Cloud.URL) || !strings.Contains(to, "code_challenge_method=S256") {
		t.Fatalf("login goes to %q", to)
	}
	m := authorizeState.FindStringSubmatch(to)
	state, _ := url.QueryUnescape(m[1])
	u, _ := url.Parse(to)
	code := f.h.Cloud.AuthorizeCode("alice", state, u.Query().Get("code_challenge"))
	f.h.Cloud.ResetCounts()
	status, body, _ = f.c.Get(t, repositorytest.Mount+"/callback?state="+url.QueryEscape(state)+"&code="+url.QueryEscape(code))
	if status != http.StatusOK || doc(t, body).Find(`[data-testid="login-ok"]`).Length() != 1 {
		t.Fatalf("callback status %d: %s", status, body)
	}
	if n := f.h.Cloud.Count(cloudtest.EPToken); n != 1 {
		t.Errorf("token calls = %d, want 1", n)
	}
	if n := f.h.Cloud.Count(cloudtest.EPUserinfo); n != 1 {
		t.Errorf("userinfo calls = %d, want 1", n)
	}
	tok, err := f.h.Store.GetToken(context.Background(), store.TokenKey{IssuerID: f.iss.ID, UserID: "student"})
	if err != nil || tok.CloudUser != "alice" {
		t.Fatalf("stored token: %+v, %v", tok, err)
	}
	if strings.Contains(body, tok.AccessToken) || strings.Contains(body, tok.RefreshToken) || strings.Contains(body, code) {
		t.Errorf("the callback page shows a secret")
	}
	// The same callback again is a replay.
	status, body, _ = f.c.Get(t, repositorytest.Mount+"/callback?state="+url.QueryEscape(state)+"&code="+url.QueryEscape(code))
	if status != http.StatusBadRequest || doc(t, body).Find(`[data-testid="alert-login_state_replayed"]`).Length() != 1 {
		t.Errorf("replayed callback: status %d: %s", status, body)
	}
	_, body, _ = f.c.Get(t, pp)
	if got := names(doc(t, body)); len(got) != 1 || got[0] != "hello.txt" {
		t.Errorf("after login the picker lists %q", got)
	}
}

// startLogin begins a login as c and returns the state and PKCE challenge sent to the cloud.
func (f *fixture) startLogin(t *testing.T, c *repositorytest.Client) (state, challenge string) {
	t.Helper()
	_, body, _ := c.Get(t, f.pickerPath(host.PickRequest{User: c.User}))
	login, ok := doc(t, body).Find(`[data-testid="login"]`).Attr("href")
	if !ok {
		t.Fatalf("no login button for %s", c.User)
	}
	_, _, hdr := c.Get(t, login)
	u, err := url.Parse(hdr.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("state"), u.Query().Get("code_challenge")
}

func TestCallbackErrorsEachHaveTheirMessage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		setup  func(t *testing.T, f *fixture) string // returns the callback query
		status int
		code   string
	}{
		{"missing state", func(t *testing.T, f *fixture) string { return "code=x" }, 400, "login_state_missing"},
		{"unknown state", func(t *testing.T, f *fixture) string { return "state=forged&code=x" }, 400, "login_state_unknown"},
		{"denied", func(t *testing.T, f *fixture) string {
			st, _ := f.startLogin(t, f.c)
			return "state=" + url.QueryEscape(st) + "&error=access_denied"
		}, 400, "login_denied"},
		{"redirect uri", func(t *testing.T, f *fixture) string {
			st, _ := f.startLogin(t, f.c)
			return "state=" + url.QueryEscape(st) + "&error=invalid_request&error_description=" + url.QueryEscape("The redirect URI does not match")
		}, 400, "login_redirect_uri"},
		{"expired", func(t *testing.T, f *fixture) string {
			st, ch := f.startLogin(t, f.c)
			code := f.h.Cloud.AuthorizeCode("alice", st, ch)
			f.h.Clock.Advance(time.Hour)
			return "state=" + url.QueryEscape(st) + "&code=" + url.QueryEscape(code)
		}, 400, "login_state_expired"},
		{"another user's state", func(t *testing.T, f *fixture) string {
			st, ch := f.startLogin(t, f.h.Client("student2"))
			code := f.h.Cloud.AuthorizeCode("carol", st, ch)
			return "state=" + url.QueryEscape(st) + "&code=" + url.QueryEscape(code)
		}, 403, "login_state_foreign"},
		{"bad code", func(t *testing.T, f *fixture) string {
			st, _ := f.startLogin(t, f.c)
			return "state=" + url.QueryEscape(st) + "&code=not-a-code"
		}, 400, "login_token_refused"},
		{"token endpoint failing", func(t *testing.T, f *fixture) string {
			st, ch := f.startLogin(t, f.c)
			code := f.h.Cloud.AuthorizeCode("alice", st, ch)
			f.h.Cloud.Fail(cloudtest.EPToken, cloudtest.Fault{Status: 500})
			return "state=" + url.QueryEscape(st) + "&code=" + url.QueryEscape(code)
		}, 502, "login_token_failed"},
		{"throttled", func(t *testing.T, f *fixture) string {
			st, ch := f.startLogin(t, f.c)
			code := f.h.Cloud.AuthorizeCode("alice", st, ch)
			f.h.Cloud.Fail(cloudtest.EPToken, cloudtest.Fault{Status: 429, RetryAfter: time.Minute})
			return "state=" + url.QueryEscape(st) + "&code=" + url.QueryEscape(code)
		}, 429, "login_throttled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, repositorytest.Options{})
			q := tc.setup(t, f)
			status, body, _ := f.c.Get(t, repositorytest.Mount+"/callback?"+q)
			if status != tc.status {
				t.Errorf("status = %d, want %d", status, tc.status)
			}
			if doc(t, body).Find(`[data-testid="alert-`+tc.code+`"]`).Length() != 1 {
				t.Errorf("want alert %q in %s", tc.code, body)
			}
			if _, err := f.h.Store.GetToken(context.Background(), store.TokenKey{IssuerID: f.iss.ID, UserID: "student"}); err == nil {
				t.Errorf("a failed login stored a token")
			}
		})
	}
}

func TestLogoutForgetsTheToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	before, err := f.h.Store.GetToken(context.Background(), store.TokenKey{IssuerID: f.iss.ID, UserID: "student"})
	if err != nil {
		t.Fatal(err)
	}
	pp := f.pickerPath(host.PickRequest{})
	form := url.Values{"r": {token(t, pp)}, "i": {strconv.FormatInt(f.inst.ID, 10)}}
	status, _, hdr := f.c.Post(t, repositorytest.Mount+"/picker/logout/"+strconv.FormatInt(f.inst.ID, 10), form)
	if status != http.StatusSeeOther {
		t.Fatalf("logout status %d", status)
	}
	if !strings.Contains(hdr.Get("Location"), "/picker?") {
		t.Errorf("logout returns to %q", hdr.Get("Location"))
	}
	if _, err := f.h.Store.GetToken(context.Background(), store.TokenKey{IssuerID: f.iss.ID, UserID: "student"}); err == nil {
		t.Fatal("token still stored after logout")
	}
	if !f.h.Cloud.Revoked(before.AccessToken) {
		t.Error("logout did not revoke the login at the cloud")
	}
	_, body, _ := f.c.Get(t, pp)
	if doc(t, body).Find(`[data-testid="login-box"]`).Length() != 1 {
		t.Errorf("after logout the picker shows no login box")
	}
}

func TestSearch(t *testing.T) {
	t.Parallel()
	t.Run("nextcloud", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, repositorytest.Options{})
		f.h.Connect(t, f.iss.ID, "student")
		f.h.Cloud.WriteFile("alice", "/A/report 2026.pdf", []byte("x"))
		f.h.Cloud.WriteFile("alice", "/B/C/old report.pdf", []byte("x"))
		f.h.Cloud.WriteFile("alice", "/B/other.txt", []byte("x"))
		q := url.Values{"r": {token(t, f.pickerPath(host.PickRequest{}))}, "i": {strconv.FormatInt(f.inst.ID, 10)}, "q": {"report"}}
		status, body, _ := f.c.Get(t, repositorytest.Mount+"/picker/search?"+q.Encode(), "HX-Request", "true")
		if status != http.StatusOK {
			t.Fatalf("status %d: %s", status, body)
		}
		got := names(doc(t, body))
		if len(got) != 2 {
			t.Fatalf("search found %q, want the two reports", got)
		}
	})
	t.Run("owncloud says search is unavailable", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, repositorytest.Options{Cloud: cloudtest.Options{Flavor: cloud.OwnCloud}})
		f.h.Connect(t, f.iss.ID, "student")
		q := url.Values{"r": {token(t, f.pickerPath(host.PickRequest{}))}, "i": {strconv.FormatInt(f.inst.ID, 10)}, "q": {"report"}}
		_, body, _ := f.c.Get(t, repositorytest.Mount+"/picker/search?"+q.Encode(), "HX-Request", "true")
		if doc(t, body).Find(`[data-testid="alert-search_unsupported"]`).Length() != 1 {
			t.Fatalf("no plain 'search unavailable' message: %s", body)
		}
	})
}

func TestTamperedOrExpiredPickerURLIsRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	pp := f.pickerPath(host.PickRequest{MaxBytes: 10})
	tampered := strings.Replace(pp, "r=", "r=x", 1)
	if status, body, _ := f.c.Get(t, tampered); status != http.StatusBadRequest || !strings.Contains(body, "alert-pick_invalid") {
		t.Errorf("tampered: %d", status)
	}
	expired := f.pickerPath(host.PickRequest{Expires: f.h.Clock.Now().Add(-time.Minute)})
	if status, body, _ := f.c.Get(t, expired); status != http.StatusBadRequest || !strings.Contains(body, "alert-pick_expired") {
		t.Errorf("expired: %d", status)
	}
	other := f.h.Client("student2")
	if status, _, _ := other.Get(t, pp); status != http.StatusForbidden {
		t.Errorf("another user's picker: %d, want 403", status)
	}
}
