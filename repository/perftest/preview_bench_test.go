package perftest

import (
	"html"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
)

// thumbSrc finds the thumbnails' URLs in a listing.
var thumbSrc = regexp.MustCompile(`<img class="thumb" src="([^"]+)"`)

// previewRig is a rig whose student has a folder /Pics of 50 pictures (1024 x 768 PNGs, a page of the listing),
// listed once; it returns the thumbnails' URLs.
func previewRig(b *testing.B) (*rig, *http.Client, []string) {
	b.Helper()
	r := newRig(b, rigOptions{})
	r.h.Connect(b, r.iss.ID, "student")
	pic := cloudtest.PNG(1024, 768)
	for i := range 50 {
		r.h.Cloud.WriteFile("alice", "/Pics/photo-"+strconv.Itoa(100+i)+".png", pic)
	}
	body := r.get(b, "student", r.listURL(b, "student", "path", "/Pics"))
	var urls []string
	for _, m := range thumbSrc.FindAllStringSubmatch(body, -1) {
		urls = append(urls, r.h.URL+html.UnescapeString(m[1]))
	}
	if len(urls) != 50 {
		b.Fatalf("%d thumbnails in the listing, want 50", len(urls))
	}
	return r, r.h.Client("student").Client, urls
}

func getThumb(b *testing.B, c *http.Client, u, inm string) int {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if inm != "" {
		req.Header.Set("If-None-Match", inm)
	}
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// BenchmarkListingPreviews50 is what previews add to a listing page of 50 pictures: the listing itself asks the
// cloud nothing more (thumbnails are separate, lazy requests); each op here is the page's 50 thumbnails fetched
// through the mount one after another (each: the signed request, the user's token, the entry from the cached
// listing, one preview request to the cloud, which scales a 1024 x 768 PNG). Reported: cloud-requests/op (the
// preview requests a page costs) and ms/thumb.
func BenchmarkListingPreviews50(b *testing.B) {
	r, c, urls := previewRig(b)
	r.h.Cloud.ResetCounts()
	n := 0
	for b.Loop() {
		for _, u := range urls {
			if st := getThumb(b, c, u, ""); st != http.StatusOK {
				b.Fatalf("thumbnail status %d", st)
			}
		}
		n++
	}
	b.ReportMetric(float64(r.h.Cloud.Count(cloudtest.EPPreview))/float64(n), "cloud-requests/op")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(n*len(urls)), "ms/thumb")
}

// BenchmarkListingPreviews50Revalidated is the same page shown again within the browser's cache lifetime after a
// reload: each thumbnail is revalidated with If-None-Match and answered 304 without asking the cloud.
func BenchmarkListingPreviews50Revalidated(b *testing.B) {
	r, c, urls := previewRig(b)
	etags := make([]string, len(urls))
	for i, u := range urls {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		etags[i] = resp.Header.Get("ETag")
	}
	r.h.Cloud.ResetCounts()
	n := 0
	for b.Loop() {
		for i, u := range urls {
			if st := getThumb(b, c, u, etags[i]); st != http.StatusNotModified {
				b.Fatalf("revalidation status %d", st)
			}
		}
		n++
	}
	b.ReportMetric(float64(r.h.Cloud.Count(cloudtest.EPPreview))/float64(n), "cloud-requests/op")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(n*len(urls)), "µs/thumb")
}
