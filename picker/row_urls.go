package picker

import (
	"net/url"
	"strconv"

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

// url is one row's preview URL.
func (p previewURLs) url(path, etag string) string {
	if path == "" || p.instance == "" {
		return web.WithQuery(p.base, "r", p.token, "i", p.instance, "path", path, "v", etag)
	}
	u := p.prefix + url.QueryEscape(path) + p.middle
	if etag != "" {
		u += "&v=" + url.QueryEscape(etag)
	}
	return u
}

// previewURLsFor is previewURLs for the session's request and instance.
func (h *handler) previewURLsFor(s *session) previewURLs {
	return newPreviewURLs(h.env.Routes.URL("picker.preview"), strconv.FormatInt(s.cur.Instance.ID, 10), s.token)
}
