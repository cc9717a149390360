// Package i18ntest finds words on a rendered page that did not come from a message catalog: rendered in the
// pseudo-locale (en-XA), every catalog message is wrapped in ⟦ ⟧, so whatever text is left outside those marks,
// once the test's own data is taken out, was written somewhere else.
package i18ntest

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/ocrepo/ocrepo/internal/i18n"
)

// pseudoMessage matches one message rendered in the pseudo-locale.
var pseudoMessage = regexp.MustCompile(`⟦[^⟦⟧]*⟧`)

// readAttrs are the attributes people read or hear: they are words too.
var readAttrs = []string{"aria-label", "title", "placeholder", "alt", "data-announce"}

// WithoutMessages is s with its pseudo-locale messages taken out, messages inside messages included.
func WithoutMessages(s string) string {
	for {
		r := pseudoMessage.ReplaceAllString(s, "")
		if r == s {
			return r
		}
		s = r
	}
}

// neutral are the characters a page may show outside any message: space, punctuation, digits (counts and
// dates come formatted by the Localizer, numbers of no language), arrows.
const neutral = " \t\n\u00a0–-—·:;.,()[]←→›|/%…<>0123456789"

// LeftInEnglish lists the text nodes and read attributes of an HTML page or fragment that hold words that are
// neither pseudo-locale messages nor data (the test's own data: names, URLs, user ids). Elements matching skip
// (a CSS selector, "" for none) are left out: parts whose words are not the page's to translate.
func LeftInEnglish(body, skip string, data ...string) ([]string, error) {
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("i18ntest: parse: %w", err)
	}
	if skip != "" {
		doc.Find(skip).Remove()
	}
	// Longer data first, so that "old report.pdf" goes before "report.pdf" would cut it.
	sorted := slices.Clone(data)
	slices.SortFunc(sorted, func(a, b string) int { return len(b) - len(a) })
	rest := func(s string) string {
		s = WithoutMessages(s)
		for _, d := range sorted {
			if d != "" {
				s = strings.ReplaceAll(s, d, "")
			}
		}
		return strings.Trim(s, neutral)
	}
	var bad []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style") {
			return
		}
		if n.Type == html.TextNode && rest(n.Data) != "" {
			bad = append(bad, strings.TrimSpace(n.Data))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range doc.Nodes {
		walk(n)
	}
	doc.Find("[" + strings.Join(readAttrs, "],[") + "]").Each(func(_ int, s *goquery.Selection) {
		for _, a := range readAttrs {
			if v, ok := s.Attr(a); ok && rest(v) != "" {
				bad = append(bad, a+"="+v)
			}
		}
	})
	return bad, nil
}

// SourceIDs finds the message ids code names, so that a test can hold them to the English catalog: an id
// misspelt in code would otherwise show as the raw id on a page nobody rendered in the tests.
type SourceIDs struct {
	// IDs matches a message named in code; its first group is the id.
	IDs *regexp.Regexp
	// Codes matches a problem code (nil: none); its first group is the code, whose CodePrefix+code+".title" and
	// ".detail" messages must exist.
	Codes      *regexp.Regexp
	CodePrefix string
}

// Missing reads files (test files are left out) and returns what they name that known lacks, and how many
// names it found (a test asserts a floor, so a pattern that stopped matching does not pass unseen).
func (s SourceIDs) Missing(files []string, known func(id string) bool) (missing []string, found int, err error) {
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, 0, err
		}
		for _, m := range s.IDs.FindAllStringSubmatch(string(src), -1) {
			found++
			if !known(m[1]) {
				missing = append(missing, fmt.Sprintf("%s names %q", f, m[1]))
			}
		}
		if s.Codes == nil {
			continue
		}
		for _, m := range s.Codes.FindAllStringSubmatch(string(src), -1) {
			found++
			for _, part := range []string{".title", ".detail"} {
				if id := s.CodePrefix + m[1] + part; !known(id) {
					missing = append(missing, fmt.Sprintf("%s: problem %q lacks %q", f, m[1], id))
				}
			}
		}
	}
	return missing, found, nil
}

// Check fails t for every id files name that the shipped English catalog lacks, and when fewer than floor names
// were found in them (where says whose code they are).
func (s SourceIDs) Check(t testing.TB, files []string, floor int, where string) {
	t.Helper()
	cat, err := i18n.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, id := range cat.IDs() {
		known[id] = true
	}
	missing, found, err := s.Missing(files, func(id string) bool { return known[id] })
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range missing {
		t.Errorf("%s, which the English catalog lacks", m)
	}
	if found < floor {
		t.Fatalf("only %d message ids found in %s", found, where)
	}
}
