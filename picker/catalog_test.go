package picker_test

import (
	"path/filepath"
	"regexp"
	"testing"

	"github.com/ocrepo/ocrepo/internal/i18n"
	"github.com/ocrepo/ocrepo/internal/i18n/i18ntest"
)

// TestPickerMessagesInTheCatalog: every message id the picker's handlers and templates name, and every problem
// code they answer with (words: picker.problem.<code>.title and .detail), is in the English catalog, failures too rare for the
// pseudo-locale test to reach (a store that cannot be read, a logout that fails) included.
func TestPickerMessagesInTheCatalog(t *testing.T) {
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
	files = append(files, filepath.Join("..", "templates", "picker.templ"), filepath.Join("..", "templates", "layout.templ"))
	missing, found, err := i18ntest.SourceIDs{
		IDs:        regexp.MustCompile(`(?:s\.t\(|env\.T\(c, |T\(ctx, )"([a-z_.]+)"[,)]`),
		Codes:      regexp.MustCompile(`failWith\(c, [a-zA-Z.]+, "([a-z_]+)"\)`),
		CodePrefix: "picker.problem.",
	}.Missing(files, func(id string) bool { return known[id] })
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range missing {
		t.Errorf("%s, which the English catalog lacks", m)
	}
	if found < 80 {
		t.Fatalf("only %d message ids found in the picker", found)
	}
}
