package securitytest

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/repository/repositorytest"
)

// sendAs makes one request as user (a name, or a client with its cookies) and returns the status, headers and body.
func sendAs(t *testing.T, h *repositorytest.Host, user any, method, path string, body io.Reader, header ...string) (int, http.Header, string) {
	t.Helper()
	c, ok := user.(*repositorytest.Client)
	if !ok {
		c = h.Client(user.(string))
	}
	req, err := http.NewRequest(method, h.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestEveryAnswerUnderTheMountHasHeaders: unknown paths (404), wrong methods (405, with Allow), OPTIONS (204, no
// CORS permission) and HEAD under the mount carry the security headers like every page, while the host's own
// routes outside the mount keep the host's answers; every GET route answers HEAD; /static/ lists nothing.
func TestEveryAnswerUnderTheMountHasHeaders(t *testing.T) {
	t.Parallel()
	h := repositorytest.New(t, repositorytest.Options{})
	m := repositorytest.Mount
	for _, c := range []struct {
		user, method, path string
		status             int
		allow              string
	}{
		{"student", http.MethodGet, m + "/nothing-here", 404, ""},
		{"student", http.MethodGet, m + "/admin/issuers/1/nothing/here", 404, ""},
		{"", http.MethodGet, m + "/nothing-here", 404, ""},
		{"student", http.MethodPost, m + "/nothing-here", 404, ""},
		{"student", "PROPFIND", m + "/nothing-here", 404, ""},
		{"student", "BREW", m + "/nothing-here", 404, ""},
		{"student", http.MethodGet, m, 404, ""},
		{"student", http.MethodGet, m + "/", 404, ""},
		{"student", http.MethodGet, m + "/static/", 404, ""},
		{"student", http.MethodGet, m + "/static", 404, ""},
		{"student", http.MethodDelete, m + "/picker", 405, "GET, HEAD, OPTIONS"},
		{"student", http.MethodPut, m + "/admin/issuers/3", 405, "GET, HEAD, POST, OPTIONS"},
		{"", http.MethodPatch, m + "/callback", 405, "GET, HEAD, OPTIONS"},
		{"student", "BREW", m + "/picker", 405, "GET, HEAD, OPTIONS"},
		{"student", http.MethodGet, m + "/picker/pick", 405, "POST, OPTIONS"},
		{"student", http.MethodOptions, m + "/picker", 204, "GET, HEAD, OPTIONS"},
		{"", http.MethodOptions, m + "/admin/issuers", 204, "GET, HEAD, POST, OPTIONS"},
		{"", http.MethodOptions, m + "/static/ocrepo.css", 204, "GET, HEAD, OPTIONS"},
		{"", http.MethodHead, m + "/static/ocrepo.css", 200, ""},
		{"admin", http.MethodHead, m + "/admin/issuers", 200, ""},
		{"", http.MethodHead, m + "/admin/issuers", 401, ""},
	} {
		status, hdr, body := sendAs(t, h, c.user, c.method, c.path, nil, "Origin", "https://evil.example")
		what := c.method + " " + c.path
		if status != c.status {
			t.Errorf("%s: status %d, want %d", what, status, c.status)
		}
		if missing := securityHeaders(hdr); len(missing) > 0 {
			t.Errorf("%s (%d) lacks %s", what, status, strings.Join(missing, "; "))
		}
		if got := hdr.Get("Allow"); got != c.allow {
			t.Errorf("%s: Allow %q, want %q", what, got, c.allow)
		}
		if got := hdr.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("%s: Access-Control-Allow-Origin %q", what, got)
		}
		if c.method == http.MethodHead && body != "" {
			t.Errorf("%s: a body of %d bytes", what, len(body))
		}
	}

	// The host's routes outside the mount are the host's: no headers of ours, Echo's own 404 and 405.
	for _, c := range []struct {
		method, path string
		status       int
	}{{http.MethodGet, "/", 200}, {http.MethodDelete, "/", 405}, {http.MethodGet, "/elsewhere", 404}, {http.MethodGet, "/cloudy", 404}} {
		status, hdr, _ := sendAs(t, h, "student", c.method, c.path, nil)
		if status != c.status || hdr.Get("Content-Security-Policy") != "" {
			t.Errorf("host route %s %s: status %d, CSP %q; want %d without ocrepo's headers", c.method, c.path, status,
				hdr.Get("Content-Security-Policy"), c.status)
		}
	}

	// Every GET route under the mount has its HEAD twin.
	heads := map[string]bool{}
	for _, r := range h.Echo.Routes() {
		if r.Method == http.MethodHead {
			heads[r.Path] = true
		}
	}
	for _, r := range h.Echo.Routes() {
		if r.Method == http.MethodGet && strings.HasPrefix(r.Path, m+"/") && !heads[r.Path] {
			t.Errorf("GET %s answers no HEAD", r.Path)
		}
	}
}

// TestRequestBodiesAreBounded: every route reads a bounded body, sized per route; a larger one is refused with
// 413 (said at once from Content-Length, or found while reading a chunked body) and the handler never runs.
func TestRequestBodiesAreBounded(t *testing.T) {
	t.Parallel()
	h := repositorytest.New(t, repositorytest.Options{})
	h.AddIssuer(t, "Campus cloud")
	m := repositorytest.Mount
	admin := h.Client("admin")
	token := admin.CSRF(t)
	form := func(size int) string {
		v := url.Values{"csrf_token": {token}, "name": {"Filled"}, "issuer": {"1"}}
		return v.Encode() + "&pad=" + strings.Repeat("a", size)
	}
	formType := []string{"Content-Type", "application/x-www-form-urlencoded"}
	for _, c := range []struct {
		method, path string
		size         int
		chunked      bool
		status       int
	}{
		{http.MethodPost, m + "/admin/instances", 100 << 10, false, 413},        // a form route: 64 KiB
		{http.MethodPost, m + "/admin/instances", 100 << 10, true, 413},         // the same, chunked
		{http.MethodPost, m + "/admin/instances", 1 << 10, false, 422},          // a small form reaches the handler
		{http.MethodPost, m + "/admin/issuers", 2 << 20, false, 413},            // a large-form route: 1 MiB
		{http.MethodPost, m + "/admin/issuers", 200 << 10, false, 422},          // within it
		{http.MethodGet, m + "/admin/issuers", 8 << 10, false, 413},             // GET takes no body to speak of
		{http.MethodPost, m + "/admin/issuers/999/check", 70 << 10, true, 413},  // chunked on a form route
		{http.MethodPost, m + "/admin/issuers/999/check", 10 << 10, false, 404}, // within: the handler answers
	} {
		var body io.Reader = strings.NewReader(form(c.size))
		if c.chunked {
			body = io.MultiReader(body) // no length known: sent chunked
		}
		status, hdr, page := sendAs(t, h, admin, c.method, c.path, body, formType...)
		if status != c.status {
			t.Errorf("%s %s with %d bytes (chunked %t): status %d, want %d\n%.200s", c.method, c.path, c.size, c.chunked, status, c.status, page)
		}
		if status == 413 && !strings.Contains(page, "Too much data") {
			t.Errorf("%s %s: the 413 page does not say what is wrong", c.method, c.path)
		}
		if missing := securityHeaders(hdr); len(missing) > 0 {
			t.Errorf("%s %s (%d) lacks %s", c.method, c.path, status, strings.Join(missing, "; "))
		}
	}
	if got, _ := h.Store.ListInstances(t.Context()); len(got) != 0 {
		t.Errorf("a refused body created %d instance(s)", len(got))
	}
}

// TestUnsafeRequestsFromOtherOriginsAreRefused: with a valid CSRF token, a POST whose Origin is another site, or
// whose Sec-Fetch-Site is same-site or cross-site, is refused; the host's own origin and requests without either
// header (not from a browser) pass on to the token check.
func TestUnsafeRequestsFromOtherOriginsAreRefused(t *testing.T) {
	t.Parallel()
	h := repositorytest.New(t, repositorytest.Options{})
	admin := h.Client("admin")
	for _, c := range []struct {
		header  []string
		refused bool
	}{
		{[]string{"Origin", "https://evil.example"}, true},
		{[]string{"Origin", "null"}, true},
		{[]string{"Origin", strings.Replace(h.URL, "127.0.0.1", "localhost", 1)}, true},
		{[]string{"Sec-Fetch-Site", "same-site"}, true},
		{[]string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}, true},
		{[]string{"Origin", h.URL}, false},
		{[]string{"Sec-Fetch-Site", "same-origin", "Origin", h.URL}, false},
		{nil, false},
	} {
		status, body, _ := admin.Post(t, repositorytest.Mount+"/admin/instances", url.Values{"name": {""}}, c.header...)
		refused := status == http.StatusForbidden && strings.Contains(body, "Request refused")
		if refused != c.refused {
			t.Errorf("POST with %q: status %d, refused %t, want %t", c.header, status, refused, c.refused)
		}
	}
}
