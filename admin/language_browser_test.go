package admin_test

import (
	"fmt"
	"net/http"
	"strings"
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
		browsertest.ViewportShot(t, ctx, "admin-lang", "issuers-"+tc.lang)
		browsertest.Axe(t, ctx, "admin in "+tc.lang)
	}
}

// TestConnectionCheckInGermanAndArabicInBrowser: the connection check's result, run with htmx on a cloud server
// whose system account is connected and whose preset does not match the product (a passed and a warned probe),
// in German and in Arabic: lang and dir on the page, the check's words from the catalog, the layout mirrored in
// Arabic (a probe's state badge right of its title), nothing wider than the window, and no axe-core violations.
// Screenshots: out/screenshots/admin-lang/check-<lang>.png and the check's section alone, check-section-<lang>.png.
func TestConnectionCheckInGermanAndArabicInBrowser(t *testing.T) {
	b := browsertest.New(t)
	for _, tc := range []struct{ lang, dir, heading, state string }{
		{"de", "ltr", "Verbindungsprüfung", "Bestanden"},
		{"ar", "rtl", "فحص الاتصال", "نجح"},
	} {
		s := newSite(t, repositorytest.Options{Config: func(c *repository.Config) {
			c.Language = repository.LanguagesFunc(func(*http.Request) string { return tc.lang })
		}})
		iss := s.h.AddIssuer(t, "Campus cloud")
		s.h.ConnectSystem(t, iss.ID)
		stored, err := s.h.Store.GetIssuer(t.Context(), iss.ID)
		if err != nil {
			t.Fatal(err)
		}
		stored.Preset = "owncloud" // a warning: the endpoints follow another product's preset
		if _, err := s.h.Store.UpdateIssuer(t.Context(), stored); err != nil {
			t.Fatal(err)
		}
		ctx := b.As(s.h, "admin")
		browsertest.Do(t, ctx, "run the check in "+tc.lang,
			chromedp.Navigate(fmt.Sprintf("%s%s/admin/issuers/%d", s.h.URL, mount, iss.ID)),
			chromedp.WaitVisible(testid("check-button")),
			chromedp.Click(testid("check-button")),
			chromedp.WaitVisible(testid("check-title")),
		)
		type view struct {
			Lang, Dir, Heading, State, Title string
			Warned                           bool
			Mirrored                         bool
			Overflow                         bool
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[view](`(() => {
			const item = document.querySelector('[data-testid="check-status"]');
			const badge = item.querySelector('[data-testid="check-state"]').getBoundingClientRect();
			const title = item.querySelector('.check-head strong').getBoundingClientRect();
			return {
				Lang: document.documentElement.lang,
				Dir: getComputedStyle(document.body).direction,
				Heading: document.getElementById('check-heading').textContent,
				State: document.querySelector('[data-testid="check-token_endpoint"] [data-testid="check-state"]').textContent,
				Title: document.querySelector('[data-testid="check-title"]').textContent.trim(),
				Warned: item.dataset.state === 'warning',
				Mirrored: badge.left > title.left,
				Overflow: document.documentElement.scrollWidth > document.documentElement.clientWidth,
			};
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		if got.Lang != tc.lang || got.Dir != tc.dir || got.Heading != tc.heading || got.State != tc.state {
			t.Errorf("%s: lang %q direction %q heading %q token state %q", tc.lang, got.Lang, got.Dir, got.Heading, got.State)
		}
		if !got.Warned || strings.ContainsAny(got.Title, "abcdefghijklmnopqrstuvwxyz") && tc.lang == "ar" {
			t.Errorf("%s: status probe warned %v, title %q", tc.lang, got.Warned, got.Title)
		}
		if got.Mirrored != (tc.dir == "rtl") {
			t.Errorf("%s: a probe's badge is on the wrong side of its title (right of it: %v)", tc.lang, got.Mirrored)
		}
		if got.Overflow {
			t.Errorf("%s: the check page is wider than the window", tc.lang)
		}
		browsertest.Shot(t, ctx, "admin-lang", "check-"+tc.lang)
		browsertest.ElementShot(t, ctx, "admin-lang", "check-section-"+tc.lang, `section[aria-labelledby="check-heading"]`)
		browsertest.Axe(t, ctx, "connection check in "+tc.lang)
	}
}
