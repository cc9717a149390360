package main

import (
	"net/http"
	"net/url"
	"testing"
)

// TestLanguageMenu: the language chosen in the LMS's menu reaches ocrepo's pages through the Language hook (lang,
// dir, words); an unknown language is refused; the empty choice goes back to the browser's.
func TestLanguageMenu(t *testing.T) {
	t.Parallel()
	d := startDemo(t, Options{}, "")
	admin := d.signIn(t, "dana")
	for _, tc := range []struct{ lang, want, dir, home string }{
		{"de", "de", "ltr", "Zurück zu Lakeside LMS"},
		{"ar", "ar", "rtl", "العودة إلى Lakeside LMS"},
		{"", "en", "ltr", "Back to Lakeside LMS"},
	} {
		status, _ := admin.post(t, "/language", url.Values{"lang": {tc.lang}, "next": {"/cloud/admin"}})
		if status != http.StatusSeeOther {
			t.Fatalf("choose %q: status %d", tc.lang, status)
		}
		_, page := admin.get(t, "/cloud/admin")
		doc := parse(t, page)
		if l, _ := doc.Find("html").Attr("lang"); l != tc.want {
			t.Errorf("chose %q: lang %q", tc.lang, l)
		}
		if d, _ := doc.Find("html").Attr("dir"); d != tc.dir {
			t.Errorf("chose %q: dir %q", tc.lang, d)
		}
		if got := doc.Find(`[data-testid="home"]`).Text(); got != "← "+tc.home {
			t.Errorf("chose %q: way back %q, want %q", tc.lang, got, tc.home)
		}
	}
	if status, _ := admin.post(t, "/language", url.Values{"lang": {"xx"}, "next": {"/"}}); status != http.StatusBadRequest {
		t.Errorf("unknown language: status %d, want 400", status)
	}
}
