package picker_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
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
