package picker_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
)

// TestOutageSaysTryAgainAndRecovers: while the cloud is down (nothing accepts connections) the listing and the
// whole picker page answer 503 with words that say to try again, never "something went wrong"; once the cloud is
// back, the same page lists the files.
func TestOutageSaysTryAgainAndRecovers(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	f.h.Cloud.WriteFile("alice", "/a.txt", []byte("a"))
	f.h.Cloud.Stop()
	for _, tc := range []struct {
		name   string
		path   string
		header []string
	}{
		{"listing fragment", f.listPath(t, host.PickRequest{}, "reload", "1"), []string{"HX-Request", "true"}},
		{"whole page", f.pickerPath(host.PickRequest{}), nil},
	} {
		status, body, _ := f.c.Get(t, tc.path, tc.header...)
		d := doc(t, body)
		if status != http.StatusServiceUnavailable {
			t.Errorf("%s while the cloud is down: status %d, want 503", tc.name, status)
		}
		alert := d.Find(`[data-testid="alert-unavailable"]`)
		if alert.Length() != 1 || !strings.Contains(alert.Text(), "Try again") || strings.Contains(body, "Something went wrong") {
			t.Errorf("%s while the cloud is down: %s", tc.name, body)
		}
	}
	if err := f.h.Cloud.Start(); err != nil {
		t.Fatal(err)
	}
	status, body, _ := f.c.Get(t, f.listPath(t, host.PickRequest{}, "reload", "1"), "HX-Request", "true")
	if status != http.StatusOK || !strings.Contains(strings.Join(names(doc(t, body)), ","), "a.txt") {
		t.Fatalf("after the cloud is back: status %d, rows %v", status, names(doc(t, body)))
	}
}

// TestListingGoesOnAfterTheCloudEndsTheTokenEarly: the cloud ends the access token before our clock says it
// expires; the listing refreshes once and goes on, without asking the user to log in again.
func TestListingGoesOnAfterTheCloudEndsTheTokenEarly(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	f.h.Cloud.WriteFile("alice", "/a.txt", []byte("a"))
	f.h.Clock.Advance(10 * time.Minute)
	if n := f.h.Cloud.ExpireAccessTokens("alice"); n == 0 {
		t.Fatal("no token to end")
	}
	status, body, _ := f.c.Get(t, f.listPath(t, host.PickRequest{}, "reload", "1"), "HX-Request", "true")
	if status != http.StatusOK || !strings.Contains(strings.Join(names(doc(t, body)), ","), "a.txt") {
		t.Fatalf("listing after the early end: status %d: %s", status, body)
	}
}

// TestLogoutWhileTheCloudIsDownSaysSo: the logout works here while the cloud is down, and the picker says
// plainly that the login there ends once the cloud answers again.
func TestLogoutWhileTheCloudIsDownSaysSo(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	pp := f.pickerPath(host.PickRequest{})
	form := url.Values{"r": {token(t, pp)}, "i": {strconv.FormatInt(f.inst.ID, 10)}}
	f.h.Cloud.Stop()
	status, _, hdr := f.c.Post(t, repositorytest.Mount+"/picker/logout/"+strconv.FormatInt(f.inst.ID, 10), form)
	if status != http.StatusSeeOther || !strings.Contains(hdr.Get("Location"), "logout=pending") {
		t.Fatalf("logout while the cloud is down: %d to %q", status, hdr.Get("Location"))
	}
	if _, err := f.h.Store.GetToken(context.Background(), store.TokenKey{IssuerID: f.iss.ID, UserID: "student"}); err == nil {
		t.Fatal("the login is still stored here")
	}
	_, body, _ := f.c.Get(t, strings.TrimPrefix(hdr.Get("Location"), f.h.URL))
	d := doc(t, body)
	if d.Find(`[data-testid="alert-revocation_pending"]`).Length() != 1 || d.Find(`[data-testid="login-box"]`).Length() != 1 {
		t.Errorf("after the logout the picker shows: %s", body)
	}
}
