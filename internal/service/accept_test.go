package service

import (
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/repository/host"
)

// TestAcceptorMatchesTypes pins down how a pick request's Accept list is matched against a file from the listing:
// extensions ignore case on both sides, MIME types ignore case and parameters, "image/*" matches by type, a
// missing or generic type is guessed from the extension, and a file without an extension matches only by type.
func TestAcceptorMatchesTypes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		accept      []string
		name, ctype string
		ok          bool
	}{
		{[]string{".pdf"}, "report.pdf", "application/pdf", true},
		{[]string{".pdf"}, "REPORT.PDF", "", true},
		{[]string{".pdf"}, "REPORT.PDF", "application/octet-stream", true},
		{[]string{".pdf"}, "Thesis.Pdf", "text/plain", true},
		{[]string{".PDF"}, "report.pdf", "", true},
		{[]string{" PDF "}, "REPORT.pdf", "", true},
		{[]string{".pdf"}, "report.pdf.exe", "application/x-msdownload", false},
		{[]string{".pdf"}, "pdf", "", false},
		{[]string{".pdf"}, "report.txt", "application/pdf", false},
		{[]string{".tar.gz"}, "a.tar.gz", "", false}, // an extension is the last dot's: ".gz"
		{[]string{".gz"}, "A.TAR.GZ", "", true},
		{[]string{"application/pdf"}, "scan", "application/pdf", true},
		{[]string{"application/pdf"}, "scan", "Application/PDF; charset=binary", true},
		{[]string{"application/pdf"}, "SCAN.PDF", "", true},
		{[]string{"application/pdf"}, "scan.pdf", "text/plain", false},
		{[]string{"application/pdf"}, "scan", "", false},
		{[]string{"image/*"}, "photo", "image/png", true},
		{[]string{"image/*"}, "PHOTO.JPG", "", true},
		{[]string{"IMAGE/*"}, "photo.jpeg", "application/octet-stream", true},
		{[]string{"image/*"}, "photo.png", "text/html", false},
		{[]string{"image/*"}, "imagery.txt", "text/plain", false},
		{[]string{"image/*", ".pdf"}, "notes.PDF", "", true},
		{[]string{"image/*", ".pdf"}, "notes.txt", "", false},
		{nil, "anything.exe", "", true},
		{[]string{"*"}, "anything.exe", "", true},
		{[]string{"*/*", ""}, "anything", "", true},
	} {
		a := NewAcceptor(host.PickRequest{Accept: tc.accept})
		why := a.Refusal(tc.name, tc.ctype, 10)
		if why.IsZero() != tc.ok {
			t.Errorf("Accept %q, %q (%q): refusal %v, want accepted %v", tc.accept, tc.name, tc.ctype, why, tc.ok)
		}
		if !tc.ok && why.ID != "problem.refusal.type" {
			t.Errorf("Accept %q, %q: refusal %q does not say the type is not accepted", tc.accept, tc.name, why)
		}
	}
}

// TestAcceptorSizeLimitIsInclusive: MaxBytes is the largest size accepted; 0 means no limit.
func TestAcceptorSizeLimitIsInclusive(t *testing.T) {
	t.Parallel()
	a := NewAcceptor(host.PickRequest{MaxBytes: 1 << 20})
	for _, tc := range []struct {
		size int64
		ok   bool
	}{{0, true}, {1<<20 - 1, true}, {1 << 20, true}, {1<<20 + 1, false}, {1 << 40, false}} {
		why := a.Refusal("f.bin", "", tc.size)
		if why.IsZero() != tc.ok {
			t.Errorf("%d bytes against a limit of %d: refusal %v, want accepted %v", tc.size, 1<<20, why, tc.ok)
		}
		if !tc.ok && why.ID != "problem.refusal.too_large" {
			t.Errorf("%d bytes: refusal %q, want it to say too large", tc.size, why)
		}
	}
	if why := NewAcceptor(host.PickRequest{}).Refusal("f.bin", "", 1<<50); !why.IsZero() {
		t.Errorf("no limit, yet refused: %q", why)
	}
	// A file of the wrong type is refused for its type first, whatever its size.
	typed := NewAcceptor(host.PickRequest{Accept: []string{".pdf"}, MaxBytes: 10})
	if why := typed.Refusal("a.txt", "", 100); why.ID != "problem.refusal.type" {
		t.Errorf("wrong type and too large: %v", why)
	}
	if err := refusalError(typed, "a.pdf", "", 11); !strings.Contains(err.Error(), "larger than allowed") {
		t.Errorf("refusalError for a too large PDF: %v", err)
	}
}
