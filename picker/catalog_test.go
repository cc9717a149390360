package picker_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/internal/i18n"
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
	ids := regexp.MustCompile(`(?:s\.t\(|env\.T\(c, |T\(ctx, )"([a-z_.]+)"[,)]`)
	codes := regexp.MustCompile(`failWith\(c, [a-zA-Z.]+, "([a-z_]+)"\)`)
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ids.FindAllStringSubmatch(string(src), -1) {
			found++
			if !known[m[1]] {
				t.Errorf("%s names %q, which the English catalog lacks", f, m[1])
			}
		}
		for _, m := range codes.FindAllStringSubmatch(string(src), -1) {
			found++
			for _, part := range []string{".title", ".detail"} {
				if !known["picker.problem."+m[1]+part] {
					t.Errorf("%s: problem %q has no %s in the English catalog", f, m[1], part)
				}
			}
		}
	}
	if found < 80 {
		t.Fatalf("only %d message ids found in the picker", found)
	}
}
