package picker

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/ocrepo/ocrepo/internal/web"
)

// previewURLs builds the preview URLs of a listing's rows: what h.url(s, "picker.preview", "path", p, "v", etag)
// gives, with the part every row shares built once. web.WithQuery sorts the keys (i, path, r, v), so a row's URL
// is the shared prefix, its escaped path, the request token and its escaped version.
type previewURLs struct {
	base, instance, token string // what web.WithQuery is given, for the rows the shortcut does not cover
	prefix                string // base?i=instance&path=
	middle                string // &r=token, or nothing without a token
}

func newPreviewURLs(base, instance, token string) previewURLs {
	p := previewURLs{base: base, instance: instance, token: token}
	p.prefix = web.WithQuery(base, "i", instance) + "&path="
	if token != "" {
		p.middle = "&r=" + url.QueryEscape(token)
	}
	return p
}

// url is one row's preview URL, built in one allocation.
func (p previewURLs) url(path, etag string) string {
	if path == "" || p.instance == "" {
		return web.WithQuery(p.base, "r", p.token, "i", p.instance, "path", path, "v", etag)
	}
	n := len(p.prefix) + queryEscapedLen(path) + len(p.middle)
	if etag != "" {
		n += len("&v=") + queryEscapedLen(etag)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(p.prefix)
	writeQueryEscaped(&b, path)
	b.WriteString(p.middle)
	if etag != "" {
		b.WriteString("&v=")
		writeQueryEscaped(&b, etag)
	}
	return b.String()
}

// unescapedInQuery reports whether url.QueryEscape leaves c as it is: letters, digits and -_.~.
func unescapedInQuery(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}

// queryEscapedLen is len(url.QueryEscape(s)).
func queryEscapedLen(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ' ' && !unescapedInQuery(c) {
			n += 2
		}
	}
	return n
}

// writeQueryEscaped writes url.QueryEscape(s) to b without building it apart.
func writeQueryEscaped(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case unescapedInQuery(c):
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
}

// previewURLsFor is previewURLs for the session's request and instance.
func (h *handler) previewURLsFor(s *session) previewURLs {
	return newPreviewURLs(h.env.Routes.URL("picker.preview"), strconv.FormatInt(s.cur.Instance.ID, 10), s.token)
}
