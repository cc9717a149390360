package web_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/repository/host"
)

// logBuffer is a slog destination tests can read while handlers write.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// userCookie names the signed-in user of the test host; "broken" makes the users hook fail.
const userCookie = "who"

// plumbing is an echo server with a few routes registered through Env.Handle.
type plumbing struct {
	e    *echo.Echo
	env  *web.Env
	logs *logBuffer
	ran  map[string]int
	mu   sync.Mutex
}

func newPlumbing(t *testing.T, frameAncestors ...string) *plumbing {
	t.Helper()
	p := &plumbing{e: echo.New(), logs: &logBuffer{}, ran: map[string]int{}}
	p.env = &web.Env{
		Users: host.UsersFunc(func(r *http.Request) (host.User, error) {
			ck, err := r.Cookie(userCookie)
			switch {
			case err != nil:
				return host.User{}, host.ErrNotSignedIn
			case ck.Value == "broken":
				return host.User{}, errors.New("session store down: password=hunter2")
			case ck.Value == "nobody":
				return host.User{}, nil // a hook that finds no one but reports no error
			}
			return host.User{ID: ck.Value, Name: ck.Value}, nil
		}),
		Admins: host.AdminsFunc(func(_ context.Context, u host.User) (bool, error) {
			if u.ID == "flaky" {
				return false, errors.New("directory unreachable")
			}
			return u.ID == "admin", nil
		}),
		Logger:         slog.New(slog.NewTextHandler(p.logs, nil)),
		CSRFKey:        []byte("0123456789abcdef0123456789abcdef"),
		FrameAncestors: frameAncestors,
		CookiePath:     "/m",
		HostOrigin:     "https://lms.example.org",
		Routes:         web.NewRoutes(),
	}
	g := p.e.Group("/m")
	p.env.Routes.Add("static", g.GET("/static/*", func(c echo.Context) error { return c.NoContent(http.StatusOK) }))
	count := func(name string, h echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			p.mu.Lock()
			p.ran[name]++
			p.mu.Unlock()
			return h(c)
		}
	}
	p.env.Handle(g, http.MethodGet, "/page", "page", count("page", func(c echo.Context) error {
		return c.String(http.StatusOK, web.CSRFToken(c))
	}))
	p.env.Handle(g, http.MethodPost, "/change", "change", count("change", func(c echo.Context) error {
		return c.String(http.StatusOK, "changed by "+web.User(c).ID)
	}))
	p.env.Handle(g, http.MethodGet, "/admin", "admin", count("admin", func(c echo.Context) error {
		return c.String(http.StatusOK, "admin page")
	}), p.env.RequireAdmin)
	p.env.Handle(g, http.MethodGet, "/items/:id/files/:name", "item", count("item", func(c echo.Context) error {
		return c.String(http.StatusOK, c.Param("id"))
	}))
	p.env.Handle(g, http.MethodGet, "/broken", "broken", count("broken", func(c echo.Context) error {
		return p.env.Render(c, http.StatusOK, templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
			_, _ = io.WriteString(w, "<html><body><h1>half a page")
			return errors.New("template exploded")
		}))
	}))
	p.env.Handle(g, http.MethodGet, "/fail", "fail", count("fail", func(c echo.Context) error {
		return p.env.Fail(c, http.StatusConflict, "Already taken", "Pick another name.")
	}))
	return p
}

func (p *plumbing) runs(name string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ran[name]
}

// request is one request through the plumbing.
type request struct {
	method, path, user, csrfCookie string
	header                         map[string]string
	form                           url.Values
}

func (p *plumbing) do(t *testing.T, r request) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if r.form != nil {
		body = strings.NewReader(r.form.Encode())
	}
	method := r.method
	if method == "" {
		method = http.MethodGet
	}
	req := httptest.NewRequest(method, r.path, body)
	if r.form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if r.user != "" {
		req.AddCookie(&http.Cookie{Name: userCookie, Value: r.user})
	}
	if r.csrfCookie != "" {
		req.AddCookie(&http.Cookie{Name: "ocrepo_csrf", Value: r.csrfCookie})
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	p.e.ServeHTTP(rec, req)
	return rec
}

// session signs user in and fetches a page: it returns the CSRF cookie the browser now holds and the page's token.
func (p *plumbing) session(t *testing.T, user string) (cookie, token string) {
	t.Helper()
	rec := p.do(t, request{path: "/m/page", user: user})
	if rec.Code != http.StatusOK {
		t.Fatalf("page for %s: %d %s", user, rec.Code, rec.Body)
	}
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == "ocrepo_csrf" {
			cookie = ck.Value
		}
	}
	if cookie == "" || rec.Body.Len() == 0 {
		t.Fatalf("no CSRF cookie or token for %s", user)
	}
	return cookie, rec.Body.String()
}

// TestCSRFTokenIsBoundToTheUser: the page token is a MAC of the browser's cookie AND the signed-in user. When
// one person signs out and another signs in on the same browser (the cookie stays), the first person's page token
// no longer works; only the user changes between the two requests.
func TestCSRFTokenIsBoundToTheUser(t *testing.T) {
	t.Parallel()
	p := newPlumbing(t)
	cookie, token := p.session(t, "alice")
	post := func(user string, hdr map[string]string, form url.Values) *httptest.ResponseRecorder {
		return p.do(t, request{method: http.MethodPost, path: "/m/change", user: user, csrfCookie: cookie, header: hdr, form: form})
	}
	if rec := post("alice", map[string]string{web.CSRFHeader: token}, nil); rec.Code != http.StatusOK || rec.Body.String() != "changed by alice" {
		t.Fatalf("alice with her own token: %d %s", rec.Code, rec.Body)
	}
	if rec := post("bob", map[string]string{web.CSRFHeader: token}, nil); rec.Code != http.StatusForbidden {
		t.Errorf("bob, same browser cookie, alice's token in the header: %d %s, want 403", rec.Code, rec.Body)
	}
	if rec := post("bob", nil, url.Values{web.CSRFField: {token}}); rec.Code != http.StatusForbidden {
		t.Errorf("bob, same browser cookie, alice's token in the form: %d, want 403", rec.Code)
	}
	if n := p.runs("change"); n != 1 {
		t.Errorf("the protected handler ran %d times, want once (alice's own request)", n)
	}
	// Bob's own page on the same browser gives him a token of his own, which works for him only.
	rec := p.do(t, request{path: "/m/page", user: "bob", csrfCookie: cookie})
	bobs := rec.Body.String()
	if bobs == token {
		t.Fatal("bob's page shows alice's token")
	}
	if rec := post("bob", map[string]string{web.CSRFHeader: bobs}, nil); rec.Code != http.StatusOK {
		t.Errorf("bob with his own token: %d", rec.Code)
	}
	if rec := post("alice", map[string]string{web.CSRFHeader: bobs}, nil); rec.Code != http.StatusForbidden {
		t.Errorf("alice with bob's token: %d, want 403", rec.Code)
	}
}

// TestCSRFRefusesWhatDoesNotMatch: unsafe requests need the token of this browser's cookie in the header or the
// form; safe methods need none; a request another site made is refused even with a valid token.
func TestCSRFRefusesWhatDoesNotMatch(t *testing.T) {
	t.Parallel()
	p := newPlumbing(t)
	cookie, token := p.session(t, "alice")
	otherCookie, otherToken := p.session(t, "alice")
	if otherCookie == cookie || otherToken == token {
		t.Fatal("two browsers share a CSRF cookie or token")
	}
	for _, tc := range []struct {
		name   string
		cookie string
		header map[string]string
		form   url.Values
		want   int
	}{
		{"header", cookie, map[string]string{web.CSRFHeader: token}, nil, http.StatusOK},
		{"form field", cookie, nil, url.Values{web.CSRFField: {token}}, http.StatusOK},
		{"same-origin fetch", cookie, map[string]string{web.CSRFHeader: token, "Sec-Fetch-Site": "same-origin"}, nil, http.StatusOK},
		// A sibling origin of the same site is another origin: CrossOriginProtection refuses it before the token.
		{"same-site fetch from another origin", cookie, map[string]string{web.CSRFHeader: token, "Sec-Fetch-Site": "same-site"}, nil, http.StatusForbidden},
		{"typed address", cookie, map[string]string{web.CSRFHeader: token, "Sec-Fetch-Site": "none"}, nil, http.StatusOK},
		{"cross-site with a valid token", cookie, map[string]string{web.CSRFHeader: token, "Sec-Fetch-Site": "cross-site"}, nil, http.StatusForbidden},
		{"cross-site form with a valid token", cookie, map[string]string{"Sec-Fetch-Site": "cross-site"}, url.Values{web.CSRFField: {token}}, http.StatusForbidden},
		{"no token", cookie, nil, nil, http.StatusForbidden},
		{"empty token", cookie, map[string]string{web.CSRFHeader: ""}, url.Values{web.CSRFField: {""}}, http.StatusForbidden},
		{"another browser's token", cookie, map[string]string{web.CSRFHeader: otherToken}, nil, http.StatusForbidden},
		{"token without its cookie", "", map[string]string{web.CSRFHeader: token}, nil, http.StatusForbidden},
		{"short cookie", "abc", map[string]string{web.CSRFHeader: token}, nil, http.StatusForbidden},
		{"tampered token", cookie, map[string]string{web.CSRFHeader: token[:len(token)-1] + flip(token[len(token)-1])}, nil, http.StatusForbidden},
		{"token with a suffix", cookie, map[string]string{web.CSRFHeader: token + "A"}, nil, http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := p.runs("change")
			rec := p.do(t, request{method: http.MethodPost, path: "/m/change", user: "alice", csrfCookie: tc.cookie, header: tc.header, form: tc.form})
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.want, rec.Body)
			}
			if ran := p.runs("change") - before; (ran == 1) != (tc.want == http.StatusOK) {
				t.Errorf("handler ran %d times for a %d", ran, rec.Code)
			}
		})
	}
	// A GET passes without a token, and is never refused for coming from another site (a link).
	if rec := p.do(t, request{path: "/m/page", user: "alice", csrfCookie: cookie, header: map[string]string{"Sec-Fetch-Site": "cross-site"}}); rec.Code != http.StatusOK {
		t.Errorf("GET from a link on another site: %d", rec.Code)
	}
	// A short or missing cookie is replaced by a fresh one scoped to the mount.
	rec := p.do(t, request{path: "/m/page", user: "alice", csrfCookie: "abc"})
	var fresh *http.Cookie
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == "ocrepo_csrf" {
			fresh = ck
		}
	}
	if fresh == nil || len(fresh.Value) < 32 || !fresh.HttpOnly || fresh.Path != "/m" || fresh.SameSite != http.SameSiteLaxMode {
		t.Errorf("fresh CSRF cookie %+v", fresh)
	}
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

// TestSecurityHeadersOnEveryAnswer: pages, refusals (401, 403) and render failures all carry the same headers.
func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	t.Parallel()
	p := newPlumbing(t)
	framed := newPlumbing(t, "https://lms.example.org", "https://other.example.org")
	for _, tc := range []struct {
		name string
		p    *plumbing
		r    request
		code int
	}{
		{"page", p, request{path: "/m/page", user: "alice"}, http.StatusOK},
		{"anonymous", p, request{path: "/m/page"}, http.StatusUnauthorized},
		{"not an admin", p, request{path: "/m/admin", user: "alice"}, http.StatusForbidden},
		{"refused post", p, request{method: http.MethodPost, path: "/m/change", user: "alice"}, http.StatusForbidden},
		{"render failure", p, request{path: "/m/broken", user: "alice"}, http.StatusInternalServerError},
		{"framed page", framed, request{path: "/m/page", user: "alice"}, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := tc.p.do(t, tc.r)
			if rec.Code != tc.code {
				t.Fatalf("status %d, want %d", rec.Code, tc.code)
			}
			h := rec.Header()
			csp := h.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("CSP allows inline or eval: %q", csp)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "same-origin" || h.Get("Cache-Control") != "no-store" {
				t.Errorf("headers %v", h)
			}
			if tc.p == framed {
				if !strings.HasSuffix(csp, "frame-ancestors https://lms.example.org https://other.example.org") || h.Get("X-Frame-Options") != "" {
					t.Errorf("framing allowed for the host: CSP %q, X-Frame-Options %q", csp, h.Get("X-Frame-Options"))
				}
			} else if !strings.HasSuffix(csp, "frame-ancestors 'self'") || h.Get("X-Frame-Options") != "SAMEORIGIN" {
				t.Errorf("default framing: CSP %q, X-Frame-Options %q", csp, h.Get("X-Frame-Options"))
			}
		})
	}
}

// TestUsersAndAdmins: anonymous requests get a 401 page, a failing users or admins hook a 500 that names nothing
// of the failure (the operator's log does), a non-admin a 403; the handler behind never runs.
func TestUsersAndAdmins(t *testing.T) {
	t.Parallel()
	p := newPlumbing(t)
	for _, tc := range []struct {
		user  string
		path  string
		code  int
		title string
	}{
		{"", "/m/page", http.StatusUnauthorized, "Please sign in"},
		{"nobody", "/m/page", http.StatusUnauthorized, "Please sign in"},
		{"broken", "/m/page", http.StatusInternalServerError, "Something went wrong"},
		{"alice", "/m/admin", http.StatusForbidden, "Administrators only"},
		{"flaky", "/m/admin", http.StatusInternalServerError, "Something went wrong"},
		{"admin", "/m/admin", http.StatusOK, "admin page"},
	} {
		rec := p.do(t, request{path: tc.path, user: tc.user})
		if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.title) {
			t.Errorf("%q at %s: %d, want %d with %q", tc.user, tc.path, rec.Code, tc.code, tc.title)
		}
		if strings.Contains(rec.Body.String(), "hunter2") || strings.Contains(rec.Body.String(), "directory unreachable") {
			t.Errorf("%q at %s: the page shows the hook's error", tc.user, tc.path)
		}
	}
	if p.runs("admin") != 1 || p.runs("page") != 0 {
		t.Errorf("handlers ran: admin %d, page %d; want 1, 0", p.runs("admin"), p.runs("page"))
	}
	logs := p.logs.String()
	if !strings.Contains(logs, "users hook failed") || !strings.Contains(logs, "admins hook failed") {
		t.Errorf("the operator's log lacks the hook failures: %s", logs)
	}
}

// TestRenderFailureIsACleanError: a component that fails halfway gives a plain 500, never half a page, and the
// failure is logged; Fail answers a full page to browsers and an alert fragment, retargeted, to htmx.
func TestRenderFailureIsACleanError(t *testing.T) {
	t.Parallel()
	p := newPlumbing(t)
	rec := p.do(t, request{path: "/m/broken", user: "alice"})
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "half a page") ||
		rec.Body.String() != "The page could not be shown." {
		t.Errorf("render failure: %d %q", rec.Code, rec.Body)
	}
	if logs := p.logs.String(); !strings.Contains(logs, "template exploded") || !strings.Contains(logs, "/m/broken") {
		t.Errorf("render failure not logged with its route: %s", logs)
	}
	// The same buffer is reused for the next page, which must not carry the failed one's bytes.
	if rec := p.do(t, request{path: "/m/fail", user: "alice"}); strings.Contains(rec.Body.String(), "half a page") {
		t.Errorf("a later page carries the failed render's bytes")
	}

	full := p.do(t, request{path: "/m/fail", user: "alice"})
	if full.Code != http.StatusConflict || !strings.Contains(full.Body.String(), "<html") ||
		!strings.Contains(full.Body.String(), "Already taken") || !strings.Contains(full.Body.String(), "Pick another name.") {
		t.Errorf("full error page: %d %s", full.Code, full.Body)
	}
	if !strings.Contains(full.Body.String(), `<meta name="csrf-token" content="`) {
		t.Errorf("the error page has no CSRF token for its forms")
	}
	frag := p.do(t, request{path: "/m/fail", user: "alice", header: map[string]string{"HX-Request": "true"}})
	if frag.Code != http.StatusConflict || strings.Contains(frag.Body.String(), "<html") || !strings.Contains(frag.Body.String(), "Already taken") {
		t.Errorf("htmx error fragment: %d %s", frag.Code, frag.Body)
	}
	if frag.Header().Get("HX-Retarget") != "#ocrepo-alert" || frag.Header().Get("HX-Reswap") != "innerHTML" {
		t.Errorf("htmx error headers %v", frag.Header())
	}
}

// TestRenderedPagesCarryTheirLength: a rendered page goes out over HTTP with its Content-Length, the length of
// its body, not chunked, however long; the failure's plain 500 too.
func TestRenderedPagesCarryTheirLength(t *testing.T) {
	t.Parallel()
	p := newPlumbing(t)
	// A page past net/http's own buffer (2 KiB), which it would otherwise send chunked.
	big := strings.Repeat("<p>row</p>", 3000)
	p.e.GET("/m/big", func(c echo.Context) error {
		return p.env.Render(c, http.StatusOK, templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
			_, err := io.WriteString(w, big)
			return err
		}))
	})
	srv := httptest.NewServer(p.e)
	t.Cleanup(srv.Close)
	for _, path := range []string{"/m/big", "/m/fail", "/m/broken"} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.AddCookie(&http.Cookie{Name: userCookie, Value: "alice"})
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(body) < 20 || resp.ContentLength != int64(len(body)) || len(resp.TransferEncoding) != 0 {
			t.Errorf("%s: Content-Length %d, body %d bytes, transfer encoding %v", path, resp.ContentLength, len(body),
				resp.TransferEncoding)
		}
	}
}

// TestRoutesAreNamedAndBuildEscapedURLs: every route is named "ocrepo:"+name in echo, URL fills parameters in
// order, escaping each, and an unknown name is a programming error (a panic).
func TestRoutesAreNamedAndBuildEscapedURLs(t *testing.T) {
	t.Parallel()
	p := newPlumbing(t)
	named := map[string]string{}
	for _, r := range p.e.Routes() {
		named[r.Name] = r.Path
	}
	for _, n := range []string{"static", "page", "change", "admin", "item", "broken", "fail"} {
		if _, ok := named["ocrepo:"+n]; !ok {
			t.Errorf("route %q not named in echo (%v)", n, named)
		}
	}
	for _, tc := range []struct {
		name   string
		params []any
		want   string
	}{
		{"page", nil, "/m/page"},
		{"item", []any{42, "report.pdf"}, "/m/items/42/files/report.pdf"},
		{"item", []any{"a/b", "x y?#%"}, "/m/items/a%2Fb/files/x%20y%3F%23%25"},
		{"item", []any{"../..", "é"}, "/m/items/..%2F../files/%C3%A9"},
		{"static", []any{""}, "/m/static/"},
	} {
		if got := p.env.Routes.URL(tc.name, tc.params...); got != tc.want {
			t.Errorf("URL(%q, %v) = %q, want %q", tc.name, tc.params, got, tc.want)
		}
	}
	// The escaped parameter arrives whole at its handler.
	if rec := p.do(t, request{path: p.env.Routes.URL("item", "a/b c", "f"), user: "alice"}); rec.Code != http.StatusOK {
		t.Errorf("escaped id: %d", rec.Code)
	}
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(r.(string), "nope") {
				t.Errorf("URL of an unknown route: recovered %v, want a panic naming it", r)
			}
		}()
		p.env.Routes.URL("nope")
	}()
	for _, tc := range []struct {
		in   string
		kv   []string
		want string
	}{
		{"/m/page", []string{"a", "1", "b", ""}, "/m/page?a=1"},
		{"/m/page?x=1", []string{"q", "a b&c"}, "/m/page?x=1&q=a+b%26c"},
		{"/m/page", []string{"empty", ""}, "/m/page"},
		{"/m/page", []string{"odd"}, "/m/page"},
		{"/m/page", []string{"z", "1", "a", "2", "m", "3"}, "/m/page?a=2&m=3&z=1"},
		{"/m/page", []string{"a", "1", "b", "2", "a", "3"}, "/m/page?a=3&b=2"},
		{"/m/page", []string{"a", "1", "a", ""}, "/m/page?a=1"},
		{"/m/page", []string{"k y", "/p/ä ö?&=#", "r", "tok-_.~=="}, "/m/page?k+y=%2Fp%2F%C3%A4+%C3%B6%3F%26%3D%23&r=tok-_.~%3D%3D"},
	} {
		if got := web.WithQuery(tc.in, tc.kv...); got != tc.want {
			t.Errorf("WithQuery(%q, %q) = %q, want %q", tc.in, tc.kv, got, tc.want)
		}
	}
	// It writes what url.Values would: Set for each pair with a value, then Encode.
	for _, kv := range [][]string{
		{"r", "x.y_z-", "i", "12", "path", "/Docs/a b+c.pdf", "v", `"etag"`},
		{"sort", "size", "desc", "1", "page", "3", "filter", "100%", "reload", "1", "view", "grid", "q", "ü", "i", "1", "r", "t"},
		{"b", "1", "a", "2", "b", "3", "c", "", "a", "4"},
	} {
		q := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] != "" {
				q.Set(kv[i], kv[i+1])
			}
		}
		if got, want := web.WithQuery("/x", kv...), "/x?"+q.Encode(); got != want {
			t.Errorf("WithQuery(%q) = %q, url.Values gives %q", kv, got, want)
		}
	}
}

// TestSafeReturnStaysOnTheHost: return targets are relative paths or absolute URLs on the host's origin;
// anything a browser would take elsewhere becomes the fallback.
func TestSafeReturnStaysOnTheHost(t *testing.T) {
	t.Parallel()
	env := &web.Env{HostOrigin: "https://lms.example.org"}
	for _, tc := range []struct {
		in   string
		safe bool
	}{
		{"/course/42", true},
		{"/course/42?tab=files#top", true},
		{"https://lms.example.org/course/42", true},
		{"", false},
		{"//evil.example/x", false},
		{"/\\evil.example", false},
		{"\\\\evil.example", false},
		{"/\tevil", false},
		{"/course\n/42", false},
		{"https://evil.example/", false},
		{"https://lms.example.org.evil.example/", false},
		{"https://lms.example.org@evil.example/", false},
		{"http://lms.example.org/course", false},
		{"javascript:alert(1)", false},
		{"course/42", false},
		{"data:text/html,hi", false},
	} {
		got := env.SafeReturn(tc.in, "/fallback")
		if want := map[bool]string{true: tc.in, false: "/fallback"}[tc.safe]; got != want {
			t.Errorf("SafeReturn(%q) = %q, want %q", tc.in, got, want)
		}
	}
}

// TestRoutesDeclaredBeforeMount: entry points declared before their routes are added build URLs and prefixes; the
// route added later at the same place keeps them.
func TestRoutesDeclaredBeforeMount(t *testing.T) {
	t.Parallel()
	r := web.NewRoutes()
	r.Declare("link", "/lms/cloud"+web.RouteLink)
	r.Declare("static", "/lms/cloud"+web.RouteStatic)
	if got := r.URL("link", 42); got != "/lms/cloud/link/42" {
		t.Errorf("URL(link, 42) = %q", got)
	}
	if got := r.Prefix("static"); got != "/lms/cloud/static/" {
		t.Errorf("Prefix(static) = %q", got)
	}
	e := echo.New()
	g := e.Group("/lms/cloud")
	r.Add("link", g.GET(web.RouteLink, func(c echo.Context) error { return nil }))
	if got := r.URL("link", "a b"); got != "/lms/cloud/link/a%20b" {
		t.Errorf("URL after Add = %q", got)
	}
}
