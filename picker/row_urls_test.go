package picker

import (
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
