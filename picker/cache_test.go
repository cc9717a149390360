package picker_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
)

// rootNames lists the root folder for c's user through the htmx fragment, without asking for a reload, and
// returns the names.
func (f *fixture) rootNames(t *testing.T, c *repositorytest.Client) []string {
	t.Helper()
	path := f.listPathFor(t, host.PickRequest{User: c.User})
	status, body, _ := c.Get(t, path, "HX-Request", "true")
	if status != http.StatusOK {
		t.Fatalf("listing for %s: status %d: %s", c.User, status, body)
	}
	return names(doc(t, body))
}

// listPathFor is listPath for a request of another user.
func (f *fixture) listPathFor(t *testing.T, req host.PickRequest) string {
	t.Helper()
	q := url.Values{"r": {token(t, f.pickerPath(req))}, "i": {strconv.FormatInt(f.inst.ID, 10)}}
	return repositorytest.Mount + "/picker/list?" + q.Encode()
}

// TestCachedListingsAreForgottenOnLoginLogoutAndShare: paging and going back are served from a recent listing,
// but whatever changes a user's cloud through ocrepo, or who they are there, drops their cached listings at once:
// a new login, a logout, and a share placed into their space. The next listing shows the change without a reload.
func TestCachedListingsAreForgottenOnLoginLogoutAndShare(t *testing.T) {
	t.Parallel()
	t.Run("login", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, repositorytest.Options{})
		f.h.Connect(t, f.iss.ID, "student")
		f.rootNames(t, f.c)
		f.h.Cloud.WriteFile("alice", "/after-login.txt", []byte("x"))
		if got := f.rootNames(t, f.c); slices.Contains(got, "after-login.txt") {
			t.Fatalf("the listing was not cached to begin with: %q", got)
		}
		// Logging in again (another tab, an expired login) goes straight to the login route.
		q := url.Values{"r": {token(t, f.pickerPath(host.PickRequest{}))}, "i": {strconv.FormatInt(f.inst.ID, 10)}}
		_, _, hdr := f.c.Get(t, repositorytest.Mount+"/picker/login/"+strconv.FormatInt(f.inst.ID, 10)+"?"+q.Encode())
		to, err := url.Parse(hdr.Get("Location"))
		if err != nil || to.Query().Get("state") == "" {
			t.Fatalf("login start redirects to %q", hdr.Get("Location"))
		}
		state, challenge := to.Query().Get("state"), to.Query().Get("code_challenge")
		code := f.h.Cloud.AuthorizeCode("alice", state, challenge)
		status, body, _ := f.c.Get(t, repositorytest.Mount+"/callback?state="+url.QueryEscape(state)+"&code="+url.QueryEscape(code))
		if status != http.StatusOK {
			t.Fatalf("callback: %d %s", status, body)
		}
		if got := f.rootNames(t, f.c); !slices.Contains(got, "after-login.txt") {
			t.Errorf("after a new login the picker still shows the old listing %q", got)
		}
	})
	t.Run("logout", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, repositorytest.Options{})
		f.h.Connect(t, f.iss.ID, "student")
		f.rootNames(t, f.c)
		f.h.Cloud.WriteFile("alice", "/after-logout.txt", []byte("x"))
		inst := strconv.FormatInt(f.inst.ID, 10)
		form := url.Values{"r": {token(t, f.pickerPath(host.PickRequest{}))}, "i": {inst}}
		if status, body, _ := f.c.Post(t, repositorytest.Mount+"/picker/logout/"+inst, form); status != http.StatusSeeOther {
			t.Fatalf("logout: %d %s", status, body)
		}
		// Logged in again as the same account (without going through ocrepo, so only the logout can have
		// forgotten the listing).
		f.h.Connect(t, f.iss.ID, "student")
		if got := f.rootNames(t, f.c); !slices.Contains(got, "after-logout.txt") {
			t.Errorf("after a logout and a new login the picker still shows the old listing %q", got)
		}
	})
	t.Run("share", func(t *testing.T) {
		t.Parallel()
		f := controlledFixture(t, repositorytest.Options{})
		f.h.Cloud.WriteFile("alice", "/essay.pdf", []byte("my essay"))
		id, status, body := f.pickControlled(t, submission, "/essay.pdf")
		if status != http.StatusOK {
			t.Fatalf("pick: %d %s", status, body)
		}
		teacher := f.h.Client("teacher")
		if got := f.rootNames(t, teacher); slices.Contains(got, "LMS files") {
			t.Fatalf("the teacher has %q before any share", got)
		}
		if status, body, _ := teacher.Post(t, f.h.Repo.ControlledLinkURL(id)+"/share", url.Values{"edit": {"1"}}); status != http.StatusOK {
			t.Fatalf("teacher's share: %d %s", status, body)
		}
		if got := f.rootNames(t, teacher); !slices.Contains(got, "LMS files") {
			t.Errorf("after a share into the teacher's space the picker still shows the old listing %q", got)
		}
	})
}
