package admin_test

import (
	"path/filepath"
	"regexp"
	"testing"

	"github.com/ocrepo/ocrepo/internal/i18n"
	"github.com/ocrepo/ocrepo/internal/i18n/i18ntest"
)

// TestAdminMessagesInTheCatalog: every message id the admin handlers and templates name is in the English catalog,
// those of failures too rare for the pseudo-locale test to reach included.
func TestAdminMessagesInTheCatalog(t *testing.T) {
	t.Parallel()
	cat, err := i18n.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, id := range cat.IDs() {
		known[id] = true
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	templ, err := filepath.Glob(filepath.Join("..", "templates", "admin_*.templ"))
	if err != nil {
		t.Fatal(err)
	}
	missing, found, err := i18ntest.SourceIDs{
		IDs: regexp.MustCompile(`(?:env\.T\(c, |T\(ctx, |notFound\(c, |failed\(c, )"([a-z_.]+)"[,)]`),
	}.Missing(append(files, templ...), func(id string) bool { return known[id] })
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range missing {
		t.Errorf("%s, which the English catalog lacks", m)
	}
	if found < 300 {
		t.Fatalf("only %d message ids found in the admin pages", found)
	}
}
