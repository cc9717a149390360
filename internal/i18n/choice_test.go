package i18n

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// chosenAfresh is the language For chooses, worked out from scratch: a matcher of its own, nothing remembered.
func chosenAfresh(c *Catalog, lang, accept string) string {
	if lang == Pseudo {
		return Pseudo
	}
	var wanted []language.Tag
	if t, err := language.Parse(lang); lang != "" && err == nil {
		wanted = append(wanted, t)
	}
	if tags, _, err := language.ParseAcceptLanguage(accept); err == nil {
		wanted = append(wanted, tags...)
	}
	if len(wanted) > 0 {
		tags := c.Languages()
		if _, i, conf := language.NewMatcher(tags).Match(wanted...); conf != language.No {
			return tags[i].String()
		}
	}
	return "en"
}

// TestChoiceAsBefore: For chooses the language a matcher of its own would for every pair of a host's choice and a
// browser's list, well-formed or not, the first time and from memory, and the Localizer speaks it.
func TestChoiceAsBefore(t *testing.T) {
	t.Parallel()
	c, err := New(fstest.MapFS{"nl.json": {Data: []byte(`{"layout.skip": "Naar de inhoud"}`)}})
	if err != nil {
		t.Fatal(err)
	}
	hosts := []string{"", "de", "fr-CA", "nl", "ar", "pt", "pt-BR", "pt-PT", "zz", "xx-invalid-@", Pseudo, "en-XA-x", "EN", "de_DE", "*"}
	accepts := []string{"", "de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7", "fr-CA", "es-MX", "ar-EG", "pt", "nl-BE,nl;q=0.9",
		"zz", "*", "en;q=0", "de;q=0.1,fr;q=0.9", "en-XA", ";;;", "de;q=x", "de-", "q=1", "en-GB,en;q=0.9", "zh-Hant-TW",
		"de-AT,,fr", "sr-Latn", "\x00", strings.Repeat("de,", 200) + "fr"}
	for round := range 2 {
		for _, host := range hosts {
			for _, accept := range accepts {
				l := c.For(host, accept, time.UTC)
				want := chosenAfresh(c, host, accept)
				if l.lang != want {
					t.Errorf("round %d: host %q accept %q: %q, want %q", round, host, accept, l.lang, want)
				}
				fresh := newSpeaker(c, language.MustParse(want))
				if got, w := l.T("layout.skip"), (&Localizer{speaker: fresh, zone: time.UTC}).T("layout.skip"); got != w {
					t.Errorf("host %q accept %q: T = %q, want %q", host, accept, got, w)
				}
				if l.Lang() != fresh.pageTag || l.Dir() != fresh.dir {
					t.Errorf("host %q accept %q: lang %q dir %q, want %q %q", host, accept, l.Lang(), l.Dir(), fresh.pageTag, fresh.dir)
				}
			}
		}
	}
}

// TestChoicesForgotten: however many different headers browsers send, For remembers a bounded number of them and
// keeps choosing right.
func TestChoicesForgotten(t *testing.T) {
	t.Parallel()
	c, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 * maxChoices {
		accept := fmt.Sprintf("de-x-n%d", i)
		if got := c.For("", accept, nil).Lang(); got != "de" {
			t.Fatalf("accept %q: %q", accept, got)
		}
		c.chosenMu.RLock()
		n := len(c.chosen)
		c.chosenMu.RUnlock()
		if n > maxChoices {
			t.Fatalf("%d choices remembered, at most %d", n, maxChoices)
		}
	}
	c.For("", strings.Repeat("de,", maxChoiceLen), nil)
	c.chosenMu.RLock()
	defer c.chosenMu.RUnlock()
	if _, ok := c.chosen[choice{"", strings.Repeat("de,", maxChoiceLen)}]; ok {
		t.Errorf("a header longer than %d bytes was remembered", maxChoiceLen)
	}
}

// TestConcurrentRequestsKeepTheirWords: requests in different languages and time zones at the same time, sharing
// what their language says, never see each other's words, numbers or zone.
func TestConcurrentRequestsKeepTheirWords(t *testing.T) {
	t.Parallel()
	c, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	at := time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)
	type want struct{ folder, size, big, when, small string }
	requests := []struct {
		host, accept string
		zone         *time.Location
		want
	}{
		{"", "de-DE,de;q=0.9", berlin, want{"", "2 Bytes", "1,5 MB", "1. Jan. 2027, 00:30 CET", ""}},
		{"", "de-DE,de;q=0.9", time.UTC, want{"", "2 Bytes", "1,5 MB", "31. Dez. 2026, 23:30 UTC", ""}},
		{"ar", "de", time.UTC, want{"", "بايتان", "١٫٥ ميغابايت", "", ""}},
		{"", "en-US", berlin, want{"", "2 bytes", "1.5 MB", "Jan 1, 2027, 00:30 CET", ""}},
		{Pseudo, "", time.UTC, want{"", "⟦2 bytés⟧", "⟦1.5 MB⟧", "", ""}},
	}
	// What each says alone, from a catalog of its own.
	for i, r := range requests {
		l := must(New(nil)).For(r.host, r.accept, r.zone)
		w := want{l.T("picker.folder"), l.Size(2), l.Size(1536 << 10), l.Time(at), smallSizes(l, 0)}
		if r.size != w.size || r.big != w.big || (r.when != "" && r.when != w.when) {
			t.Fatalf("%s/%s: says %q, the test expects %q", r.host, r.accept, []string{w.size, w.big, w.when}, []string{r.size, r.big, r.when})
		}
		requests[i].want = w
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				r := requests[(g+i)%len(requests)]
				l := c.For(r.host, r.accept, r.zone)
				for j := range 3 {
					got := want{l.T("picker.folder"), l.Size(2), l.Size(1536 << 10), l.Time(at.Add(time.Duration(j%2) * time.Hour).Add(-time.Duration(j%2) * time.Hour)), smallSizes(l, g+i+j)}
					if got != r.want {
						t.Errorf("%s/%s in %s: %.200q, want %.200q", r.host, r.accept, r.zone, got, r.want)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// smallSizes says every size under a kilobyte, starting at a different one each time, and lists them in order.
func smallSizes(l *Localizer, from int) string {
	said := make([]string, 1024)
	for i := range 1024 {
		n := (from*37 + i) % 1024
		said[n] = l.Size(int64(n))
	}
	return strings.Join(said, "|")
}

func must(c *Catalog, err error) *Catalog {
	if err != nil {
		panic(err)
	}
	return c
}

// TestSizesAsXText: a size over a kilobyte reads as x/text writes its number, in every language the catalog has
// and the pseudo-locale, for sizes from a kilobyte to a few megabytes and many more beyond, ties and tenths rounding up to a thousand included.
func TestSizesAsXText(t *testing.T) {
	t.Parallel()
	c, err := New(fstest.MapFS{"nl.json": {Data: []byte(`{"size.kb": "{{.N}} kB"}`)}})
	if err != nil {
		t.Fatal(err)
	}
	sizes := []int64{1024, 1025, 1075, 1076, 1126, 1127, 10188, 10189, 1023 * 1024, 1024*1024 - 52, 1024*1024 - 51, 1024*1024 - 1,
		1 << 20, 1<<30 - 1, 1 << 40, 1<<50 - 1, 1 << 50, 1<<62 + 12345}
	for n := int64(1024); n < 4<<20; n += 97 {
		sizes = append(sizes, n)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		sizes = append(sizes, rng.Int64N(1<<(10+rng.IntN(42))))
	}
	for _, tag := range append(c.Languages(), language.MustParse(Pseudo)) {
		l := c.For(tag.String(), "", time.UTC)
		p := message.NewPrinter(tag)
		if l.point == "" && tag != language.MustParse(Pseudo) {
			t.Errorf("%s: no decimal separator found, its sizes all go through x/text", tag)
		}
		for _, n := range sizes {
			if n < 1024 {
				continue
			}
			v, i := float64(n)/1024, 0
			for v >= 1024 && i < len(sizeUnits)-1 {
				v /= 1024
				i++
			}
			if got, want := l.decimal(v), p.Sprint(number.Decimal(v, number.MaxFractionDigits(1))); got != want {
				t.Fatalf("%s: Size(%d): number %q, x/text writes %q", tag, n, got, want)
			}
		}
		if got, want := l.Size(1536<<10), l.T("size.mb", "N", p.Sprint(number.Decimal(1.5, number.MaxFractionDigits(1)))); got != want {
			t.Errorf("%s: Size(1.5 MiB) = %q, want %q", tag, got, want)
		}
	}
	if got := c.For("nl", "", nil).Size(1075); got != "1 kB" {
		t.Errorf("nl: Size(1075) = %q", got)
	}
	if got := c.For("nl", "", nil).Size(1076); got != "1,1 kB" {
		t.Errorf("nl: Size(1076) = %q", got)
	}
	for _, v := range []float64{0.05, 0.15, 0.25, 1.25, 2.5, 999.94, 999.95, 999.96, 1000, 1023.99} {
		for _, lang := range []string{"en", "de", "ar"} {
			l := c.For(lang, "", nil)
			if got, want := l.decimal(v), l.printer.Sprint(number.Decimal(v, number.MaxFractionDigits(1))); got != want {
				t.Errorf("%s: %v: %q, x/text writes %q", lang, v, got, want)
			}
		}
	}
}

// TestFilledAsExecuted: every message of every language, the pseudo-locale and a host's catalog (its own plain
// messages, a conditional, other delimiters, a parameter said twice, plural forms) reads the same filled from a
// pattern as executed by go-i18n, with hostile values, with a parameter missing, with a value that is not a string
// and with a name given twice; the pattern is built once per language and message.
func TestFilledAsExecuted(t *testing.T) {
	t.Parallel()
	c, err := New(fstest.MapFS{
		"nl.json": {Data: []byte(`{"layout.skip": "Naar {{.Name}} en {{.Name}}", "picker.fetched": "{{if .Cloud}}bij {{.Cloud}}{{end}} om {{.Clock}}", "x.delims": {"other": "<<.Name>> en {{.Name}}", "leftDelim": "<<", "rightDelim": ">>"}, "x.plural": {"one": "{{.Name}} een", "other": "{{.Name}} meer"}, "x.trim": "a {{- .Name -}} b", "x.none": "niets"}`)},
		"de.json": {Data: []byte(`{"picker.page_of": "Seite {{.Page}} / {{.Pages}} {{ .Page }}"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	hostile := []string{`<script>"&' {{.Name}}`, "", "\x00٣ ü 日本<no value>"}
	ids := append(c.IDs(), "x.delims", "x.plural", "x.trim", "x.none", "no.such.id")
	for _, tag := range append(c.Languages(), language.MustParse(Pseudo)) {
		l := c.For(tag.String(), "", time.UTC)
		for _, id := range ids {
			names := append([]string{"Name", "Cloud"}, c.plain[saidKey{tag.String(), id}]...)
			names = append(names, c.plain[saidKey{"en", id}]...)
			for v, value := range hostile {
				var args []any
				for _, n := range names {
					args = append(args, n, value+n)
				}
				calls := [][]any{args}
				if v == 0 {
					calls = append(calls, args[2:], append(slices.Clone(args), "Name", 3), append(slices.Clone(args), "Name", "again"),
						[]any{"Name", value}, append(slices.Clone(args), "Count", 2))
				}
				for _, call := range calls {
					if got, want := l.T(id, call...), l.execute(id, call); got != want {
						t.Fatalf("%s: T(%q, %q) = %q, go-i18n says %q", tag, id, call, got, want)
					}
				}
			}
		}
	}
	if filled := c.plainPatterns.len(); filled < len(c.IDs()) {
		t.Errorf("%d messages filled from a pattern, fewer than the ids of one language", filled)
	}
	if _, ok := c.plain[saidKey{"nl", "picker.fetched"}]; ok {
		t.Errorf("a conditional message is filled from a pattern")
	}
	if names, ok := c.plain[saidKey{"de", "picker.page_of"}]; !ok || !slices.Equal(names, []string{"Page", "Pages"}) {
		t.Errorf("de picker.page_of: names %q, %v", names, ok)
	}
}
