package admin_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/repository/repositorytest/browsertest"
)

// TestAdminInGermanAndArabicInBrowser: the admin frame in German and in Arabic: lang and dir on the page, the
// navigation laid out right to left in Arabic (its first entry to the right of its last), nothing wider than the
// window, and no axe-core violations. Screenshots: out/screenshots/admin-lang/.
func TestAdminInGermanAndArabicInBrowser(t *testing.T) {
	b := browsertest.New(t)
	for _, tc := range []struct{ lang, dir, nav string }{
		{"de", "ltr", "Cloud-Server"},
		{"ar", "rtl", "خوادم السحابة"},
	} {
		s := newSite(t, repositorytest.Options{Config: func(c *repository.Config) {
			c.Language = repository.LanguagesFunc(func(*http.Request) string { return tc.lang })
		}})
		ctx := b.As(s.h, "admin")
		browsertest.Do(t, ctx, "open the admin in "+tc.lang,
			chromedp.Navigate(s.h.URL+mount+"/admin/issuers?notice=issuer_saved"),
			chromedp.WaitVisible(testid("admin-nav")),
		)
		type frame struct {
			Lang, Dir, First string
			Mirrored         bool
			Overflow         bool
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[frame](`(() => {
			const links = document.querySelectorAll('[data-testid="admin-nav"] a');
			const first = links[0].getBoundingClientRect(), last = links[links.length - 1].getBoundingClientRect();
			return {
				Lang: document.documentElement.lang,
				Dir: getComputedStyle(document.body).direction,
				First: links[0].textContent,
				Mirrored: first.left > last.left,
				Overflow: document.documentElement.scrollWidth > document.documentElement.clientWidth,
			};
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		if got.Lang != tc.lang || got.Dir != tc.dir || got.First != tc.nav {
			t.Errorf("%s: lang %q direction %q first entry %q", tc.lang, got.Lang, got.Dir, got.First)
		}
		if got.Mirrored != (tc.dir == "rtl") {
			t.Errorf("%s: navigation runs the wrong way (first entry right of the last: %v)", tc.lang, got.Mirrored)
		}
		if got.Overflow {
			t.Errorf("%s: the page is wider than the window", tc.lang)
		}
		// A viewport screenshot: Chrome's beyond-the-viewport capture shifts right-to-left pages sideways.
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join("..", "out", "screenshots", "admin-lang")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "issuers-"+tc.lang+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
		browsertest.Axe(t, ctx, "admin in "+tc.lang)
	}
}
