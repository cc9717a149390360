package picker

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/internal/web"
)

// TestPreviewURLsAreWhatWithQueryBuilds: a row's preview URL built from the listing's shared prefix is exactly the
// URL web.WithQuery builds from the same pairs (as h.with gives them), for paths and versions that need escaping,
// without a version, without a token, with an empty path or instance, and with a base that has a query already.
func TestPreviewURLsAreWhatWithQueryBuilds(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"/cloud/picker/preview", "/m/preview?x=1", ""} {
		for _, inst := range []string{"7", "12345", ""} {
			for _, token := range []string{"tok.en-_~", "a+b/c=d&e f%", ""} {
				p := newPreviewURLs(base, inst, token)
				for _, path := range []string{"/Docs/file-00001.txt", "/a b/ü?&=#%+.txt", "/", ""} {
					for _, etag := range []string{`"5f3a9c"`, "abc", "a&b=c d", ""} {
						want := web.WithQuery(base, "r", token, "i", inst, "path", path, "v", etag)
						if got := p.url(path, etag); got != want {
							t.Errorf("base %q instance %q token %q: url(%q, %q) = %q, want %q", base, inst, token, path, etag, got, want)
						}
					}
				}
			}
		}
	}
}

// TestQueryEscapedAsNetURL: a row's path and version are escaped exactly as url.QueryEscape escapes them, every
// byte alone and in hostile, unicode and invalid UTF-8 names, and the length worked out beforehand is the length
// written.
func TestQueryEscapedAsNetURL(t *testing.T) {
	t.Parallel()
	names := []string{"", " ", "/Docs/file-00001.txt", "/a b/ü?&=#%+.txt", `"><script>alert(1)</script>`, "javascript:alert(1)",
		"\u202e\u0000\xff\xfe", "日本語 ファイル.pdf", "~-_.!*'();:@&=+$,/?%#[]"}
	for c := range 256 {
		names = append(names, string([]byte{byte(c)}), "a"+string([]byte{byte(c)})+"z")
	}
	for _, s := range names {
		var b strings.Builder
		writeQueryEscaped(&b, s)
		if want := url.QueryEscape(s); b.String() != want || queryEscapedLen(s) != len(want) {
			t.Errorf("%q: escaped %q (length %d), url.QueryEscape gives %q", s, b.String(), queryEscapedLen(s), want)
		}
	}
}

// BenchmarkPreviewURL is one row's preview URL.
func BenchmarkPreviewURL(b *testing.B) {
	p := newPreviewURLs("/ocrepo/picker/preview", "7", "tok.en-_~")
	b.ReportAllocs()
	for b.Loop() {
		p.url("/Big/file-00042 (copy).pdf", `"5f3a9c0d"`)
	}
}

// TestRowIDs: a row's element id is "f" and its index on the page, from the ids made once and beyond them.
func TestRowIDs(t *testing.T) {
	t.Parallel()
	for i := range 3 * len(rowIDs) {
		if got, want := rowID(i), "f"+strconv.Itoa(i); got != want {
			t.Fatalf("rowID(%d) = %q, want %q", i, got, want)
		}
	}
}
