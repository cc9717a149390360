package securitytest

import (
	"net/http"
	"net/url"
	"testing"
)

// TestForeignLinksLookMissing: a controlled link the viewer may not see answers exactly like a link that does
// not exist (status and page), so ids cannot be enumerated; a viewer who may see a link but not edit it is told
// so (403) when asking for an edit share.
func TestForeignLinksLookMissing(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{})
	id := s.pickControlled(student, course)
	missing := id + 1000
	for _, p := range []struct {
		method, suffix string
	}{{http.MethodGet, ""}, {http.MethodGet, "/file"}, {http.MethodPost, "/share"}} {
		call := func(link int64) (int, string) {
			u := path("link", link) + p.suffix
			if p.method == http.MethodPost {
				status, body, _ := s.post(manager, u, url.Values{"edit": {"0"}})
				return status, alert(t, body)
			}
			status, body, _ := s.client(manager).Get(t, u)
			return status, alert(t, body)
		}
		fs, fa := call(id)
		ms, ma := call(missing)
		if fs != http.StatusNotFound || fs != ms || fa != ma {
			t.Errorf("%s link%s: foreign %d %q, missing %d %q; want the same 404", p.method, p.suffix, fs, fa, ms, ma)
		}
	}
	s.rules.allowViewer(manager)
	if status, body, _ := s.post(manager, path("link", id, "share"), url.Values{"edit": {"1"}}); status != http.StatusForbidden ||
		alert(t, body) != "link_forbidden" {
		t.Errorf("a viewer asking for an edit share: %d %q, want 403 link_forbidden", status, alert(t, body))
	}
}
