package picker_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
)

// TestPageNumberIsClampedToTheFolder: a page number past the end (an old link after files were deleted, a
// hand-edited URL) shows the last page, and zero, negative, huge or garbled numbers never fail: the fragment and
// the full page answer 200 with a page that exists, from the one cached listing.
func TestPageNumberIsClampedToTheFolder(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	f.h.Cloud.SeedFolder("alice", "/Few", 120) // three pages of 50
	req := host.PickRequest{}
	for _, tc := range []struct {
		page      string
		wantLabel string
		wantFirst string
		wantLast  string
	}{
		{"99", "Page 3 of 3", "file-00100.txt", "file-00119.txt"},
		{"4", "Page 3 of 3", "file-00100.txt", "file-00119.txt"},
		{"3", "Page 3 of 3", "file-00100.txt", "file-00119.txt"},
		{"2", "Page 2 of 3", "file-00050.txt", "file-00099.txt"},
		{"9223372036854775807", "Page 3 of 3", "file-00100.txt", "file-00119.txt"},
		{"99999999999999999999999", "Page 3 of 3", "file-00100.txt", "file-00119.txt"},
		{"0", "Page 1 of 3", "file-00000.txt", "file-00049.txt"},
		{"-1", "Page 1 of 3", "file-00000.txt", "file-00049.txt"},
		{"-9223372036854775808", "Page 1 of 3", "file-00000.txt", "file-00049.txt"},
		{"two", "Page 1 of 3", "file-00000.txt", "file-00049.txt"},
	} {
		for _, full := range []bool{false, true} {
			var status int
			var body string
			if full {
				status, body, _ = f.c.Get(t, f.pickerPath(req)+"&path=%2FFew&page="+tc.page)
			} else {
				status, body, _ = f.c.Get(t, f.listPath(t, req, "path", "/Few", "page", tc.page), "HX-Request", "true")
			}
			if status != http.StatusOK {
				t.Fatalf("page=%s (full page %v): status %d", tc.page, full, status)
			}
			d := doc(t, body)
			rows := names(d)
			label := strings.TrimSpace(d.Find(`[data-testid="page"]`).Text())
			if label != tc.wantLabel || len(rows) == 0 || rows[0] != tc.wantFirst || rows[len(rows)-1] != tc.wantLast {
				t.Errorf("page=%s (full page %v): %q with %d rows %v..., want %q from %s to %s", tc.page, full, label,
					len(rows), rows[:min(len(rows), 1)], tc.wantLabel, tc.wantFirst, tc.wantLast)
			}
			if label == "Page 3 of 3" && d.Find(`[data-testid="next"]`).Length() != 0 {
				t.Errorf("page=%s: a next link on the last page", tc.page)
			}
		}
	}
	if n := f.h.Cloud.CountMethod(cloudtest.EPWebDAV, "PROPFIND"); n != 1 {
		t.Errorf("%d PROPFIND requests, want 1 (paging is served from the listing)", n)
	}

	// A folder that fits one page, and an empty one, show their only page whatever is asked.
	f.h.Cloud.SeedFolder("alice", "/One", 3)
	f.h.Cloud.SeedFolder("alice", "/Empty", 0)
	for _, p := range []string{"/One", "/Empty"} {
		for _, page := range []string{"2", "99", "-7"} {
			status, body, _ := f.c.Get(t, f.listPath(t, req, "path", p, "page", page), "HX-Request", "true")
			d := doc(t, body)
			if want := map[string]int{"/One": 3, "/Empty": 0}[p]; status != http.StatusOK || len(names(d)) != want {
				t.Errorf("%s page=%s: status %d, %d rows, want 200 and %d", p, page, status, len(names(d)), want)
			}
		}
	}
}
