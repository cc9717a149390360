package picker_test

import (
	"path/filepath"
	"regexp"
	"testing"

	"github.com/ocrepo/ocrepo/internal/i18n/i18ntest"
)

// TestPickerMessagesInTheCatalog: every message id the picker's handlers and templates name, and every problem
// code they answer with (words: picker.problem.<code>.title and .detail), is in the English catalog, failures too rare for the
// pseudo-locale test to reach (a store that cannot be read, a logout that fails) included.
func TestPickerMessagesInTheCatalog(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, filepath.Join("..", "templates", "picker.templ"), filepath.Join("..", "templates", "layout.templ"))
	i18ntest.SourceIDs{
		IDs:        regexp.MustCompile(`(?:s\.t\(|env\.T\(c, |T\(ctx, )"([a-z_.]+)"[,)]`),
		Codes:      regexp.MustCompile(`failWith\(c, [a-zA-Z.]+, "([a-z_]+)"\)`),
		CodePrefix: "picker.problem.",
	}.Check(t, files, 80, "the picker")
}
