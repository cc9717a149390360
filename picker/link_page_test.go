package picker_test

import (
	"bytes"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
)

// TestControlledLinkPageSaysWhatItIs: the controlled-link page names the file's owner, its course item and its
// submission state, with a file-type icon and the cloud's preview fetched through the system account (the viewer
// needs no share, and the preview route asks the host's access hook first, as the page does).
func TestControlledLinkPageSaysWhatItIs(t *testing.T) {
	t.Parallel()
	f := controlledFixture(t, repositorytest.Options{})
	f.h.Cloud.WriteFile("alice", "/poster.png", cloudtest.PNG(400, 400))
	id, status, body := f.pickControlled(t, submission, "/poster.png")
	if status != http.StatusOK {
		t.Fatalf("pick: %d %s", status, body)
	}
	status, body = f.open(t, f.h.Client("teacher"), id)
	d := doc(t, body)
	if status != http.StatusOK || !strings.Contains(d.Find(`[data-testid="owner"]`).Text(), "student") ||
		d.Find(`[data-testid="item"]`).Text() != "Course 42 › Essay › Submission 7" ||
		!strings.Contains(d.Find(`[data-testid="state"]`).Text(), "Not submitted") ||
		d.Find(`[data-testid="type-icon"]`).AttrOr("data-icon", "") != "image" {
		t.Fatalf("facts: %d %s", status, d.Find(`[data-testid="facts"]`).Text())
	}
	src, ok := d.Find(`img[data-testid="thumb"]`).Attr("src")
	if !ok {
		t.Fatalf("no preview on the page")
	}
	f.h.Cloud.ResetCounts()
	status, img, hdr := f.h.Client("teacher").Get(t, src)
	if status != http.StatusOK || hdr.Get("Content-Type") != "image/png" {
		t.Fatalf("preview: %d %q", status, hdr.Get("Content-Type"))
	}
	if _, err := png.Decode(bytes.NewReader([]byte(img))); err != nil {
		t.Errorf("preview does not decode: %v", err)
	}
	if n := f.h.Cloud.Count(cloudtest.EPPreview); n != 1 || len(f.h.Cloud.Shares()) != 0 {
		t.Errorf("preview requests %d, shares %d; want 1, 0", n, len(f.h.Cloud.Shares()))
	}
}
