package i18n

import (
	"fmt"
	"io/fs"
	"path"
	"testing"
)

// TestEveryMessageSaysEveryCount: every message with plural forms, in every shipped language, comes out for
// counts 0 to 111 (each plural form the language's rules choose has its words); a form missing in a catalog would
// show the message id.
func TestEveryMessageSaysEveryCount(t *testing.T) {
	t.Parallel()
	c, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	areas, err := fs.Glob(shipped, "locales/*")
	if err != nil {
		t.Fatal(err)
	}
	var plural []string
	for _, area := range areas {
		en, err := messagesIn(shipped, path.Join(area, "en.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range en {
			if m.One != "" {
				plural = append(plural, m.ID)
			}
		}
	}
	if len(plural) < 10 {
		t.Fatalf("only %d messages with plural forms", len(plural))
	}
	for _, lang := range []string{"en", "de", "fr", "es", "pt-BR", "ar"} {
		l := c.For(lang, "", nil)
		for _, id := range plural {
			for _, n := range []int{0, 1, 2, 3, 11, 100, 101, 111} {
				if got := l.T(id, "Count", n, "N", fmt.Sprint(n)); got == id {
					t.Errorf("%s: %s has no words for count %d", lang, id, n)
					break
				}
			}
		}
	}
}
