package picker_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
)

// shareOf is the live share of the link's file to a cloud user, if any.
func shareOf(s *cloudtest.Server, with string) (cloudtest.ServerShare, bool) {
	for _, sh := range s.Shares() {
		if sh.ShareWith == with {
			return sh, true
		}
	}
	return cloudtest.ServerShare{}, false
}

// TestSubmittedOwnerIsCappedToReading: once a link is submitted its owner may only read, whatever the host's hook
// says (the test host lets owners edit). An owner who never had a share before asks for one after submission:
// editing is refused, reading gets a read-only share, and the page offers no editing.
func TestSubmittedOwnerIsCappedToReading(t *testing.T) {
	t.Parallel()
	f := controlledFixture(t, repositorytest.Options{})
	f.h.Cloud.WriteFile("alice", "/essay.pdf", []byte("final"))
	id, status, body := f.pickControlled(t, submission, "/essay.pdf")
	if status != http.StatusOK {
		t.Fatalf("pick: %d %s", status, body)
	}
	if err := f.h.Repo.MarkSubmitted(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := f.c.Post(t, f.h.Repo.ControlledLinkURL(id)+"/share", url.Values{"edit": {"1"}}); status != http.StatusForbidden {
		t.Errorf("the owner asking to edit a submitted link: %d, want 403", status)
	}
	if sh, ok := shareOf(f.h.Cloud, "alice"); ok {
		t.Fatalf("a refused edit left a share with permissions %d", sh.Permissions)
	}
	if status, body, _ := f.c.Post(t, f.h.Repo.ControlledLinkURL(id)+"/share", nil); status != http.StatusOK {
		t.Fatalf("the owner asking to read: %d %s", status, body)
	}
	sh, ok := shareOf(f.h.Cloud, "alice")
	if !ok || sh.Permissions&2 != 0 {
		t.Fatalf("the owner's share after submission: %+v (found %v), want read only", sh, ok)
	}
	_, body = f.open(t, f.c, id)
	if d := doc(t, body); d.Find(`[data-testid="submitted"]`).Length() != 1 || d.Find(`[data-testid="edit"]`).Length() != 0 {
		t.Errorf("the submitted owner's page offers editing")
	}
}

// TestSubmissionCutsTheOwnersEditShareAtTheCloud: the lock is done at the cloud, not only in ocrepo's records:
// the owner's edit share loses its update permission at once (a second submission changes nothing), while the
// teacher's edit share keeps it.
func TestSubmissionCutsTheOwnersEditShareAtTheCloud(t *testing.T) {
	t.Parallel()
	f := controlledFixture(t, repositorytest.Options{})
	f.h.Cloud.WriteFile("alice", "/essay.pdf", []byte("draft"))
	id, status, body := f.pickControlled(t, submission, "/essay.pdf")
	if status != http.StatusOK {
		t.Fatalf("pick: %d %s", status, body)
	}
	for _, c := range []*repositorytest.Client{f.c, f.h.Client("teacher")} {
		if status, body, _ := c.Post(t, f.h.Repo.ControlledLinkURL(id)+"/share", url.Values{"edit": {"1"}}); status != http.StatusOK {
			t.Fatalf("%s's edit share: %d %s", c.User, status, body)
		}
	}
	if sh, ok := shareOf(f.h.Cloud, "alice"); !ok || sh.Permissions&2 == 0 {
		t.Fatalf("the owner's share before submission: %+v (found %v), want update", sh, ok)
	}
	for range 2 {
		if err := f.h.Repo.MarkSubmitted(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		if sh, ok := shareOf(f.h.Cloud, "alice"); !ok || sh.Permissions&2 != 0 || sh.Permissions&1 == 0 {
			t.Errorf("the owner's share after submission: %+v (found %v), want read only", sh, ok)
		}
		if sh, ok := shareOf(f.h.Cloud, "bob"); !ok || sh.Permissions&2 == 0 {
			t.Errorf("the teacher's share after submission: %+v (found %v), want update kept", sh, ok)
		}
	}
}
