package securitytest

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
)

// importPick posts an import of p for user and returns the status, the alert code and the job id (when one
// started).
func (s *site) importPick(user, r, p string) (int, string, string) {
	s.t.Helper()
	status, body, _ := s.post(user, path("picker", "pick"), s.pickerForm(r, "as", "import", "path", p), "HX-Request", "true")
	id, _ := parse(s.t, body).Find(`[id^="status-"]`).Attr("id")
	return status, alert(s.t, body), strings.TrimPrefix(id, "status-")
}

// TestImportLimitsProtectTheHostsDisk: a student cannot fill the host's storage with imports nobody uses. Past
// the unclaimed-bytes limit the picker refuses with words for the student; a result the host claims (PickResult)
// no longer counts; unclaimed imports past their lifetime are removed through the host's FileRemover by the next
// import, once; and no more than the running limit import at once.
func TestImportLimitsProtectTheHostsDisk(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSite(t, siteOptions{opts: repositorytest.Options{Config: func(c *repository.Config) {
		c.ImportLimits = repository.ImportLimits{Running: 2, UnclaimedBytes: 3 << 20, UnclaimedTTL: time.Hour}
	}}})
	account := cloudAccounts()[student]
	s.h.Cloud.WriteFile(account, "/big.bin", make([]byte, 1<<20))
	r := s.token(s.pickRequest(student))

	var jobs []string
	for i := range 3 {
		status, code, id := s.importPick(student, r, "/big.bin")
		if status != http.StatusAccepted || id == "" {
			t.Fatalf("import %d within the limit: %d %q", i+1, status, code)
		}
		j, err := s.h.Repo.AwaitImport(ctx, host.User{ID: student}, id)
		if err != nil || j.State != "done" {
			t.Fatalf("import %d: %+v %v", i+1, j, err)
		}
		jobs = append(jobs, j.ResultID)
	}
	status, body, _ := s.post(student, path("picker", "pick"), s.pickerForm(r, "as", "import", "path", "/big.bin"), "HX-Request", "true")
	if status < 400 || alert(t, body) != "import_limit" || !strings.Contains(body, "have not used yet take 3 MB; this site keeps at most 3 MB") {
		t.Fatalf("fourth unclaimed import: %d %q, want the limit in words\n%.400s", status, alert(t, body), body)
	}
	if n := s.h.Files.Count(); n != 3 {
		t.Fatalf("the host holds %d files, want 3", n)
	}

	// The host claims the first import: it no longer counts, so one more fits.
	if _, err := s.h.Repo.PickResult(ctx, student, jobs[0]); err != nil {
		t.Fatal(err)
	}
	status, code, id := s.importPick(student, r, "/big.bin")
	if status != http.StatusAccepted {
		t.Fatalf("import after a claim: %d %q", status, code)
	}
	if _, err := s.h.Repo.AwaitImport(ctx, host.User{ID: student}, id); err != nil {
		t.Fatal(err)
	}

	// An hour later the three unclaimed imports expire: the next import removes their files (the claimed one
	// stays), and a second sweep finds nothing.
	s.h.Clock.Advance(time.Hour + time.Minute)
	r = s.token(s.pickRequest(student))
	status, code, id = s.importPick(student, r, "/report.pdf")
	if status != http.StatusAccepted {
		t.Fatalf("import after expiry: %d %q", status, code)
	}
	if _, err := s.h.Repo.AwaitImport(ctx, host.User{ID: student}, id); err != nil {
		t.Fatal(err)
	}
	if n, d := s.h.Files.Count(), s.h.Files.Discarded(); n != 2 || d != 3 {
		t.Errorf("after expiry the host holds %d files and removed %d; want 2 (the claimed one and the new one) and 3", n, d)
	}
	if _, err := s.h.Repo.PickResult(ctx, student, jobs[1]); err == nil {
		t.Error("an expired import can still be claimed")
	}
	if n, err := s.h.Repo.SweepImports(ctx); err != nil || n != 0 {
		t.Errorf("second sweep: %d, %v; want nothing left", n, err)
	}

	// Running imports: downloads that stall keep two running; the third is refused.
	s.h.Cloud.Fail(cloudtest.EPWebDAV, cloudtest.Fault{Method: http.MethodGet, StallAfter: 10})
	for i := range 2 {
		if status, code, _ := s.importPick(student, r, "/report.pdf"); status != http.StatusAccepted {
			t.Fatalf("stalled import %d: %d %q", i+1, status, code)
		}
	}
	status, body, _ = s.post(student, path("picker", "pick"), s.pickerForm(r, "as", "import", "path", "/report.pdf"), "HX-Request", "true")
	if status < 400 || alert(t, body) != "import_limit" || !strings.Contains(body, "2 imports running") {
		t.Errorf("third running import: %d %q, want the limit in words", status, alert(t, body))
	}
	// Another student is not limited by this one.
	r2 := s.token(s.pickRequest(teacher))
	s.h.Cloud.ClearFaults()
	if status, code, _ := s.importPick(teacher, r2, "/report.pdf"); status != http.StatusAccepted {
		t.Errorf("another user's import: %d %q", status, code)
	}
}
