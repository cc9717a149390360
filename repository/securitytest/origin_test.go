package securitytest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
)

// returnTargets are ReturnTo values and whether they stay on the host's origin (base is the host's URL).
func returnTargets(base string) []struct {
	target string
	stays  bool
} {
	return []struct {
		target string
		stays  bool
	}{
		{"/return", true},
		{"/course/42/assign/7?tab=submission", true},
		{base + "/return", true},
		{"/%2F%2Fevil.example/x", true}, // a path on the host, however it looks
		{"//evil.example/x", false},
		{"///evil.example/x", false},
		{"https://evil.example/x", false},
		{"http://evil.example", false},
		{"https:evil.example", false},
		{"http:/evil.example", false},
		{"javascript:alert(document.domain)", false},
		{"JaVaScRiPt:alert(1)", false},
		{"data:text/html,<script>alert(1)<\\/script>", false},
		{"/\\evil.example", false},
		{"\\\\evil.example", false},
		{"/\t/evil.example", false},
		{"/\n/evil.example", false},
		{" //evil.example", false},
		{base + "@evil.example/", false},
		{"http://127.0.0.1:1/return", false},
		{otherScheme(base) + "/return", false},
	}
}

// otherScheme is base with http and https swapped: another origin on the same host.
func otherScheme(base string) string {
	if rest, ok := strings.CutPrefix(base, "https://"); ok {
		return "http://" + rest
	}
	return "https://" + strings.TrimPrefix(base, "http://")
}

// sameOrigin reports whether ref, resolved against base, stays on base's scheme and host.
func sameOrigin(base, ref string) bool {
	b, err := url.Parse(base)
	if err != nil {
		return false
	}
	r, err := url.Parse(ref)
	if err != nil {
		return false
	}
	u := b.ResolveReference(r)
	return u.Scheme == b.Scheme && u.Host == b.Host
}

func TestSafeReturn(t *testing.T) {
	t.Parallel()
	const base = "https://lms.example.org"
	env := &web.Env{HostOrigin: base}
	for _, tt := range returnTargets(base) {
		got := env.SafeReturn(tt.target, "/fallback")
		if tt.stays && got != tt.target {
			t.Errorf("SafeReturn(%q) = %q, want it kept", tt.target, got)
		}
		if !tt.stays && got != "/fallback" {
			t.Errorf("SafeReturn(%q) = %q, want the fallback", tt.target, got)
		}
	}
}

// FuzzSafeReturn: whatever the target, SafeReturn gives the fallback or the target itself, and a kept target
// stays on the host's origin for Go's URL parser and for a browser's (no backslashes, tabs, newlines or control
// characters, which browsers strip or turn into slashes).
func FuzzSafeReturn(f *testing.F) {
	const base = "https://lms.example.org"
	for _, tt := range returnTargets(base) {
		f.Add(tt.target)
	}
	env := &web.Env{HostOrigin: base}
	f.Fuzz(func(t *testing.T, target string) {
		got := env.SafeReturn(target, "/fallback")
		if got == "/fallback" {
			return
		}
		if got != target {
			t.Fatalf("SafeReturn(%q) = %q: neither the target nor the fallback", target, got)
		}
		if strings.ContainsAny(got, "\\\t\r\n") || strings.HasPrefix(got, "//") {
			t.Fatalf("SafeReturn kept %q", got)
		}
		for _, c := range got {
			if c < 0x20 || c == 0x7f {
				t.Fatalf("SafeReturn kept a control character in %q", got)
			}
		}
		if !sameOrigin(base+"/cloud/picker", got) {
			t.Fatalf("SafeReturn kept %q, which leaves %s", got, base)
		}
	})
}

// returnURLs lists every way a page or answer sends the browser on: the Location header, the result's
// data-return (ocrepo.js follows it), the Continue link, and the refresh for browsers without JavaScript.
func returnURLs(body string, hdr http.Header) []string {
	var out []string
	if loc := hdr.Get("Location"); loc != "" {
		out = append(out, loc)
	}
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err == nil {
		d.Find("[data-return]").Each(func(_ int, e *goquery.Selection) {
			if v, _ := e.Attr("data-return"); v != "" {
				out = append(out, v)
			}
		})
		d.Find(`[data-testid="return"]`).Each(func(_ int, e *goquery.Selection) {
			if v, _ := e.Attr("href"); v != "" {
				out = append(out, v)
			}
		})
	}
	// A refresh inside <noscript> is text to an HTML parser that runs scripts: read it from the source.
	for rest := body; ; {
		i := strings.Index(rest, `http-equiv="refresh" content="`)
		if i < 0 {
			break
		}
		rest = rest[i+len(`http-equiv="refresh" content="`):]
		content := rest[:strings.IndexByte(rest, '"')]
		if _, u, ok := strings.Cut(content, "url="); ok {
			out = append(out, html.UnescapeString(u))
		}
	}
	return out
}

// TestReturnTargetsStayOnTheHost picks with each ReturnTo, as htmx and as a plain form, by link and by import:
// a target on the host's origin is where the result sends the browser (with the pick's id); any other target
// appears nowhere, and nothing sends the browser off the host.
func TestReturnTargetsStayOnTheHost(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{})
	for _, tt := range returnTargets(s.h.URL) {
		req := s.pickRequest(student)
		req.ReturnTo = tt.target
		r := s.token(req)
		var sent []string
		var pages []string
		for _, hx := range [][]string{nil, {"HX-Request", "true"}} {
			_, body, hdr := s.post(student, path("picker", "pick"), s.pickerForm(r, "as", "link", "path", "/report.pdf"), hx...)
			sent, pages = append(sent, returnURLs(body, hdr)...), append(pages, body)
		}
		status, body, hdr := s.post(student, path("picker", "pick"), s.pickerForm(r, "as", "import", "path", "/report.pdf"))
		if status != http.StatusSeeOther {
			t.Fatalf("import: %d %s", status, alert(t, body))
		}
		u, err := url.Parse(hdr.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		id := u.Path[strings.LastIndex(u.Path, "/")+1:]
		if _, err := s.h.Repo.AwaitImport(context.Background(), host.User{ID: student}, id); err != nil {
			t.Fatal(err)
		}
		_, body, hdr = s.client(student).Get(t, hdr.Get("Location"))
		sent, pages = append(sent, returnURLs(body, hdr)...), append(pages, body)

		found := false
		for _, v := range sent {
			if !sameOrigin(s.h.URL, v) {
				t.Errorf("ReturnTo %q: the browser is sent to %q", tt.target, v)
			}
			found = found || strings.HasPrefix(v, tt.target) && strings.Contains(v, "pick=")
		}
		if tt.stays && !found {
			t.Errorf("ReturnTo %q: no way back to it (got %q)", tt.target, sent)
		}
		if !tt.stays {
			for _, p := range pages {
				if strings.Contains(p, tt.target) || strings.Contains(p, html.EscapeString(tt.target)) {
					t.Errorf("ReturnTo %q appears in a page", tt.target)
				}
			}
		}
	}
}

// TestCallbackReturnStaysOnTheHost plants a login whose ReturnTo points elsewhere (as a bug or a tampered row
// would) and finishes it: the login succeeds, and the page's way back never leaves the host.
func TestCallbackReturnStaysOnTheHost(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{noConnect: true})
	for i, tt := range returnTargets(s.h.URL) {
		state := "planted-state-" + strings.Repeat("x", i) + "-0123456789abcdef"
		sum := sha256.Sum256([]byte("ocrepo login state\x00" + state))
		now := s.h.Clock.Now().UTC()
		err := s.h.Store.CreateLoginState(context.Background(), store.LoginState{ID: base64.RawURLEncoding.EncodeToString(sum[:]),
			IssuerID: s.iss.ID, UserID: student, InstanceID: s.inst.ID, ReturnTo: tt.target, Popup: true, Created: now,
			Expires: now.Add(10 * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		code := s.h.Cloud.AuthorizeCode("alice", state, "")
		status, body, _ := s.client(student).Get(t, path("callback")+"?"+url.Values{"state": {state}, "code": {code}}.Encode())
		d := parse(t, body)
		if status != http.StatusOK || d.Find(`[data-testid="login-ok"]`).Length() != 1 {
			t.Fatalf("planted login %d: %d %s (has the state's storage form changed?)", i, status, alert(t, body))
		}
		back, _ := d.Find(`[data-ocrepo-login-done]`).Attr("data-return")
		switch {
		case tt.stays && back != tt.target:
			t.Errorf("ReturnTo %q: the way back is %q", tt.target, back)
		case !tt.stays && back != "":
			t.Errorf("ReturnTo %q: the way back is %q, want none", tt.target, back)
		}
		d.Find("a[href]").Each(func(_ int, e *goquery.Selection) {
			if v, _ := e.Attr("href"); !sameOrigin(s.h.URL, v) {
				t.Errorf("ReturnTo %q: a link to %q", tt.target, v)
			}
		})
	}
}

// TestSecurityHeadersDefaultAndConfigured: by default only the host's own pages may frame ocrepo's; with
// Config.FrameAncestors the listed origins may (and X-Frame-Options, which cannot list them, is left out). Either
// way every answer, pages, fragments, errors and assets, carries the CSP without inline script, nosniff and a
// referrer policy.
func TestSecurityHeadersDefaultAndConfigured(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		ancestors []string
		want      string
		xfo       string
	}{
		{"default", nil, "frame-ancestors 'self'", "SAMEORIGIN"},
		{"configured", []string{"https://lms.example.org", "https://*.school.example"}, "frame-ancestors https://lms.example.org https://*.school.example", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSite(t, siteOptions{opts: repositorytest.Options{Config: func(c *repository.Config) { c.FrameAncestors = tt.ancestors }}})
			r := s.token(s.pickRequest(student))
			for _, p := range []struct {
				user, path string
				header     []string
			}{
				{student, path("picker") + "?" + s.pickerForm(r).Encode(), nil},
				{student, path("picker", "list") + "?" + s.pickerForm(r).Encode(), []string{"HX-Request", "true"}},
				{anon, path("picker"), nil},
				{student, path("admin"), nil},
				{student, path("static", "ocrepo.js"), nil},
				{admin, path("admin", "issuers"), nil},
			} {
				status, _, hdr := s.client(p.user).Get(t, p.path, p.header...)
				if missing := securityHeaders(hdr); len(missing) > 0 {
					t.Errorf("%s (%d) lacks %s", p.path, status, strings.Join(missing, "; "))
				}
				if csp := hdr.Get("Content-Security-Policy"); !strings.HasSuffix(csp, tt.want) && !strings.Contains(csp, tt.want+";") {
					t.Errorf("%s: CSP %q, want %q", p.path, csp, tt.want)
				}
				if got := hdr.Get("X-Frame-Options"); got != tt.xfo {
					t.Errorf("%s: X-Frame-Options %q, want %q", p.path, got, tt.xfo)
				}
			}
		})
	}
}

// TestFrameAncestorsMustBeOneSourceEach: a FrameAncestors entry that would add to the policy (a ";" starting
// another directive, spaces, quotes) is a configuration error, not a header.
func TestFrameAncestorsMustBeOneSourceEach(t *testing.T) {
	t.Parallel()
	cfg := func(fa ...string) repository.Config {
		return repository.Config{SecretKey: make([]byte, 32), PublicURL: "https://lms.example.org/cloud",
			Users:  host.UsersFunc(func(*http.Request) (host.User, error) { return host.User{}, host.ErrNotSignedIn }),
			Admins: host.AdminsFunc(func(context.Context, host.User) (bool, error) { return false, nil }),
			Files:  host.FileSinkFunc(func(context.Context, host.FileInfo, io.Reader) (string, error) { return "", nil }),
			Logger: slog.New(slog.DiscardHandler), FrameAncestors: fa}
	}
	for _, bad := range []string{"https://a.example; script-src *", "https://a.example https://b.example", "", "'unsafe-inline'",
		"https://a.example,https://b.example", "https://a.example\n"} {
		_, err := repository.New(cfg(bad))
		var ce *repository.ConfigError
		if !errors.As(err, &ce) || ce.Field != "FrameAncestors[0]" {
			t.Errorf("FrameAncestors %q: %v, want a ConfigError on FrameAncestors[0]", bad, err)
		}
	}
	for _, good := range []string{"'self'", "'none'", "https://lms.example.org", "https://*.example.org", "https:", "lms.example.org:8443"} {
		_, err := repository.New(cfg(good))
		var ce *repository.ConfigError
		if errors.As(err, &ce) && strings.HasPrefix(ce.Field, "FrameAncestors") {
			t.Errorf("FrameAncestors %q refused: %v", good, err)
		}
	}
}
