package i18n

import (
	"testing"
	"time"
)

// BenchmarkCatalogFor is the language choice every request makes (web.Env.Localizer), for a browser's typical
// header, with and without the host's choice.
func BenchmarkCatalogFor(b *testing.B) {
	c, err := New(nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, host, accept string }{
		{"accept", "", "de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7"},
		{"host", "fr", "en-US,en;q=0.9"},
		{"none", "", ""},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.For(bc.host, bc.accept, time.UTC)
			}
		})
	}
}

// BenchmarkSize is a listing's column of sizes over a kilobyte, in English and German.
func BenchmarkSize(b *testing.B) {
	c, err := New(nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, lang := range []string{"en", "de", "ar"} {
		b.Run(lang, func(b *testing.B) {
			l := c.For(lang, "", time.UTC)
			b.ReportAllocs()
			for b.Loop() {
				l.Size(1536 * 1024)
				l.Size(12345)
				l.Size(7 << 30)
			}
		})
	}
}

// BenchmarkTWithParameters is a listing page's lines with string parameters: the fetch time, the page of pages,
// the announcement.
func BenchmarkTWithParameters(b *testing.B) {
	c, err := New(nil)
	if err != nil {
		b.Fatal(err)
	}
	l := c.For("de", "", time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		l.T("picker.fetched", "Clock", "09:07:00", "Cloud", "Lakeside Cloud")
		l.T("picker.page_of", "Page", "2", "Pages", "200")
		l.T("picker.announce", "Heading", "Big", "Line", "51–100 of 10,000")
	}
}
