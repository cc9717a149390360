package picker_test

import (
	"bytes"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
)

// TestPreviewsThroughTheMount: the listing shows a lazy thumbnail only for files the cloud says have a preview,
// and a file-type icon for every row; the thumbnail comes through the mount with the user's token kept on the
// server (one preview request, no listing request while the folder is cached), is cached privately with a
// validator (If-None-Match: 304 without asking the cloud); a file without a preview is 404 without asking the
// cloud; another user's session cannot use the URL.
func TestPreviewsThroughTheMount(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Cloud.WriteFile("alice", "/Photos/beach.png", cloudtest.PNG(300, 150))
	f.h.Cloud.WriteFile("alice", "/Photos/report.docx", []byte("doc"))
	f.h.Cloud.WriteFile("alice", "/Photos/data.bin", []byte{1})
	f.h.Cloud.Mkdir("alice", "/Photos/Album")
	f.h.Connect(t, f.iss.ID, "student")
	pp := f.pickerPath(host.PickRequest{}) + "&path=%2FPhotos"
	status, body, _ := f.c.Get(t, pp)
	if status != http.StatusOK {
		t.Fatalf("picker %d", status)
	}
	d := doc(t, body)
	row := func(name string) string { return `[data-testid="row"][data-name="` + name + `"]` }
	for name, icon := range map[string]string{"beach.png": "image", "report.docx": "document", "data.bin": "file", "Album": "folder"} {
		if got := d.Find(row(name)+` [data-testid="type-icon"]`).AttrOr("data-icon", ""); got != icon {
			t.Errorf("%s icon %q, want %q", name, got, icon)
		}
	}
	thumb := d.Find(row("beach.png") + ` img[data-testid="thumb"]`)
	src, ok := thumb.Attr("src")
	if !ok || thumb.AttrOr("loading", "") != "lazy" || thumb.AttrOr("alt", "x") != "" {
		t.Fatalf("no lazy thumbnail for the picture: %s", body)
	}
	for _, name := range []string{"report.docx", "data.bin", "Album"} {
		if d.Find(row(name)+` img`).Length() != 0 {
			t.Errorf("%s has a thumbnail", name)
		}
	}
	f.h.Cloud.ResetCounts()
	status, img, hdr := f.c.Get(t, src)
	if status != http.StatusOK || hdr.Get("Content-Type") != "image/png" {
		t.Fatalf("thumbnail %d %q", status, hdr.Get("Content-Type"))
	}
	if pic, err := png.Decode(bytes.NewReader([]byte(img))); err != nil || pic.Bounds().Dx() != 96 || pic.Bounds().Dy() != 48 {
		t.Errorf("thumbnail does not decode to 96x48: %v", err)
	}
	if cc := hdr.Get("Cache-Control"); !strings.Contains(cc, "private") || !strings.Contains(cc, "max-age") || hdr.Get("ETag") == "" {
		t.Errorf("cache headers %q, etag %q", cc, hdr.Get("ETag"))
	}
	if n, w := f.h.Cloud.Count(cloudtest.EPPreview), f.h.Cloud.Count(cloudtest.EPWebDAV); n != 1 || w != 0 {
		t.Errorf("preview requests %d, WebDAV %d; want 1, 0", n, w)
	}
	if strings.Contains(src, "access") || strings.Contains(src, "Bearer") {
		t.Errorf("the thumbnail URL carries a token: %s", src)
	}

	// Revalidation costs the cloud nothing.
	status, _, _ = f.c.Get(t, src, "If-None-Match", hdr.Get("ETag"))
	if status != http.StatusNotModified || f.h.Cloud.Count(cloudtest.EPPreview) != 1 {
		t.Errorf("If-None-Match: %d, preview requests %d", status, f.h.Cloud.Count(cloudtest.EPPreview))
	}
	// A file without a preview is not asked for.
	noPreview := strings.Replace(src, "beach.png", "data.bin", 1)
	if status, _, _ := f.c.Get(t, noPreview); status != http.StatusNotFound || f.h.Cloud.Count(cloudtest.EPPreview) != 1 {
		t.Errorf("no-preview file: %d, preview requests %d", status, f.h.Cloud.Count(cloudtest.EPPreview))
	}
	// Another user cannot use the student's picker URL.
	if status, _, _ := f.h.Client("student2").Get(t, src); status == http.StatusOK {
		t.Errorf("another user got the thumbnail")
	}
}
