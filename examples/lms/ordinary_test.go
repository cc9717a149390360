package main

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
)

// offsetClock is real time plus an offset the test moves.
type offsetClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *offsetClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// TestOrdinaryDaysAgainstTheTestCloud walks the demo through a real Nextcloud's ordinary days: the connection
// check says the healthy test cloud works (its Nextcloud 34 login flow included); a listing after the cloud ended
// the access token early goes on; while the cloud is down the picker answers 503 and says to try again; once it
// is back the same page lists the files.
func TestOrdinaryDaysAgainstTheTestCloud(t *testing.T) {
	t.Parallel()
	clock := &offsetClock{}
	var cl *cloudtest.Server
	d := startDemo(t, Options{Now: clock.Now, testCloud: func(s *cloudtest.Server) { cl = s }}, "")
	if cl == nil {
		t.Fatal("the demo runs no test cloud")
	}

	// The connection check, as the site admin runs it.
	dana := d.signIn(t, "dana")
	_, page := dana.get(t, "/cloud/admin/issuers/1")
	doc := parse(t, page)
	check := doc.Find(`form[action$="/check"]`)
	form := map[string][]string{}
	check.Find(`input[type="hidden"]`).Each(func(_ int, s *goquery.Selection) {
		form[s.AttrOr("name", "")] = []string{s.AttrOr("value", "")}
	})
	resp, result := dana.send(t, http.MethodPost, check.AttrOr("action", ""), form)
	if resp.StatusCode != http.StatusOK || testidAttr(t, result, "check-summary", "data-ok") != "true" {
		t.Fatalf("the check of the healthy test cloud: status %d, ok %q: %s", resp.StatusCode,
			testidAttr(t, result, "check-summary", "data-ok"), parse(t, result).Find(`[data-testid="check-summary"]`).Text())
	}

	// A student logs in to the cloud and lists her files.
	alice := d.signIn(t, "alice")
	_, page = alice.get(t, "/assignments/3")
	pickerURL := testidAttr(t, page, "choose-file", "href")
	_, picker := alice.get(t, pickerURL)
	cloudLogin(t, alice, testidAttr(t, picker, "login", "href"), "alice")
	reload := pickerURL + "&reload=1"
	rows := func(body string) int { return parse(t, body).Find(`[data-testid="row"]`).Length() }
	if status, body := alice.get(t, reload); status != http.StatusOK || rows(body) == 0 {
		t.Fatalf("first listing: status %d, %d rows", status, rows(body))
	}

	// Ten minutes on, the cloud ends the access token before our clock says it expires.
	clock.Advance(10 * time.Minute)
	if n := cl.ExpireAccessTokens("alice"); n == 0 {
		t.Fatal("the cloud had no token of alice's to end")
	}
	if status, body := alice.get(t, reload); status != http.StatusOK || rows(body) == 0 {
		t.Fatalf("listing after the early end: status %d, %d rows: %s", status, rows(body), body)
	}

	// The cloud goes down, and comes back.
	cl.Stop()
	status, body := alice.get(t, reload)
	alert := parse(t, body).Find(`[data-testid="alert-unavailable"]`)
	if status != http.StatusServiceUnavailable || alert.Length() != 1 || !strings.Contains(alert.Text(), "Try again") {
		t.Fatalf("while the cloud is down: status %d, alert %q", status, alert.Text())
	}
	if err := cl.Start(); err != nil {
		t.Fatal(err)
	}
	if status, body := alice.get(t, reload); status != http.StatusOK || rows(body) == 0 {
		t.Fatalf("after the cloud is back: status %d, %d rows", status, rows(body))
	}
}
