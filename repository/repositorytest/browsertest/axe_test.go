package browsertest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"

	bt "github.com/ocrepo/ocrepo/repository/repositorytest/browsertest"
)

// TestAxeFindsViolations: the vendored axe-core runs and reports what it should (an image without a text
// alternative, a field without a label), and finds nothing on a clean page; a CSP like ours does not stop it.
func TestAxeFindsViolations(t *testing.T) {
	t.Parallel()
	b := bt.New(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		body := `<main><h1>Clean</h1><p>Nothing wrong here.</p></main>`
		if r.URL.Path == "/bad" {
			body = `<main><h1>Bad</h1><img src="/x.png"><input type="text"></main>`
		}
		_, _ = w.Write([]byte(`<!doctype html><html lang="en"><head><title>t</title></head><body>` + body + `</body></html>`))
	}))
	t.Cleanup(srv.Close)
	ctx := b.Fresh()

	bt.Do(t, ctx, "open the clean page", chromedp.Navigate(srv.URL+"/"))
	if vs := bt.AxeRun(t, ctx, "clean"); len(vs) != 0 {
		t.Errorf("clean page: %+v", vs)
	}
	bt.Do(t, ctx, "open the bad page", chromedp.Navigate(srv.URL+"/bad"))
	got := map[string]bool{}
	for _, v := range bt.AxeRun(t, ctx, "bad") {
		got[v.ID] = true
	}
	for _, want := range []string{"image-alt", "label"} {
		if !got[want] {
			t.Errorf("axe-core missed %s (found %v)", want, got)
		}
	}
}
