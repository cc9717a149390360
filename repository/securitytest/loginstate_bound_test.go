package securitytest

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestLoginStatesAreBoundedPerUser: GETs of the same login link reuse the login in flight instead of adding a
// row each (the reused state still finishes the login), logins for many different pick requests keep at most
// eight in flight per user, and a login with little time left is not handed out again.
func TestLoginStatesAreBoundedPerUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSite(t, siteOptions{noConnect: true})

	link := path("picker", "login", s.inst.ID) + "?" + s.pickerForm(s.token(s.pickRequest(student))).Encode()
	start := func() (state, challenge string) {
		status, _, hdr := s.client(student).Get(t, link)
		if status != http.StatusFound {
			t.Fatalf("login start: status %d", status)
		}
		u, err := url.Parse(hdr.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		return u.Query().Get("state"), u.Query().Get("code_challenge")
	}
	first, challenge := start()
	for range 300 {
		if again, _ := start(); again != first {
			t.Fatal("the same login link opened again started another login")
		}
	}
	if n, err := s.h.Store.TrimLoginStates(ctx, student, 0); err != nil || n != 1 {
		t.Fatalf("301 GETs of one login link left %d login(s) in flight (err %v), want 1", n, err)
	}

	// Many different pick requests (another course each): at most eight in flight.
	for i := range 40 {
		req := s.pickRequest(student)
		req.Course = "course-" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		status, _, _ := s.client(student).Get(t, path("picker", "login", s.inst.ID)+"?"+s.pickerForm(s.token(req)).Encode())
		if status != http.StatusFound {
			t.Fatalf("login start %d: status %d", i, status)
		}
	}
	if n, err := s.h.Store.TrimLoginStates(ctx, student, 0); err != nil || n != 8 {
		t.Fatalf("40 different logins left %d in flight (err %v), want 8", n, err)
	}

	// A reused login still finishes.
	first, challenge = start()
	if again, _ := start(); again != first {
		t.Fatal("the login link opened twice started two logins")
	}
	code := s.h.Cloud.AuthorizeCode(cloudAccounts()[student], first, challenge)
	status, body, _ := s.client(student).Get(t, path("callback")+"?"+url.Values{"state": {first}, "code": {code}}.Encode())
	if status != http.StatusOK {
		t.Fatalf("callback with the reused state: %d %s", status, alert(t, body))
	}

	// Past half its life a login is not handed out again: the student gets the full time at the cloud.
	old, _ := start()
	s.h.Clock.Advance(8 * time.Minute)
	if fresh, _ := start(); fresh == old {
		t.Error("a login with under half its time left was handed out again")
	}
}
