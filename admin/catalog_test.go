package admin_test

import (
	"path/filepath"
	"regexp"
	"testing"

	"github.com/ocrepo/ocrepo/internal/i18n/i18ntest"
)

// TestAdminMessagesInTheCatalog: every message id the admin handlers and templates name is in the English catalog,
// those of failures too rare for the pseudo-locale test to reach included.
func TestAdminMessagesInTheCatalog(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	templ, err := filepath.Glob(filepath.Join("..", "templates", "admin_*.templ"))
	if err != nil {
		t.Fatal(err)
	}
	i18ntest.SourceIDs{
		IDs: regexp.MustCompile(`(?:env\.T\(c, |T\(ctx, |notFound\(c, |failed\(c, )"([a-z_.]+)"[,)]`),
	}.Check(t, append(files, templ...), 300, "the admin pages")
}
