package service

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestCompareLowerIsComparingLoweredStrings holds compareLower to what it replaces, comparing the strings.ToLower
// of both names, on names that lower to other widths (the Kelvin sign, İ), invalid UTF-8, prefixes, and random
// names drawn from a mixed alphabet.
func TestCompareLowerIsComparingLoweredStrings(t *testing.T) {
	t.Parallel()
	names := []string{"", "a", "A", "ab", "aB", "Ab", "b", "B", "a b", "a.txt", "A.TXT", "a_", "a-", "Z", "z", "~",
		"\u212a", "k", "K", "\u0130", "i", "I", "\u00df", "SS", "ss", "\u00c9t\u00e9", "\u00e9t\u00e9", "\xff", "\xfe",
		"a\xffb", "a\xc3", "a\xc3\xa9", "a\xc3\x89", "\xc3", "\xed\xa0\x80", "\ufffd", "\u03a3", "\u03c3", "\u03c2",
		"\U0001F600", "\u00d6l", "ol",
		"\u0410", "\u0430", "\u1e9e", "Report 2024.pdf", "report 2024.PDF", "report 2024.pdf "}
	want := func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }
	for _, a := range names {
		for _, b := range names {
			if got, w := compareLower(a, b), want(a, b); got != w {
				t.Errorf("compareLower(%q, %q) = %d, want %d", a, b, got, w)
			}
		}
	}
	alphabet := []string{"a", "A", "z", "Z", " ", ".", "\u00e9", "\u00c9", "\u212a", "k", "\u0130", "\xff", "\xc3",
		"\u03a3", "\u03c3", "\U0001F600", "0", "9"}
	r := rand.New(rand.NewPCG(15, 4))
	name := func() string {
		var sb strings.Builder
		for range r.IntN(6) {
			sb.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		return sb.String()
	}
	for range 20000 {
		a, b := name(), name()
		if got, w := compareLower(a, b), want(a, b); got != w {
			t.Fatalf("compareLower(%q, %q) = %d, want %d", a, b, got, w)
		}
	}
}
