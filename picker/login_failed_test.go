package picker_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
)

// TestFailedLoginReachesThePicker: the callback page that explains a failed login lives in the popup, which
// closes; the picker (reloaded, on any replica) reads the recorded failure and says it at the top, in the
// person's words, with the next step. A later successful login, time, or another user's failure hide it.
func TestFailedLoginReachesThePicker(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		setup func(f *fixture)
		code  string
		want  string // in the alert's words
		relog bool   // the words point to the login button
	}{
		{"wrong client secret", func(f *fixture) { f.h.Cloud.SetClientSecret("changed-at-the-cloud") },
			"login_client_refused", "tell your site administrator", false},
		{"token endpoint failing", func(f *fixture) { f.h.Cloud.Fail(cloudtest.EPToken, cloudtest.Fault{Status: 500}) },
			"login_token_failed", "Try again in a moment", true},
		{"throttled", func(f *fixture) {
			f.h.Cloud.Fail(cloudtest.EPToken, cloudtest.Fault{Status: 429, RetryAfter: time.Minute})
		}, "login_throttled", "Wait a few minutes", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, repositorytest.Options{})
			f.h.Cloud.WriteFile("alice", "/hello.txt", []byte("hi"))
			pp := f.pickerPath(host.PickRequest{})
			_, body, _ := f.c.Get(t, pp)
			if n := doc(t, body).Find(`[data-testid="login-failed"]`).Length(); n != 0 {
				t.Fatalf("a fresh picker shows a failed login")
			}
			st, ch := f.startLogin(t, f.c)
			code := f.h.Cloud.AuthorizeCode("alice", st, ch)
			tc.setup(f)
			status, cb, _ := f.c.Get(t, repositorytest.Mount+"/callback?state="+url.QueryEscape(st)+"&code="+url.QueryEscape(code))
			d := doc(t, cb)
			if status < 400 || d.Find(`[data-testid="login-failed"][data-code="`+tc.code+`"]`).Length() != 1 {
				t.Fatalf("callback %d does not hand over code %s: %s", status, tc.code, cb)
			}

			// The picker, reloaded, says why.
			status, body, _ = f.c.Get(t, pp)
			if status != http.StatusOK {
				t.Fatalf("picker status %d", status)
			}
			d = doc(t, body)
			a := d.Find(`[data-testid="login-failed"]`)
			if a.Length() != 1 || a.AttrOr("role", "") != "alert" || a.AttrOr("data-code", "") != tc.code {
				t.Fatalf("picker shows no login failure alert %s: %s", tc.code, body)
			}
			if first := d.Find(`[data-testid="panel"]`).Children().First(); first.AttrOr("data-testid", "") != "login-failed" {
				t.Errorf("the failure is not at the top of the panel")
			}
			words := a.Text()
			if !strings.Contains(words, tc.want) {
				t.Errorf("alert says %q, want %q", words, tc.want)
			}
			if got := strings.Contains(words, "button below to log in again"); got != tc.relog {
				t.Errorf("alert points to logging in again: %v, want %v (%q)", got, tc.relog, words)
			}
			if d.Find(`[data-testid="login"]`).Length() != 1 {
				t.Errorf("the login button is gone")
			}
			for _, secret := range []string{code, st, "changed-at-the-cloud"} {
				if secret != "" && strings.Contains(body+cb, secret) {
					t.Errorf("a page shows a secret %q", secret)
				}
			}

			// Another user's picker says nothing; the failure ends after a while.
			other := f.h.Client("student2")
			if _, b2, _ := other.Get(t, f.pickerPath(host.PickRequest{User: "student2"})); strings.Contains(b2, `data-testid="login-failed"`) {
				t.Errorf("another user sees the failure")
			}
			f.h.Clock.Advance(16 * time.Minute)
			if _, b3, _ := f.c.Get(t, pp); strings.Contains(b3, `data-testid="login-failed"`) {
				t.Errorf("an old failure is still shown")
			}
		})
	}
}

// TestSuccessfulLoginHidesTheFailure: once a login works, the earlier failure is gone.
func TestSuccessfulLoginHidesTheFailure(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	pp := f.pickerPath(host.PickRequest{})
	st, _ := f.startLogin(t, f.c)
	if status, _, _ := f.c.Get(t, repositorytest.Mount+"/callback?state="+url.QueryEscape(st)+"&code=not-a-code"); status != http.StatusBadRequest {
		t.Fatalf("bad code callback status %d", status)
	}
	if _, body, _ := f.c.Get(t, pp); !strings.Contains(body, `data-code="login_token_refused"`) {
		t.Fatalf("picker does not show the refused code: %s", body)
	}
	st, ch := f.startLogin(t, f.c)
	code := f.h.Cloud.AuthorizeCode("alice", st, ch)
	if status, _, _ := f.c.Get(t, repositorytest.Mount+"/callback?state="+url.QueryEscape(st)+"&code="+url.QueryEscape(code)); status != http.StatusOK {
		t.Fatalf("login status %d", status)
	}
	if _, body, _ := f.c.Get(t, pp); strings.Contains(body, `data-testid="login-failed"`) {
		t.Errorf("a logged-in picker shows the earlier failure")
	}
}
