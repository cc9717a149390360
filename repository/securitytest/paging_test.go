package securitytest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/repository/repositorytest"
)

// TestHugePageNumbersAreBounded: page numbers from the URL are bounded before they become offsets, so a huge
// one shows the end of the list instead of a 500 (a panic on an overflowed slice bound).
func TestHugePageNumbersAreBounded(t *testing.T) {
	t.Parallel()
	h := repositorytest.New(t, repositorytest.Options{})
	iss := h.AddIssuer(t, "Campus cloud")
	h.AddInstance(t, iss.ID, "Campus files", 7, 1)
	for _, page := range []string{"9223372036854775807", "4611686018427387904", "368934881474191034", "2147483648", "-9223372036854775808", "99999999999999999999999"} {
		for _, c := range []struct{ user, path string }{
			{"admin", "/admin/links"},
			{"admin", "/admin/links?orphans=1&"},
			{"teacher", "/course/42/links"},
			{"admin", "/admin/audit"},
		} {
			sep := "?"
			if strings.Contains(c.path, "?") {
				sep = ""
			}
			url := repositorytest.Mount + c.path + sep + "page=" + page
			code, body, _ := h.Client(c.user).Get(t, url)
			if code != http.StatusOK {
				t.Errorf("GET %s as %s: status %d, want 200\n%.300s", url, c.user, code, body)
			}
		}
	}
}
