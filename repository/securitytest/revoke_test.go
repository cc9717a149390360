package securitytest

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
)

// TestRevokedShareStaysRevoked: after an admin revokes a teacher's share of a controlled link, the teacher
// opening the link and asking for it again gets no new share (and the cloud is asked for none) until the admin
// re-grants it.
func TestRevokedShareStaysRevoked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSite(t, siteOptions{})
	id := s.pickControlled(student, course)
	if status, body, _ := s.post(teacher, path("link", id, "share"), url.Values{"edit": {"1"}}); status != http.StatusOK {
		t.Fatalf("teacher's share: %d %s", status, alert(t, body))
	}
	if status, body, _ := s.post(admin, path("admin", "links", id, "revoke"), url.Values{"user": {teacher}, "confirm": {"yes"}}); status >= 400 {
		t.Fatalf("revoke: %d %s", status, alert(t, body))
	}
	before := s.h.Cloud.Count(cloudtest.EPOCS)
	if status, _, _ := s.client(teacher).Get(t, path("link", id)); status != http.StatusOK {
		t.Errorf("the teacher opens the link: %d", status)
	}
	for _, edit := range []string{"1", "0"} {
		status, body, _ := s.post(teacher, path("link", id, "share"), url.Values{"edit": {edit}})
		if status != http.StatusForbidden || alert(t, body) != "share_revoked" || !strings.Contains(body, "withdrawn") {
			t.Errorf("share (edit %s) after the revoke: %d %q, want 403 share_revoked", edit, status, alert(t, body))
		}
	}
	if n := s.h.Cloud.Count(cloudtest.EPOCS) - before; n != 0 {
		t.Errorf("the refused shares made %d share calls", n)
	}
	if sh, err := s.h.Store.GetControlledShare(ctx, id, teacher); err != nil || sh.ShareID != "" {
		t.Errorf("the revoked share came back: %+v, %v", sh, err)
	}
	if status, body, _ := s.post(admin, path("admin", "links", id, "regrant"), url.Values{"user": {teacher}}); status >= 400 {
		t.Fatalf("regrant: %d %s", status, alert(t, body))
	}
	if status, body, _ := s.post(teacher, path("link", id, "share"), url.Values{"edit": {"1"}}); status != http.StatusOK {
		t.Errorf("share after the re-grant: %d %q", status, alert(t, body))
	}
}
