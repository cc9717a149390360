package admin_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/repository/repositorytest/browsertest"
)

// TestAdminPagesAt400px: at 400 px every admin page fits the window (wide tables scroll inside their own,
// keyboard-reachable region), and axe-core finds no WCAG A/AA violation on any of them.
func TestAdminPagesAt400px(t *testing.T) {
	t.Parallel()
	b := browsertest.New(t)
	s := newSite(t, repositorytest.Options{})
	iss := s.h.AddIssuer(t, "Campus cloud with a rather long name")
	inst := s.h.AddInstance(t, iss.ID, "Course files", host.ReturnImport|host.ReturnLink, host.ReturnImport)
	s.h.ConnectSystem(t, iss.ID)
	ctx := b.As(s.h, "admin")
	pages := []string{
		"/admin/issuers",
		"/admin/issuers/new",
		fmt.Sprintf("/admin/issuers/%d", iss.ID),
		fmt.Sprintf("/admin/issuers/%d/delete", iss.ID),
		"/admin/instances",
		"/admin/instances/new",
		fmt.Sprintf("/admin/instances/%d", inst.ID),
		"/admin/links",
		"/admin/audit",
	}
	for _, width := range []int64{400, 1280} {
		browsertest.Do(t, ctx, "window size", chromedp.EmulateViewport(width, 900))
		for _, p := range pages {
			browsertest.Do(t, ctx, "open "+p, chromedp.Navigate(s.h.URL+mount+p), chromedp.WaitVisible(chromedp.CSS("main")))
			over, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
			if err != nil || over > 0 {
				t.Errorf("%s at %d px: the page is %d px wider than the window (%v)", p, width, over, err)
			}
			if width == 400 {
				browsertest.Axe(t, ctx, p+" at 400 px")
			}
		}
	}
	browsertest.Do(t, ctx, "narrow list", chromedp.EmulateViewport(400, 900), chromedp.Navigate(s.h.URL+mount+"/admin/issuers"), chromedp.WaitVisible(chromedp.CSS("main")))
	browsertest.Shot(t, ctx, "admin", "20-issuers-400px")
}
