package cloudtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

const callback = "https://lms.example.org/cloud/callback"

// loginForm is the authorize page's form as a browser sees it.
type loginForm struct {
	action string
	values url.Values
	ids    map[string]string // element id -> tag
	labels map[string]bool   // label for= targets
	error  string
}

// parseLoginForm reads the form of an authorize page.
func parseLoginForm(t *testing.T, body []byte) loginForm {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse page: %v", err)
	}
	f := loginForm{values: url.Values{}, ids: map[string]string{}, labels: map[string]bool{}}
	attr := func(n *html.Node, k string) string {
		for _, a := range n.Attr {
			if a.Key == k {
				return a.Val
			}
		}
		return ""
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if id := attr(n, "id"); id != "" {
				f.ids[id] = n.Data
			}
			switch n.Data {
			case "form":
				f.action = attr(n, "action")
			case "input":
				if name := attr(n, "name"); name != "" {
					f.values.Set(name, attr(n, "value"))
				}
			case "label":
				f.labels[attr(n, "for")] = true
			case "p":
				if attr(n, "id") == "error" && n.FirstChild != nil {
					f.error = n.FirstChild.Data
				}
			case "script":
				t.Errorf("the login page must not need JavaScript")
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return f
}

func authorizeURL(s *Server, clientID, state, challenge string) string {
	q := url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "state": {state},
		"redirect_uri": {"https://ignored.example.org/elsewhere"},
	}
	if challenge != "" {
		q.Set("code_challenge", challenge)
		q.Set("code_challenge_method", "S256")
	}
	return s.URL + "index.php/apps/oauth2/authorize?" + q.Encode()
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// browserLogin walks Nextcloud 34's login pages like a browser, checking each hop's shape (authorize -> 303 to
// the login flow page -> its "Log in" link -> 303 to the login form -> 303 back to the grant page -> "Grant
// access" -> 303 to the redirect URI), and returns the redirect it ends with and the login form. When the login
// form does not send the browser on, the redirect is nil and the form is the page shown again.
func browserLogin(t *testing.T, s *Server, state, challenge, user, password string) (*url.URL, loginForm) {
	t.Helper()
	hc := noRedirect(s)
	jar, _ := cookiejar.New(nil)
	hc.Jar = jar
	do := func(method, target string, form url.Values) (*http.Response, []byte) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, target, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, target, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	redirect := func(resp *http.Response, want string) string {
		t.Helper()
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, want) {
			t.Fatalf("%s: HTTP %d to %q, want 303 to %s...", resp.Request.URL.Path, resp.StatusCode, loc, want)
		}
		return loc
	}
	resp, _ := do("GET", authorizeURL(s, "ocrepo", state, challenge), nil)
	flow := redirect(resp, s.URL+"index.php/login/flow?")
	if want := s.URL + "index.php/login/flow?clientIdentifier=ocrepo&providedRedirectUri="; flow != want {
		t.Fatalf("authorize sends the browser to %s, want %s", flow, want)
	}
	resp, page := do("GET", flow, nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("login flow page: HTTP %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	pg, err := readPage(page)
	if err != nil || pg.link == "" {
		t.Fatalf("login flow page has no login link (%v): %s", err, page)
	}
	grant, _ := resp.Request.URL.Parse(pg.link)
	resp, _ = do("GET", grant.String(), nil)
	login := redirect(resp, s.URL+"index.php/login?redirect_url=")
	resp, page = do("GET", login, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("login form: HTTP %d", resp.StatusCode)
	}
	f := parseLoginForm(t, page)
	f.values.Set("user", user)
	f.values.Set("password", password)
	resp, page = do("POST", f.action, f.values)
	if resp.StatusCode != http.StatusSeeOther {
		return nil, parseLoginForm(t, page)
	}
	back := redirect(resp, grant.String())
	resp, page = do("GET", back, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("grant page: HTTP %d %s", resp.StatusCode, page)
	}
	g := parseLoginForm(t, page)
	if g.ids["grant"] != "button" || !g.values.Has("stateToken") || !g.values.Has("requesttoken") {
		t.Fatalf("grant page form: ids %v, fields %v", g.ids, g.values)
	}
	resp, _ = do("POST", g.action, g.values)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("grant: HTTP %d", resp.StatusCode)
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatalf("redirect: %v", err)
	}
	return u, f
}

// tokenReply is the token endpoint's JSON.
type tokenReply struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	UserID       string `json:"user_id"`
	Error        string `json:"error"`
	MessageURL   string `json:"message_url"`
}

// postToken calls the token endpoint; basic selects Basic client auth, otherwise body credentials.
func postToken(t *testing.T, s *Server, v url.Values, basic bool, id, secret string) (reply, tokenReply) {
	t.Helper()
	if !basic && id != "" {
		v.Set("client_id", id)
		v.Set("client_secret", secret)
	}
	req, _ := http.NewRequest("POST", s.URL+"index.php/apps/oauth2/api/v1/token", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(id, secret)
	}
	r := doReq(t, s.Client(), req)
	var tr tokenReply
	if strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(r.body, &tr); err != nil {
			t.Fatalf("decode token reply: %v", err)
		}
	}
	return r, tr
}

func TestOAuthLoginThroughForm(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, registered, wantPrefix string
	}{
		{"plain callback", callback, callback + "?state="},
		{"callback with query", callback + "?issuer=7", callback + "?issuer=7&state="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newFixture(t, Options{RedirectURI: tc.registered, BasePath: "/nc/"})
			verifier := "a-verifier-that-is-long-enough-for-pkce-0123456789"
			state := "st a+te/=?&"
			loc, f := browserLogin(t, s, state, s256(verifier), "alice", "alice-pw")
			if loc == nil {
				t.Fatalf("no redirect; page error %q", f.error)
			}
			for _, id := range []string{"user", "password", "submit"} {
				if f.ids[id] == "" {
					t.Errorf("page lacks element id %q", id)
				}
			}
			if !f.labels["user"] || !f.labels["password"] {
				t.Errorf("inputs are not labelled: %v", f.labels)
			}
			for _, k := range []string{"requesttoken", "redirect_url"} {
				if !f.values.Has(k) {
					t.Errorf("form lacks hidden field %q", k)
				}
			}
			got := loc.String()
			if !strings.HasPrefix(got, tc.wantPrefix+url.QueryEscape(state)+"&code=") {
				t.Fatalf("redirect = %s, want prefix %s", got, tc.wantPrefix)
			}
			code := loc.Query().Get("code")
			if loc.Query().Get("state") != state || code == "" {
				t.Fatalf("redirect query %v", loc.Query())
			}
			r, tr := postToken(t, s, url.Values{"grant_type": {"authorization_code"}, "code": {code},
				"redirect_uri": {callback}, "code_verifier": {verifier}}, true, "ocrepo", "secret")
			if r.status != 200 || tr.TokenType != "Bearer" || tr.ExpiresIn != 3600 || tr.UserID != "alice" ||
				tr.AccessToken == "" || tr.RefreshToken == "" {
				t.Fatalf("token reply HTTP %d %s", r.status, r.body)
			}
			var raw map[string]any
			_ = json.Unmarshal(r.body, &raw)
			if len(raw) != 5 {
				t.Errorf("token reply has fields %v, want exactly the five of Nextcloud", raw)
			}
			if w := call(t, s, "PROPFIND", s.URL+"remote.php/webdav/", tr.AccessToken, nil, "Depth", "0"); w.status != 207 {
				t.Errorf("the new token does not work: HTTP %d", w.status)
			}
		})
	}
}

func TestOAuthLoginFailures(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{RedirectURI: callback})

	t.Run("wrong password re-renders with an error", func(t *testing.T) {
		loc, f := browserLogin(t, s, "s1", "", "alice", "nope")
		if loc != nil {
			t.Fatalf("redirected to %s", loc)
		}
		if f.error != "Wrong login or password." || f.values.Get("user") != "alice" ||
			!strings.Contains(f.values.Get("redirect_url"), "index.php/login/flow/grant?") {
			t.Fatalf("error %q, user %q, back to %q", f.error, f.values.Get("user"), f.values.Get("redirect_url"))
		}
	})
	t.Run("login by e-mail works", func(t *testing.T) {
		loc, _ := browserLogin(t, s, "s2", "", "BOB@example.org", "bob-pw")
		if loc == nil || loc.Query().Get("code") == "" {
			t.Fatalf("no code")
		}
	})
	t.Run("unknown client gets a page, not a redirect", func(t *testing.T) {
		r := call(t, s, "GET", authorizeURL(s, "intruder", "x", ""), "", nil)
		if r.status != 200 || !strings.Contains(r.String(), "not authorized to connect") {
			t.Fatalf("HTTP %d %s", r.status, r.body)
		}
	})
	t.Run("form without its request token", func(t *testing.T) {
		v := url.Values{"redirect_url": {"/index.php/login/flow/grant"}, "user": {"alice"}, "password": {"alice-pw"}}
		req, _ := http.NewRequest("POST", s.URL+"index.php/login", strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := noRedirect(s).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("HTTP %d, want the page again", resp.StatusCode)
		}
	})
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	type step struct {
		v          url.Values
		basic      bool
		id, secret string
		status     int
		err        string
	}
	codeGrant := func(code string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {callback}}
	}
	for _, tc := range []struct {
		name   string
		flavor cloud.FlavorID
		run    func(t *testing.T, s *Server, clock *fakeClock) []step
	}{
		{"code replay", cloud.Nextcloud, func(t *testing.T, s *Server, _ *fakeClock) []step {
			c := s.AuthorizeCode("alice", "st", "")
			return []step{
				{v: codeGrant(c), basic: true, id: "ocrepo", secret: "secret", status: 200},
				{v: codeGrant(c), basic: true, id: "ocrepo", secret: "secret", status: 400, err: "invalid_request"},
			}
		}},
		{"code expiry", cloud.Nextcloud, func(t *testing.T, s *Server, clock *fakeClock) []step {
			c := s.AuthorizeCode("alice", "st", "")
			clock.Add(10*time.Minute + time.Second)
			return []step{{v: codeGrant(c), basic: true, id: "ocrepo", secret: "secret", status: 400, err: "invalid_request"}}
		}},
		{"code just before expiry", cloud.Nextcloud, func(t *testing.T, s *Server, clock *fakeClock) []step {
			c := s.AuthorizeCode("alice", "st", "")
			clock.Add(10*time.Minute - time.Second)
			return []step{{v: codeGrant(c), id: "ocrepo", secret: "secret", status: 200}}
		}},
		{"wrong secret keeps the code", cloud.Nextcloud, func(t *testing.T, s *Server, _ *fakeClock) []step {
			c := s.AuthorizeCode("alice", "st", "")
			return []step{
				{v: codeGrant(c), basic: true, id: "ocrepo", secret: "wrong", status: 400, err: "invalid_client"},
				{v: codeGrant(c), basic: true, id: "ocrepo", secret: "secret", status: 200},
			}
		}},
		{"Basic wins over body", cloud.Nextcloud, func(t *testing.T, s *Server, _ *fakeClock) []step {
			v := codeGrant(s.AuthorizeCode("alice", "st", ""))
			v.Set("client_id", "ocrepo")
			v.Set("client_secret", "wrong")
			return []step{{v: v, basic: true, id: "ocrepo", secret: "secret", status: 200}}
		}},
		{"body credentials", cloud.Nextcloud, func(t *testing.T, s *Server, _ *fakeClock) []step {
			return []step{{v: codeGrant(s.AuthorizeCode("alice", "st", "")), id: "ocrepo", secret: "secret", status: 200}}
		}},
		{"no client credentials is a 500 page", cloud.Nextcloud, func(t *testing.T, s *Server, _ *fakeClock) []step {
			return []step{{v: codeGrant(s.AuthorizeCode("alice", "st", "")), status: 500}}
		}},
		{"unknown grant type", cloud.Nextcloud, func(t *testing.T, s *Server, _ *fakeClock) []step {
			return []step{{v: url.Values{"grant_type": {"password"}}, basic: true, id: "ocrepo", secret: "secret", status: 400, err: "invalid_grant"}}
		}},
		{"PKCE mismatch", cloud.Nextcloud, func(t *testing.T, s *Server, _ *fakeClock) []step {
			c := s.AuthorizeCode("alice", "st", s256("right-verifier"))
			bad, good, none := codeGrant(c), codeGrant(c), codeGrant(c)
			bad.Set("code_verifier", "wrong-verifier")
			good.Set("code_verifier", "right-verifier")
			return []step{
				{v: none, basic: true, id: "ocrepo", secret: "secret", status: 400, err: "invalid_grant"},
				{v: bad, basic: true, id: "ocrepo", secret: "secret", status: 400, err: "invalid_grant"},
				{v: good, basic: true, id: "ocrepo", secret: "secret", status: 200},
			}
		}},
		{"ownCloud requires Basic", cloud.OwnCloud, func(t *testing.T, s *Server, _ *fakeClock) []step {
			c := s.AuthorizeCode("alice", "st", "")
			return []step{
				{v: codeGrant(c), id: "ocrepo", secret: "secret", status: 400, err: "invalid_client"},
				{v: codeGrant(c), basic: true, id: "ocrepo", secret: "secret", status: 200},
			}
		}},
		{"ownCloud requires redirect_uri", cloud.OwnCloud, func(t *testing.T, s *Server, _ *fakeClock) []step {
			c := s.AuthorizeCode("alice", "st", "")
			other := codeGrant(c)
			other.Set("redirect_uri", "https://elsewhere.example.org/")
			return []step{
				{v: url.Values{"grant_type": {"authorization_code"}, "code": {c}}, basic: true, id: "ocrepo", secret: "secret", status: 400, err: "invalid_request"},
				{v: other, basic: true, id: "ocrepo", secret: "secret", status: 400, err: "invalid_grant"},
				{v: codeGrant(c), basic: true, id: "ocrepo", secret: "secret", status: 200},
			}
		}},
		{"Nextcloud ignores redirect_uri", cloud.Nextcloud, func(t *testing.T, s *Server, _ *fakeClock) []step {
			return []step{{v: url.Values{"grant_type": {"authorization_code"}, "code": {s.AuthorizeCode("alice", "", "")}},
				basic: true, id: "ocrepo", secret: "secret", status: 200}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, clock := newFixture(t, Options{Flavor: tc.flavor, RedirectURI: callback})
			for i, st := range tc.run(t, s, clock) {
				r, tr := postToken(t, s, st.v, st.basic, st.id, st.secret)
				if r.status != st.status || tr.Error != st.err {
					t.Fatalf("step %d: HTTP %d error %q, want %d %q\n%s", i, r.status, tr.Error, st.status, st.err, r.body)
				}
				if st.status == 500 && !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
					t.Errorf("step %d: 500 reply is %s, want an HTML page", i, r.header.Get("Content-Type"))
				}
				if st.status == 200 && tc.flavor == cloud.OwnCloud && tr.MessageURL == "" {
					t.Errorf("step %d: ownCloud reply lacks message_url", i)
				}
			}
		})
	}
}

func TestRefreshRotation(t *testing.T) {
	t.Parallel()
	s, clock := newFixture(t, Options{RedirectURI: callback})
	s.WriteFile("alice", "/a.txt", []byte("a"))
	access, refresh, expiresIn := s.IssueToken("alice")
	if expiresIn != time.Hour {
		t.Fatalf("expiresIn %v", expiresIn)
	}
	refreshGrant := func(rt string) url.Values {
		return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
	}
	r, tr := postToken(t, s, refreshGrant(refresh), true, "ocrepo", "secret")
	if r.status != 200 || tr.AccessToken == access || tr.RefreshToken == refresh || tr.UserID != "alice" {
		t.Fatalf("refresh: HTTP %d %s", r.status, r.body)
	}
	// The old pair died at once.
	if w := call(t, s, "PROPFIND", s.URL+"remote.php/webdav/", access, nil, "Depth", "0"); w.status != 401 {
		t.Errorf("old access token on WebDAV: HTTP %d, want 401", w.status)
	}
	if w := call(t, s, "GET", s.URL+"ocs/v2.php/cloud/user?format=json", access, nil); w.status != 401 || decodeOCS(t, w).OCS.Meta.StatusCode != 997 {
		t.Errorf("old access token on OCS: HTTP %d %s", w.status, w.body)
	}
	r2, tr2 := postToken(t, s, refreshGrant(refresh), true, "ocrepo", "secret")
	if r2.status != 400 || tr2.Error != "invalid_request" {
		t.Errorf("reused refresh token: HTTP %d %s", r2.status, r2.body)
	}
	if got := s.RefreshRedemptions(); got[refresh] != 2 || got[tr.RefreshToken] != 0 {
		t.Errorf("redemptions %v", got)
	}
	// The new access token works until TokenLifetime passes.
	if w := call(t, s, "GET", s.URL+"remote.php/webdav/a.txt", tr.AccessToken, nil); w.status != 200 {
		t.Errorf("new token: HTTP %d", w.status)
	}
	clock.Add(time.Hour)
	if w := call(t, s, "GET", s.URL+"remote.php/webdav/a.txt", tr.AccessToken, nil); w.status != 401 {
		t.Errorf("expired token: HTTP %d, want 401", w.status)
	}
	// The refresh token outlives the access token.
	if r3, _ := postToken(t, s, refreshGrant(tr.RefreshToken), false, "ocrepo", "secret"); r3.status != 200 {
		t.Errorf("refresh after expiry: HTTP %d %s", r3.status, r3.body)
	}
}

func TestBruteForceThrottling(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		opts      Options
		throttled bool
	}{
		{"Nextcloud", Options{}, true},
		{"disabled", Options{DisableBruteForce: true}, false},
		{"ownCloud", Options{Flavor: cloud.OwnCloud}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, clock := newFixture(t, tc.opts)
			bad := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"nope"}}
			for i := 0; i < 11; i++ {
				if r, _ := postToken(t, s, bad, true, "ocrepo", "secret"); r.status != 400 {
					t.Fatalf("failure %d: HTTP %d", i, r.status)
				}
			}
			_, good, _ := s.IssueToken("alice")
			r, _ := postToken(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {good}}, true, "ocrepo", "secret")
			if tc.throttled {
				if r.status != 429 || r.header.Get("Retry-After") == "" {
					t.Fatalf("12th call: HTTP %d Retry-After %q, want 429", r.status, r.header.Get("Retry-After"))
				}
				clock.Add(30 * time.Minute)
				r, _ = postToken(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {good}}, true, "ocrepo", "secret")
			}
			if r.status != 200 {
				t.Fatalf("good refresh: HTTP %d %s", r.status, r.body)
			}
		})
	}
}

func TestWithoutIndexPHP(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{BasePath: "/nc"})
	if !strings.HasSuffix(s.URL, "/nc/") {
		t.Fatalf("URL %q", s.URL)
	}
	req, _ := http.NewRequest("POST", s.URL+"apps/oauth2/api/v1/token", strings.NewReader("grant_type=refresh_token"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := noRedirect(s).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != s.URL+"index.php/login" {
		t.Fatalf("HTTP %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if r := call(t, s, "GET", s.URL+"index.php/login", "", nil); r.status != 200 || !strings.Contains(r.String(), "<form") {
		t.Fatalf("login page: HTTP %d", r.status)
	}
	if got := s.Count(EPToken); got != 1 {
		t.Errorf("token count %d", got)
	}
	// Outside the base path nothing is served.
	u, _ := url.Parse(s.URL)
	u.Path = "/status.php"
	if r := call(t, s, "GET", u.String(), "", nil); r.status != 404 {
		t.Errorf("status.php outside the base path: HTTP %d", r.status)
	}
}
