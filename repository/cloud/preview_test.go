package cloud_test

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"testing"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
)

// TestPreviews asks every flavour for thumbnails the way the real servers serve them (Nextcloud's core/preview
// by file id, ownCloud 10's WebDAV ?preview=1): a picture comes back as a real PNG that fits the box with its
// aspect ratio, one request each; a text file gets a page; a picture that does not decode and a file without a
// preview are ErrNotFound; an answer that is not an image (a login page, a mislabelled body) is an invalid
// response, so it never reaches a browser.
func TestPreviews(t *testing.T) {
	t.Parallel()
	for _, fl := range flavours {
		t.Run(fl.name, func(t *testing.T) {
			t.Parallel()
			srv, c := fakeCloud(t, fl.flavor, fl.product, fl.base)
			srv.WriteFile("alice", "/Photos/sunset wide #1.png", cloudtest.PNG(400, 200))
			srv.WriteFile("alice", "/Photos/notes.txt", []byte("hello"))
			srv.WriteFile("alice", "/Photos/broken.png", []byte("not a png"))
			srv.WriteFile("alice", "/Photos/data.bin", []byte{1, 2, 3})
			cn := c.As("alice", tokenFor(srv, "alice"))
			api := cloud.PreviewAPIFor(string(fl.product))
			if (api == cloud.PreviewDAV) != (fl.flavor == cloud.OwnCloud) {
				t.Fatalf("api %v for %s", api, fl.name)
			}
			_, kids, err := cn.ReadDir(t.Context(), "/Photos")
			if err != nil {
				t.Fatal(err)
			}
			byName := map[string]cloud.Entry{}
			for _, e := range kids {
				byName[e.Name] = e
			}
			if !byName["sunset wide #1.png"].HasPreview || !byName["notes.txt"].HasPreview || byName["data.bin"].HasPreview {
				t.Fatalf("has-preview: %+v", byName)
			}
			ep := cloudtest.EPPreview
			if api == cloud.PreviewDAV {
				ep = cloudtest.EPWebDAV
			}

			srv.ResetCounts()
			th, err := cn.Preview(t.Context(), api, byName["sunset wide #1.png"], 64)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(th.Data))
			if err != nil || th.ContentType != "image/png" {
				t.Fatalf("thumbnail %q: %v", th.ContentType, err)
			}
			if b := img.Bounds(); b.Dx() != 64 || b.Dy() != 32 {
				t.Errorf("thumbnail %dx%d, want 64x32", b.Dx(), b.Dy())
			}
			if n := srv.Count(ep); n != 1 {
				t.Errorf("%s requests = %d, want 1", ep, n)
			}
			if th, err := cn.Preview(t.Context(), api, byName["notes.txt"], 64); err != nil {
				t.Errorf("text preview: %v", err)
			} else if _, _, err := image.Decode(bytes.NewReader(th.Data)); err != nil {
				t.Errorf("text preview does not decode: %v", err)
			}
			for _, name := range []string{"broken.png", "data.bin"} {
				if _, err := cn.Preview(t.Context(), api, byName[name], 64); !errors.Is(err, cloud.ErrNotFound) {
					t.Errorf("%s: %v, want ErrNotFound", name, err)
				}
			}

			srv.Fail(ep, cloudtest.Fault{Times: 1, Body: "<html><body>Log in</body></html>", ContentType: "text/html"})
			if _, err := cn.Preview(t.Context(), api, byName["sunset wide #1.png"], 64); !errors.Is(err, cloud.ErrInvalidResponse) {
				t.Errorf("an HTML page: %v, want ErrInvalidResponse", err)
			}
			srv.Fail(ep, cloudtest.Fault{Times: 1, Body: "<html><script>alert(1)</script></html>", ContentType: "image/png"})
			if _, err := cn.Preview(t.Context(), api, byName["sunset wide #1.png"], 64); !errors.Is(err, cloud.ErrInvalidResponse) {
				t.Errorf("HTML labelled image/png: %v, want ErrInvalidResponse", err)
			}
			if _, err := cn.Preview(t.Context(), api, byName["sunset wide #1.png"], 0); err == nil {
				t.Errorf("size 0 accepted")
			}
		})
	}
}
