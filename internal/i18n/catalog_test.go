package i18n

import (
	"errors"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"testing"
	"testing/fstest"
	"time"
)

// TestEveryCatalogMatchesEnglish: each shipped catalog has every message English has and none English no longer
// has.
func TestEveryCatalogMatchesEnglish(t *testing.T) {
	t.Parallel()
	areas, err := fs.Glob(shipped, "locales/*")
	if err != nil || len(areas) == 0 {
		t.Fatalf("no shipped catalogs: %v", err)
	}
	langs := map[string]int{}
	for _, area := range areas {
		en, err := messagesIn(shipped, path.Join(area, "en.json"))
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, m := range en {
			want = append(want, m.ID)
		}
		files, err := fs.Glob(shipped, path.Join(area, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			langs[path.Base(f)]++
			missing, stale, err := Mismatch(shipped, f, want)
			if err != nil {
				t.Fatal(err)
			}
			if len(missing) > 0 || len(stale) > 0 {
				t.Errorf("%s: lacks %q; has ids English no longer has: %q", f, missing, stale)
			}
		}
	}
	// Every language has a file in every area.
	for lang, n := range langs {
		if n != len(areas) {
			t.Errorf("%s is in %d of the %d areas", lang, n, len(areas))
		}
	}
}

// TestMismatchFindsMissingAndStale: the comparison behind the test above sees both kinds of drift.
func TestMismatchFindsMissingAndStale(t *testing.T) {
	t.Parallel()
	c, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := c.IDs()
	body := "{"
	for _, id := range ids[1:] {
		body += `"` + id + `": "x",`
	}
	body += `"gone.message": "x"}`
	fsys := fstest.MapFS{"xx.json": {Data: []byte(body)}}
	missing, stale, err := Mismatch(fsys, "xx.json", ids)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(missing, []string{ids[0]}) || !slices.Equal(stale, []string{"gone.message"}) {
		t.Fatalf("missing %q stale %q; want [%q] [gone.message]", missing, stale, ids[0])
	}
}

// TestLanguageChoice: the host's choice wins, then Accept-Language, then English; unknown languages fall back.
func TestLanguageChoice(t *testing.T) {
	t.Parallel()
	extra := fstest.MapFS{
		"nl.json": {Data: []byte(`{"layout.skip": "Naar de inhoud"}`)},
		"en.json": {Data: []byte(`{"layout.site": "Lakeside"}`)},
	}
	c, err := New(extra)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ host, accept, lang, skip string }{
		{"", "", "en", "Skip to main content"},
		{"nl", "en", "nl", "Naar de inhoud"},
		{"", "nl-BE,nl;q=0.9,en;q=0.5", "nl", "Naar de inhoud"},
		{"", "zz", "en", "Skip to main content"},
		{"xx-invalid-@", "nl", "nl", "Naar de inhoud"},
	} {
		l := c.For(tc.host, tc.accept, time.UTC)
		if got := l.T("layout.skip"); got != tc.skip {
			t.Errorf("host %q accept %q: %q, want %q", tc.host, tc.accept, got, tc.skip)
		}
		if b := l.Lang(); b[:2] != tc.lang {
			t.Errorf("host %q accept %q: lang %q, want %q", tc.host, tc.accept, b, tc.lang)
		}
	}
	// The host's English file overrides one shipped word; a Dutch page falls back to it for messages Dutch lacks.
	if got := c.For("nl", "", nil).T("layout.site"); got != "Lakeside" {
		t.Errorf("override: %q", got)
	}
	if got := c.For("", "", nil).T("no.such.id"); got != "no.such.id" {
		t.Errorf("unknown id: %q", got)
	}
}

// TestBadHostCatalog: a host catalog that does not parse is refused with ErrCatalog.
func TestBadHostCatalog(t *testing.T) {
	t.Parallel()
	_, err := New(fstest.MapFS{"de.json": {Data: []byte(`{"layout.skip": `)}})
	if !errors.Is(err, ErrCatalog) {
		t.Fatalf("err %v, want ErrCatalog", err)
	}
}

// TestPluralSizeAndTime: plural forms by the language's rule, sizes in its numbers, instants in the user's zone.
func TestPluralSizeAndTime(t *testing.T) {
	t.Parallel()
	c, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	en := c.For("en", "", time.UTC)
	if got := en.Size(1); got != "1 byte" {
		t.Errorf("Size(1) = %q", got)
	}
	if got := en.Size(2); got != "2 bytes" {
		t.Errorf("Size(2) = %q", got)
	}
	if got := en.Size(1536 * 1024); got != "1.5 MB" {
		t.Errorf("Size(1.5 MiB) = %q", got)
	}
	if got := en.Number(1234567); got != "1,234,567" {
		t.Errorf("Number = %q", got)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone database")
	}
	at := time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)
	if got := c.For("en", "", berlin).Time(at); got != "Jan 1, 2027, 00:30 CET" {
		t.Errorf("Time in Berlin = %q", got)
	}
	if got := en.Time(at); got != "Dec 31, 2026, 23:30 UTC" {
		t.Errorf("Time in UTC = %q", got)
	}
	if got := c.For("en", "", berlin).Clock(at.Add(15 * time.Second)); got != "00:30:15" {
		t.Errorf("Clock in Berlin = %q", got)
	}
	if got := c.For("ar", "", berlin).Clock(at); got != "٠٠:٣٠:٠٠" {
		t.Errorf("Clock in Arabic = %q", got)
	}
	for d, want := range map[time.Duration]string{time.Second: "a second", 90 * time.Second: "2 minutes",
		time.Hour: "an hour", 24 * time.Hour: "24 hours", 36 * time.Hour: "36 hours", 72 * time.Hour: "3 days"} {
		if got := en.Wait(d); got != want {
			t.Errorf("Wait(%v) = %q, want %q", d, got, want)
		}
	}
	if got := c.For("de", "", nil).Wait(90 * time.Second); got != "2 Minuten" {
		t.Errorf("German wait: %q", got)
	}
}

// TestPseudoLocale wraps and accents every message but keeps its parameters working.
func TestPseudoLocale(t *testing.T) {
	t.Parallel()
	c, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	l := c.For(Pseudo, "de", nil)
	if got := l.T("layout.back", "Name", "Lakeside"); got != "⟦Báçk tö Lakeside⟧" {
		t.Errorf("pseudo: %q", got)
	}
	if l.Lang() != "en" || l.Dir() != "ltr" {
		t.Errorf("pseudo lang %q dir %q", l.Lang(), l.Dir())
	}
}

// TestShippedLanguages: each shipped language is chosen for its users and speaks in its own plural rules and
// numbers.
func TestShippedLanguages(t *testing.T) {
	t.Parallel()
	c, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 5, 9, 7, 0, 0, time.UTC)
	for _, tc := range []struct {
		accept, lang, dir, one, two, size, number, time string
	}{
		{"de-AT,de;q=0.9", "de", "ltr", "1 Byte", "2 Bytes", "1,5 MB", "1.234.567", "5. März 2026, 09:07 UTC"},
		{"fr-CA", "fr", "ltr", "1 octet", "2 octets", "1,5 Mo", "1\u00a0234\u00a0567", "5 mars 2026, 09:07 UTC"},
		{"es-MX", "es", "ltr", "1 byte", "2 bytes", "1,5 MB", "1.234.567", "5 mar. 2026, 09:07 UTC"},
		{"pt-BR", "pt-BR", "ltr", "1 byte", "2 bytes", "1,5 MB", "1.234.567", "5 de mar. de 2026, 09:07 UTC"},
		{"ar-EG", "ar", "rtl", "بايت واحد", "بايتان", "١٫٥ ميغابايت", "١٬٢٣٤٬٥٦٧", "٥ مارس ٢٠٢٦، ٠٩:٠٧ UTC"},
	} {
		l := c.For("", tc.accept, time.UTC)
		if l.Lang() != tc.lang || l.Dir() != tc.dir {
			t.Errorf("%s: lang %q dir %q, want %q %q", tc.accept, l.Lang(), l.Dir(), tc.lang, tc.dir)
		}
		if got := l.Size(1); got != tc.one {
			t.Errorf("%s: Size(1) = %q, want %q", tc.accept, got, tc.one)
		}
		if got := l.Size(2); got != tc.two {
			t.Errorf("%s: Size(2) = %q, want %q", tc.accept, got, tc.two)
		}
		if got := l.Size(1536 * 1024); got != tc.size {
			t.Errorf("%s: Size(1.5 MiB) = %q, want %q", tc.accept, got, tc.size)
		}
		if got := l.Number(1234567); got != tc.number {
			t.Errorf("%s: Number = %q, want %q", tc.accept, got, tc.number)
		}
		if got := l.Time(at); got != tc.time {
			t.Errorf("%s: Time = %q, want %q", tc.accept, got, tc.time)
		}
	}
}

// TestFilledPatterns: a date or size translated once and filled in row after row reads exactly as the message
// executed each time would, in the host's overriding words too, a parameter used twice included; in the
// pseudo-locale it stays marked.
func TestFilledPatterns(t *testing.T) {
	t.Parallel()
	c, err := New(fstest.MapFS{"nl.json": {Data: []byte(`{"time.datetime": "{{.Day}} {{.Month}} {{.Year}} {{.Clock}} ({{.Zone}}, {{.Day}})", "time.month.3": "mrt", "size.mb": "{{.N}} MB"}`)}})
	if err != nil {
		t.Fatal(err)
	}
	nl := c.For("nl", "", time.UTC)
	for i, at := range []time.Time{time.Date(2026, 3, 5, 9, 7, 0, 0, time.UTC), time.Date(2026, 3, 28, 23, 59, 0, 0, time.UTC)} {
		want := []string{"5 mrt 2026 09:07 (UTC, 5)", "28 mrt 2026 23:59 (UTC, 28)"}[i]
		if got := nl.Time(at); got != want {
			t.Errorf("Time = %q, want %q", got, want)
		}
	}
	for n, want := range map[int64]string{3 << 20: "3 MB", 1536 << 10: "1,5 MB", 10 << 20: "10 MB"} {
		if got := nl.Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
	pseudo := c.For(Pseudo, "", time.UTC)
	if got := pseudo.Time(time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)); got != "⟦⟦Jáñ⟧ 2, 2026, 03:04 UTC⟧" {
		t.Errorf("pseudo Time = %q", got)
	}
	if got := pseudo.Size(2 << 20); got != "⟦2 MB⟧" {
		t.Errorf("pseudo Size = %q", got)
	}
}

// TestRememberedSizesAndTimes: a Localizer says a size under a kilobyte or an instant it said before exactly as a
// fresh one says it, in every shipped language and the pseudo-locale, whatever came in between (other sizes, other
// plural forms, other instants, the same second with other nanoseconds or in another zone), also when many rows
// of one request are said at once.
func TestRememberedSizesAndTimes(t *testing.T) {
	t.Parallel()
	c, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	at := time.Date(2026, 3, 28, 23, 59, 30, 0, time.UTC)
	times := []time.Time{at, at.Add(400 * time.Millisecond), at.Add(time.Second), at, at.In(berlin), at.Add(31 * time.Second),
		at.Add(time.Hour), at.Add(time.Hour), time.Unix(0, 0), at}
	sizes := []int64{1, 2, 1, 0, 1023, 2, 5, 1, 1024, 1, 11, 11, 21}
	for _, lang := range []string{"en", "de", "fr", "es", "pt-BR", "ar", Pseudo} {
		for _, zone := range []*time.Location{time.UTC, berlin} {
			l := c.For(lang, "", zone)
			for _, n := range sizes {
				if got, want := l.Size(n), c.For(lang, "", zone).Size(n); got != want {
					t.Errorf("%s: Size(%d) = %q, a fresh Localizer says %q", lang, n, got, want)
				}
			}
			for _, at := range times {
				if got, want := l.Time(at), c.For(lang, "", zone).Time(at); got != want {
					t.Errorf("%s %s: Time(%s) = %q, a fresh Localizer says %q", lang, zone, at, got, want)
				}
			}
			done := make(chan struct{})
			for g := range 4 {
				go func() {
					defer func() { done <- struct{}{} }()
					for i := range 20 {
						n, at := sizes[(g+i)%len(sizes)], times[(g*3+i)%len(times)]
						if got, want := l.Size(n), c.For(lang, "", zone).Size(n); got != want {
							t.Errorf("%s: concurrent Size(%d) = %q, want %q", lang, n, got, want)
						}
						if got, want := l.Time(at), c.For(lang, "", zone).Time(at); got != want {
							t.Errorf("%s: concurrent Time(%s) = %q, want %q", lang, at, got, want)
						}
					}
				}()
			}
			for range 4 {
				<-done
			}
		}
	}
}

// TestRememberedAcrossLocalizers: a message without parameters, and a date or size filled from a pattern, read the
// same from a catalog that has said them before (to other requests, in other languages, concurrently) as from a
// fresh catalog; a host's catalog keeps its own words; an id no catalog has is not remembered (the memo stays
// bounded by the catalog).
func TestRememberedAcrossLocalizers(t *testing.T) {
	t.Parallel()
	used, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	host, err := New(fstest.MapFS{"de.json": {Data: []byte(`{"picker.all_files": "Alles", "size.mb": "{{.N}} Megabyte"}`)}})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"picker.all_files", "picker.folder", "cloud.unnamed", "picker.submit.file", "time.month.3"}
	at := time.Date(2026, 3, 5, 9, 7, 0, 0, time.UTC)
	langs := []string{"en", "de", "fr", "ar", Pseudo, "de", "en"}
	done := make(chan struct{})
	for range 3 {
		go func() {
			defer func() { done <- struct{}{} }()
			for _, lang := range langs {
				l := used.For(lang, "", time.UTC)
				for _, id := range ids {
					l.T(id)
				}
				l.Time(at)
				l.Size(3 << 20)
			}
		}()
	}
	for range 3 {
		<-done
	}
	for _, lang := range langs {
		fresh, err := New(nil)
		if err != nil {
			t.Fatal(err)
		}
		l, f := used.For(lang, "", time.UTC), fresh.For(lang, "", time.UTC)
		for _, id := range ids {
			if got, want := l.T(id), f.T(id); got != want {
				t.Errorf("%s: T(%q) = %q, a fresh catalog says %q", lang, id, got, want)
			}
		}
		if got, want := l.Time(at), f.Time(at); got != want {
			t.Errorf("%s: Time = %q, a fresh catalog says %q", lang, got, want)
		}
		if got, want := l.Size(3<<20), f.Size(3<<20); got != want {
			t.Errorf("%s: Size = %q, a fresh catalog says %q", lang, got, want)
		}
	}
	de := host.For("de", "", time.UTC)
	if got := de.T("picker.all_files"); got != "Alles" {
		t.Errorf("host catalog: T = %q, want its own word", got)
	}
	if got := de.Size(3 << 20); got != "3 Megabyte" {
		t.Errorf("host catalog: Size = %q, want its own word", got)
	}
	if got := used.For("de", "", time.UTC).T("picker.all_files"); got == "Alles" {
		t.Errorf("the shipped catalog says the host's word")
	}
	before := used.said.len()
	for i := range 100 {
		id := "no.such.message." + strconv.Itoa(i)
		if got := used.For("de", "", time.UTC).T(id); got != id {
			t.Errorf("T(%q) = %q", id, got)
		}
	}
	if after := used.said.len(); after != before {
		t.Errorf("ids no catalog has were remembered: %d entries, were %d", after, before)
	}
}
