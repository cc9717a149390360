package i18n

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
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

// TestCommandsAndSettingsKeptInEveryLanguage: what an admin copies from a message (the `code` between backticks:
// Apache settings, occ commands) and its parameters ({{.Name}}) are the same in every language as in English,
// and the connection check's advice names them.
func TestCommandsAndSettingsKeptInEveryLanguage(t *testing.T) {
	t.Parallel()
	areas, err := fs.Glob(shipped, "locales/*")
	if err != nil {
		t.Fatal(err)
	}
	code := regexp.MustCompile("`[^`]*`")
	param := regexp.MustCompile(`\{\{\.[A-Za-z]+\}\}`)
	forms := func(m *goi18n.Message) []string {
		var out []string
		for _, f := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
			if f != "" {
				out = append(out, f)
			}
		}
		return out
	}
	set := func(re *regexp.Regexp, texts []string) []string {
		seen := map[string]bool{}
		for _, s := range texts {
			for _, m := range re.FindAllString(s, -1) {
				seen[m] = true
			}
		}
		out := make([]string, 0, len(seen))
		for m := range seen {
			out = append(out, m)
		}
		slices.Sort(out)
		return out
	}
	english := map[string][]string{}
	for _, area := range areas {
		files, err := fs.Glob(shipped, path.Join(area, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		en, err := messagesIn(shipped, path.Join(area, "en.json"))
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]*goi18n.Message{}
		for _, m := range en {
			byID[m.ID] = m
			english[m.ID] = forms(m)
		}
		for _, f := range files {
			msgs, err := messagesIn(shipped, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				want, ok := byID[m.ID]
				if !ok {
					continue // TestEveryCatalogMatchesEnglish reports it
				}
				if got, exp := set(code, forms(m)), set(code, forms(want)); !slices.Equal(got, exp) {
					t.Errorf("%s: %s: code %q, English has %q", f, m.ID, got, exp)
				}
				// A plural form may leave the count out ("one link"); every other parameter stays.
				drop := func(ps []string) []string {
					return slices.DeleteFunc(ps, func(p string) bool { return p == "{{.N}}" || p == "{{.Count}}" })
				}
				if got, exp := drop(set(param, forms(m))), drop(set(param, forms(want))); !slices.Equal(got, exp) {
					t.Errorf("%s: %s: parameters %q, English has %q", f, m.ID, got, exp)
				}
			}
		}
	}
	for id, want := range map[string][]string{
		"check.fix.auth_stripped": {"`SetEnvIf Authorization \"(.*)\" HTTP_AUTHORIZATION=$1`", "`CGIPassAuth On`"},
		"check.fix.throttled":     {"`occ security:bruteforce:attempts <ip>`", "`occ security:bruteforce:reset <ip>`"},
	} {
		for _, w := range want {
			if !strings.Contains(strings.Join(english[id], " "), w) {
				t.Errorf("%s lacks %s", id, w)
			}
		}
	}
}
