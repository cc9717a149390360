package securitytest

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCoursePathParametersAreDecoded: course ids travel escaped in the path (Routes.URL escapes them); the
// handlers act on the id itself, so a toggle for "BIO/101 ü" changes that course, not one called
// "BIO%2F101%20%C3%BC", and an id holding "%" is not decoded twice.
func TestCoursePathParametersAreDecoded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSite(t, siteOptions{})
	for _, id := range []string{"BIO/101 ü", "100% sure", "a%41"} {
		p := path("course", id)
		if status, _, _ := s.client(admin).Get(t, p); status != http.StatusOK {
			t.Errorf("course page of %q: %d", id, status)
		}
		status, body, hdr := s.post(admin, path("course", id, "instances", s.inst.ID), url.Values{"enabled": {"false"}})
		if status != http.StatusSeeOther {
			t.Fatalf("toggle for %q: %d %s", id, status, alert(t, body))
		}
		if loc := hdr.Get("Location"); !strings.HasPrefix(loc, p) {
			t.Errorf("toggle for %q went back to %q, want %q", id, loc, p)
		}
		if on, err := s.h.Store.CourseInstanceEnabled(ctx, id, s.inst.ID); err != nil || on {
			t.Errorf("course %q: enabled %t, %v; want the toggle stored under the id itself", id, on, err)
		}
	}
}
