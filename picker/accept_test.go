package picker_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
)

// TestUpperCaseExtensionIsAccepted: an assignment accepting ".pdf" takes "REPORT.PDF" (names from phones and
// scanners), in the listing and through the import, and still refuses other types.
func TestUpperCaseExtensionIsAccepted(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	f.h.Cloud.WriteFile("alice", "/REPORT.PDF", []byte("%PDF-1.7 scanned"))
	f.h.Cloud.WriteFile("alice", "/NOTES.TXT", []byte("notes"))
	req := host.PickRequest{Accept: []string{".pdf"}}
	_, body, _ := f.c.Get(t, f.pickerPath(req))
	d := doc(t, body)
	refusal := func(name string) string {
		return strings.TrimSpace(d.Find(`[data-testid="row"][data-name="` + name + `"] [data-testid="refusal"]`).Text())
	}
	if r := refusal("REPORT.PDF"); r != "" {
		t.Errorf("REPORT.PDF refused in the listing: %q", r)
	}
	if r := refusal("NOTES.TXT"); !strings.Contains(r, "not accepted") {
		t.Errorf("NOTES.TXT: refusal %q", r)
	}
	status, body, _ := f.pick(t, req, "import", "/REPORT.PDF")
	if status != http.StatusAccepted {
		t.Fatalf("pick of REPORT.PDF: %d %s", status, body)
	}
	if j, _, _ := f.await(t, req, jobID(t, body)); j.State != store.ImportDone {
		t.Fatalf("import of REPORT.PDF: %s %q", j.State, j.Error)
	}
	if status, _, _ := f.pick(t, req, "import", "/NOTES.TXT"); status != http.StatusUnsupportedMediaType {
		t.Errorf("pick of NOTES.TXT: %d, want 415", status)
	}
}
