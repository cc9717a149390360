package picker_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	bt "github.com/ocrepo/ocrepo/repository/repositorytest/browsertest"
)

// TestPickerUXInBrowser: thumbnails load (lazily, through the mount) and every row has its file-type icon; "Add"
// is disabled until a file is chosen; opening a slow folder shows the indicator and marks the listing busy until
// it arrives; axe-core finds no WCAG A/AA violation; and a keyboard-only pick completes.
func TestPickerUXInBrowser(t *testing.T) {
	t.Parallel()
	b := bt.New(t)
	f := newFixture(t, repositorytest.Options{})
	f.h.Cloud.WriteFile("alice", "/Photos/beach.png", cloudtest.PNG(600, 300))
	f.h.Cloud.WriteFile("alice", "/Photos/lecture notes.pdf", []byte("%PDF-1.4 notes"))
	f.h.Cloud.WriteFile("alice", "/Photos/essay.docx", []byte("essay"))
	f.h.Cloud.WriteFile("alice", "/Photos/Album/inside.png", cloudtest.PNG(20, 20))
	f.h.Connect(t, f.iss.ID, "student")
	ctx := b.As(f.h, "student")
	console := bt.WatchConsole(ctx)
	req := host.PickRequest{Course: "42", Accept: []string{".pdf", ".png", ".docx"}, ReturnTo: "/return"}
	pickerURL := f.h.PickerURL(req) + "&path=%2FPhotos"

	bt.Do(t, ctx, "open the folder", chromedp.Navigate(pickerURL), chromedp.WaitVisible(chromedp.CSS(`[data-testid="files"]`)))
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`new Promise(done => {
  const img = document.querySelector('[data-name="beach.png"] img[data-testid="thumb"]');
  if (!img) return done(-1);
  if (img.complete) return done(img.naturalWidth);
  img.addEventListener('load', () => done(img.naturalWidth));
  img.addEventListener('error', () => done(0));
})`, chromedp.EvalAwaitPromise))
	if err != nil || width != 96 {
		t.Errorf("thumbnail width %d (%v), want 96", width, err)
	}
	icons, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="row"]')].map(r => r.dataset.name + ':' + r.querySelector('[data-testid="type-icon"]').dataset.icon)`))
	if err != nil || strings.Join(icons, ",") != "Album:folder,beach.png:image,essay.docx:document,lecture notes.pdf:pdf" {
		t.Errorf("icons %v (%v)", icons, err)
	}
	disabled, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid="pick"]').disabled`))
	if err != nil || !disabled {
		t.Errorf("Add is enabled with nothing chosen (%v)", err)
	}
	bt.Shot(t, ctx, "picker", "04b-thumbnails")
	bt.Axe(t, ctx, "picker listing with thumbnails")
	bt.Do(t, ctx, "show as a grid", chromedp.Click(chromedp.CSS(`[data-testid="view-grid"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#listing.grid [data-name="beach.png"] img[data-testid="thumb"]`)))
	bt.Shot(t, ctx, "picker", "04c-grid")
	bt.Axe(t, ctx, "picker listing as a grid")
	bt.Do(t, ctx, "back to the list", chromedp.Click(chromedp.CSS(`[data-testid="view-list"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#listing[data-view="list"]`)))

	// A slow folder: the indicator shows and the listing is busy until it arrives.
	// The cloud holds the folder's listing until the test has seen the indicator.
	hold := make(chan struct{})
	f.h.Cloud.Fail(cloudtest.EPWebDAV, cloudtest.Fault{Times: 1, Method: "PROPFIND", PathSuffix: "/Photos/Album", Hold: hold})
	bt.Do(t, ctx, "open a slow folder",
		chromedp.Click(chromedp.CSS(`[data-testid="row"][data-name="Album"] [data-testid="open"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#picker-busy`)),
	)
	busy, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('listing').getAttribute('aria-busy') || ''`))
	if err != nil || busy != "true" {
		t.Errorf("listing aria-busy %q while loading (%v)", busy, err)
	}
	close(hold)
	bt.Do(t, ctx, "the folder arrives",
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="row"][data-name="inside.png"]`)),
		chromedp.WaitNotVisible(chromedp.CSS(`#picker-busy`)),
	)
	if busy, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('listing').getAttribute('aria-busy') || ''`)); busy != "" {
		t.Errorf("listing still busy: %q", busy)
	}

	// Keyboard only: back to the folder, Tab to the files, arrow to the PDF, Space, Tab to Add, Enter.
	bt.Do(t, ctx, "back", chromedp.Navigate(pickerURL), chromedp.WaitVisible(chromedp.CSS(`[data-testid="files"]`)))
	if !keyTo(t, ctx, "\t", `input[name="path"]`, 60) {
		t.Fatalf("Tab never reached a file")
	}
	if !keyTo(t, ctx, kb.ArrowDown, `input[name="path"][value="/Photos/lecture notes.pdf"]`, 5) {
		t.Fatalf("the arrow keys never reached the PDF")
	}
	bt.Do(t, ctx, "choose it", chromedp.KeyEvent(" "))
	if !keyTo(t, ctx, "\t", `[data-testid="pick"]`, 20) {
		t.Fatalf("Tab never reached Add")
	}
	if d, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.activeElement.disabled`)); d {
		t.Fatalf("Add still disabled after choosing a file")
	}
	bt.Do(t, ctx, "add it", chromedp.KeyEvent("\r"), waitLocation("/return?pick="))
	body := bt.Text(t, ctx, "body")
	res, err := f.h.Repo.PickResult(context.Background(), "student", strings.TrimPrefix(body, "returned "))
	if err != nil || len(res.Files) != 1 || res.Files[0].Name != "lecture notes.pdf" {
		t.Fatalf("host received %+v, %v", res, err)
	}
	if p := console.Problems(); len(p) > 0 {
		t.Errorf("console: %v", p)
	}
}

// keyTo presses key until the focused element matches sel, at most n times.
func keyTo(t *testing.T, ctx context.Context, key, sel string, n int) bool {
	t.Helper()
	for range n {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.activeElement && document.activeElement.matches(`+jsString(sel)+`)`))
		if err != nil {
			t.Fatalf("focus check: %v", err)
		}
		if ok {
			return true
		}
		bt.Do(t, ctx, "press a key", chromedp.KeyEvent(key))
	}
	return false
}
