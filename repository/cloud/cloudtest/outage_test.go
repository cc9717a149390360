package cloudtest

import (
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"syscall"
	"testing"
)

func TestStopAndStart(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	access, _, _ := s.IssueToken("alice")
	if r := call(t, s, "PROPFIND", s.URL+"remote.php/webdav/", access, nil, "Depth", "0"); r.status != 207 {
		t.Fatalf("before the stop: HTTP %d", r.status)
	}
	s.Stop()
	s.Client().CloseIdleConnections() // a kept-alive connection would end in EOF instead
	req, _ := http.NewRequest("PROPFIND", s.URL+"remote.php/webdav/", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	_, err := s.Client().Do(req)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("while stopped: %v, want connection refused", err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if r := call(t, s, "PROPFIND", s.URL+"remote.php/webdav/", access, nil, "Depth", "0"); r.status != 207 {
		t.Fatalf("after the start: HTTP %d (the token and files should have survived)", r.status)
	}
}

func TestExpireAccessTokensKeepsTheRefreshToken(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	access, refresh, _ := s.IssueToken("alice")
	other, _, _ := s.IssueToken("bob")
	if n := s.ExpireAccessTokens("alice"); n != 1 {
		t.Fatalf("ended %d tokens, want 1", n)
	}
	r := call(t, s, "PROPFIND", s.URL+"remote.php/webdav/", access, nil, "Depth", "0")
	if r.status != 401 || !strings.Contains(r.String(), "Bearer token was incorrect") {
		t.Fatalf("ended token: HTTP %d %s", r.status, r.body)
	}
	if r := call(t, s, "PROPFIND", s.URL+"remote.php/webdav/", other, nil, "Depth", "0"); r.status != 207 {
		t.Fatalf("another user's token: HTTP %d", r.status)
	}
	rr, tr := postToken(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}, true, "ocrepo", "secret")
	if rr.status != 200 || tr.AccessToken == "" {
		t.Fatalf("refresh after the early end: HTTP %d %s", rr.status, rr.body)
	}
}

func TestSetClientSecretRefusesThenWorks(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	_, refresh, _ := s.IssueToken("alice")
	s.SetClientSecret("regenerated")
	rr, tr := postToken(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}, true, "ocrepo", "secret")
	if rr.status != 400 || tr.Error != "invalid_client" {
		t.Fatalf("old secret: HTTP %d %s", rr.status, rr.body)
	}
	rr, tr = postToken(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}, true, "ocrepo", "regenerated")
	if rr.status != 200 || tr.AccessToken == "" {
		t.Fatalf("new secret, same refresh token: HTTP %d %s", rr.status, rr.body)
	}
}

// TestLoginFlowRefusesForeignSessions: the grant page and the grant itself need the browser's own login and
// the state token its login flow page issued; another browser, a made-up token or a replayed grant gets 403 or
// the login form, never a code.
func TestLoginFlowRefusesForeignSessions(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{RedirectURI: callback})
	browser := func() *http.Client {
		hc := noRedirect(s)
		jar, _ := cookiejar.New(nil)
		hc.Jar = jar
		return hc
	}
	get := func(hc *http.Client, u string) (*http.Response, []byte) {
		t.Helper()
		resp, err := hc.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	post := func(hc *http.Client, u string, v url.Values) *http.Response {
		t.Helper()
		resp, err := hc.PostForm(u, v)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	// Alice walks to her grant page.
	alice := browser()
	resp, _ := get(alice, authorizeURL(s, "ocrepo", "st", ""))
	resp, page := get(alice, resp.Header.Get("Location"))
	pg, _ := readPage(page)
	grant, _ := resp.Request.URL.Parse(pg.link)
	resp, _ = get(alice, grant.String())
	resp, page = get(alice, resp.Header.Get("Location"))
	f := parseLoginForm(t, page)
	f.values.Set("user", "alice")
	f.values.Set("password", "alice-pw")
	if resp := post(alice, f.action, f.values); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	_, page = get(alice, grant.String())
	g := parseLoginForm(t, page)

	// Another browser with Alice's grant URL is sent to log in; with her form values it gets no code.
	if resp, _ := get(browser(), grant.String()); resp.StatusCode != http.StatusSeeOther ||
		!strings.Contains(resp.Header.Get("Location"), "index.php/login?redirect_url=") {
		t.Errorf("foreign grant page: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := post(browser(), g.action, g.values); resp.StatusCode == http.StatusSeeOther {
		t.Errorf("a foreign browser was granted: %s", resp.Header.Get("Location"))
	}
	// Alice with a made-up state token gets 403; that ends the flow's token (as Nextcloud removes it).
	bad := url.Values{}
	for k, v := range g.values {
		bad[k] = v
	}
	bad.Set("stateToken", "made-up")
	if resp := post(alice, g.action, bad); resp.StatusCode != http.StatusForbidden {
		t.Errorf("made-up state token: %d", resp.StatusCode)
	}
	if resp := post(alice, g.action, g.values); resp.StatusCode == http.StatusSeeOther {
		t.Errorf("granted after the state token was spent: %s", resp.Header.Get("Location"))
	}
}
