package securitytest

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
)

// FuzzCallback sends arbitrary query strings to the OAuth callback, which the cloud (or anyone sending a link)
// controls: state, code, error, error_description, repeated, empty, badly escaped. It never answers 2xx or 5xx
// (nobody guesses a state), never stores a login, never calls the token endpoint, and its page stays inert: no
// parameter comes back as markup.
func FuzzCallback(f *testing.F) {
	for _, q := range []string{
		"state=x&code=y",
		"code=only-a-code",
		"state=&code=",
		"error=access_denied&state=abc",
		"error=invalid_request&error_description=The+redirect+URI+does+not+match&state=abc",
		"error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E&state=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E",
		"state=a&state=b&code=c&code=d",
		"state=%ZZ&code=%",
		"state=" + strings.Repeat("A", 4000),
		"state=javascript:alert(1)&code=%22%3E%3Csvg%20onload=alert(1)%3E",
	} {
		f.Add(q)
	}
	h := repositorytest.New(f, repositorytest.Options{})
	iss := h.AddIssuer(f, "Campus Cloud")
	h.AddInstance(f, iss.ID, "Files", host.ReturnImport, host.ReturnImport)
	c := h.Client(student)
	c.Timeout = 5 * time.Second
	f.Fuzz(func(t *testing.T, query string) {
		// Browsers percent-encode spaces, controls, non-ASCII and these characters in a query; what they send
		// reaches the handler. (Anything else is refused by the HTTP server before ocrepo sees it.)
		if strings.ContainsFunc(query, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune("\"<>\\^`{|}#", r) }) {
			return
		}
		u, err := url.Parse(h.URL + path("callback") + "?" + query)
		if err != nil || u.RawQuery != query {
			return
		}
		before := h.Cloud.Count(cloudtest.EPToken)
		status, body, hdr := c.Get(t, u.String())
		if status < 400 || status >= 500 {
			t.Fatalf("callback?%s: %d", query, status)
		}
		if missing := securityHeaders(hdr); len(missing) > 0 {
			t.Fatalf("callback?%s lacks %s", query, strings.Join(missing, "; "))
		}
		if p := inert(parse(t, body)); len(p) > 0 {
			t.Fatalf("callback?%s: %s", query, strings.Join(p, "; "))
		}
		if !strings.HasPrefix(alert(t, body), "login_") {
			t.Fatalf("callback?%s: alert %q, want a login problem", query, alert(t, body))
		}
		if h.Cloud.Count(cloudtest.EPToken) != before {
			t.Fatalf("callback?%s reached the token endpoint", query)
		}
		if _, err := h.Store.GetToken(context.Background(), store.TokenKey{IssuerID: iss.ID, UserID: student}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("callback?%s stored a login: %v", query, err)
		}
	})
}
