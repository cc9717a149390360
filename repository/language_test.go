package repository_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/PuerkitoBio/goquery"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
)

// TestHostLanguageAndCatalog: the host's Language hook picks the language of ocrepo's pages, and a catalog the
// host embeds adds a language ocrepo does not ship.
func TestHostLanguageAndCatalog(t *testing.T) {
	t.Parallel()
	h := repositorytest.New(t, repositorytest.Options{Config: func(c *repository.Config) {
		c.HomeURL, c.HomeName = "/", "Test LMS"
		c.Messages = fstest.MapFS{"nl.json": {Data: []byte(`{"layout.back": "Terug naar {{.Name}}"}`)}}
		// The LMS's profile setting, here carried in a header of the test's own.
		c.Language = repository.LanguagesFunc(func(r *http.Request) string { return r.Header.Get("X-Lms-Lang") })
	}})
	for _, tc := range []struct{ hook, accept, html, back string }{
		{"nl", "de", `<html lang="nl" dir="ltr">`, "Terug naar Test LMS"},
		{"", "de-CH,de;q=0.9", `<html lang="de" dir="ltr">`, "Zurück zu Test LMS"},
		{"ar", "", `<html lang="ar" dir="rtl">`, "العودة إلى Test LMS"},
		{"", "", `<html lang="en" dir="ltr">`, "Back to Test LMS"},
	} {
		_, page, _ := h.Client("admin").Get(t, repositorytest.Mount+"/admin/issuers", "X-Lms-Lang", tc.hook, "Accept-Language", tc.accept)
		if !strings.Contains(page, tc.html) || !strings.Contains(page, tc.back) {
			t.Errorf("hook %q accept %q: want %s and %q:\n%.400s", tc.hook, tc.accept, tc.html, tc.back, page)
		}
	}
}

// TestBadHostCatalogIsAConfigError: a host catalog that does not parse stops New with a ConfigError on Messages.
func TestBadHostCatalogIsAConfigError(t *testing.T) {
	t.Parallel()
	cfg := repository.Config{SecretKey: make([]byte, 32), PublicURL: "https://lms.example.org/cloud",
		Messages: fstest.MapFS{"de.json": {Data: []byte(`{"layout.back": `)}}}
	cfg.Users = host.UsersFunc(func(*http.Request) (host.User, error) { return host.User{}, host.ErrNotSignedIn })
	cfg.Admins = host.AdminsFunc(func(context.Context, host.User) (bool, error) { return false, nil })
	cfg.Files = host.FileSinkFunc(func(context.Context, host.FileInfo, io.Reader) (string, error) { return "", nil })
	_, err := repository.New(cfg)
	var ce *repository.ConfigError
	if !errors.As(err, &ce) || ce.Field != "Messages" {
		t.Fatalf("New = %v, want a ConfigError on Messages", err)
	}
}

// TestAdminFrameFromTheCatalog: the admin navigation and the notice after a redirect come from the catalog (the
// pseudo-locale en-XA wraps every message in ⟦ ⟧), and an unknown notice code shows nothing.
func TestAdminFrameFromTheCatalog(t *testing.T) {
	t.Parallel()
	h := repositorytest.New(t, repositorytest.Options{Config: func(c *repository.Config) {
		c.Language = repository.LanguagesFunc(func(*http.Request) string { return "en-XA" })
	}})
	_, page, _ := h.Client("admin").Get(t, repositorytest.Mount+"/admin/issuers?notice=issuer_saved")
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	nav := doc.Find(`[data-testid="admin-nav"]`)
	if l, _ := nav.Attr("aria-label"); !strings.HasPrefix(l, "⟦") {
		t.Errorf("navigation label %q", l)
	}
	if n := nav.Find("a").Length(); n != 5 {
		t.Fatalf("%d navigation entries", n)
	}
	nav.Find("a").Each(func(_ int, a *goquery.Selection) {
		if txt := a.Text(); !strings.HasPrefix(txt, "⟦") || !strings.HasSuffix(txt, "⟧") {
			t.Errorf("navigation entry %q is not from the catalog", txt)
		}
	})
	if txt := strings.TrimSpace(doc.Find(`[data-testid="notice"] .alert-title`).Text()); txt != "⟦Cháñgés sávéd.⟧" {
		t.Errorf("notice %q", txt)
	}
	_, page, _ = h.Client("admin").Get(t, repositorytest.Mount+"/admin/issuers?notice=%3Cb%3Ehi")
	if strings.Contains(page, `data-testid="notice"`) {
		t.Error("an unknown notice code was shown")
	}
}
