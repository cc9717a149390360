package admin_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
)

// TestHealthPanel: the panel lists each cloud server with its state in words, reads status.php once for a quiet
// server, and says "Not answering" once the server is gone and the interval passed.
func TestHealthPanel(t *testing.T) {
	t.Parallel()
	s := newSite(t, repositorytest.Options{})
	iss := s.h.AddIssuer(t, "Campus Cloud")
	s.h.Cloud.ResetCounts()

	p := s.get("admin", mount+"/admin/health")
	if p.status != http.StatusOK {
		t.Fatalf("health page: %d %s", p.status, p.body)
	}
	row := p.find("health-row")
	if row.Length() != 1 || row.AttrOr("data-state", "") != "up" || p.text("health-state") != "Answering" {
		t.Fatalf("health row: %d rows, state %q %q", row.Length(), row.AttrOr("data-state", ""), p.text("health-state"))
	}
	if href := row.Find("a").AttrOr("href", ""); href != mount+"/admin/issuers/"+strconv.FormatInt(iss.ID, 10) {
		t.Fatalf("row links to %q", href)
	}
	if !p.has("nav-health") {
		t.Fatal("no navigation entry for the health page")
	}
	s.get("admin", mount+"/admin/health")
	if n := s.h.Cloud.Count(cloudtest.EPStatus); n != 1 {
		t.Fatalf("two views read status.php %d times, want 1", n)
	}

	s.h.Cloud.Stop()
	s.h.Clock.Advance(2 * time.Minute)
	p = s.get("admin", mount+"/admin/health")
	if st := p.find("health-row").AttrOr("data-state", ""); st != "down" || p.text("health-state") != "Not answering" {
		t.Fatalf("stopped cloud: state %q %q", st, p.text("health-state"))
	}
	if got := p.text("health-summary"); got != "The last request got no answer: the server could not be reached." {
		t.Fatalf("summary %q", got)
	}
}
