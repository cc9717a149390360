package securitytest

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/store"
)

// TestOAuthStateBoundaries adds to picker's TestCallbackErrorsEachHaveTheirMessage (missing, unknown, replayed,
// expired after an hour, another user's state) and TestLoginThroughCallback (single use): a state lives exactly
// the login's lifetime (fifteen minutes), an admin's system-account state is useless to anybody else and cannot
// replace the system account, and a state taken by the wrong user is spent, so it cannot be tried again.
func TestOAuthStateBoundaries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	callback := func(s *site, user, state, code string) (int, string) {
		status, body, _ := s.client(user).Get(t, path("callback")+"?"+url.Values{"state": {state}, "code": {code}}.Encode())
		return status, alert(t, body)
	}

	t.Run("lifetime", func(t *testing.T) {
		t.Parallel()
		s := newSite(t, siteOptions{noConnect: true})
		for _, tt := range []struct {
			wait time.Duration
			ok   bool
		}{{14*time.Minute + 50*time.Second, true}, {15*time.Minute + 10*time.Second, false}} {
			state, challenge := s.startLogin(student)
			s.h.Clock.Advance(tt.wait) // the student takes their time at the cloud's login page
			code := s.h.Cloud.AuthorizeCode("alice", state, challenge)
			status, a := callback(s, student, state, code)
			if tt.ok && status != http.StatusOK {
				t.Errorf("callback %s after the start: %d %q, want the login to finish", tt.wait, status, a)
			}
			if !tt.ok && (status != http.StatusBadRequest || a != "login_state_expired") {
				t.Errorf("callback %s after the start: %d %q, want login_state_expired", tt.wait, status, a)
			}
		}
	})

	t.Run("system account state", func(t *testing.T) {
		t.Parallel()
		s := newSite(t, siteOptions{})
		before, err := s.h.Store.GetToken(ctx, store.TokenKey{IssuerID: s.iss.ID, System: true})
		if err != nil {
			t.Fatal(err)
		}
		status, _, hdr := s.post(admin, path("admin", "issuers", s.iss.ID, "system", "connect"), nil)
		u, err := url.Parse(hdr.Get("Location"))
		if status != http.StatusSeeOther || err != nil {
			t.Fatalf("connect: %d %v", status, err)
		}
		state := u.Query().Get("state")
		// The student got hold of the admin's state and logs in with their own cloud account through it.
		code := s.h.Cloud.AuthorizeCode("alice", state, u.Query().Get("code_challenge"))
		if status, a := callback(s, student, state, code); status != http.StatusForbidden || a != "login_state_foreign" {
			t.Errorf("student with the admin's state: %d %q, want 403 login_state_foreign", status, a)
		}
		after, err := s.h.Store.GetToken(ctx, store.TokenKey{IssuerID: s.iss.ID, System: true})
		if err != nil || after.CloudUser != before.CloudUser || after.Version != before.Version {
			t.Errorf("the system account changed: %+v, %v", after, err)
		}
		// Spent: the admin cannot finish it either, and nobody can try it again.
		for _, user := range []string{admin, student} {
			if status, a := callback(s, user, state, code); status != http.StatusBadRequest || a != "login_state_replayed" {
				t.Errorf("%s with the spent state: %d %q, want login_state_replayed", user, status, a)
			}
		}
	})

	t.Run("state is not stored as given", func(t *testing.T) {
		t.Parallel()
		s := newSite(t, siteOptions{noConnect: true})
		state, _ := s.startLogin(student)
		// The store keys states by a hash: reading the table does not give a usable state.
		if _, err := s.h.Store.TakeLoginState(ctx, state); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the store finds the login under the state itself: %v", err)
		}
	})
}
