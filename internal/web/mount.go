package web

import (
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// Request body limits: every route reads at most this much of a request body. A larger body is refused with 413
// before the handler (and before the CSRF check parses the form).
const (
	// BodyLimitRead is the limit of routes that take no body (GET, HEAD, OPTIONS).
	BodyLimitRead int64 = 4 << 10
	// BodyLimitForm is the limit of ordinary forms (a few fields and the CSRF token).
	BodyLimitForm int64 = 64 << 10
	// BodyLimitLargeForm is the limit of forms with tables or many choices (an issuer's endpoints and mappings,
	// a pick of many files).
	BodyLimitLargeForm int64 = 1 << 20
)

// mountedPaths records, per path of a group, the methods registered on it, so the fallbacks answer OPTIONS and
// wrong methods with 405 and the right Allow header.
type mountedPaths struct {
	order   []string
	methods map[string][]string
}

func (m *mountedPaths) add(p, method string) {
	if m.methods == nil {
		m.methods = map[string][]string{}
	}
	if _, ok := m.methods[p]; !ok {
		m.order = append(m.order, p)
	}
	if !slices.Contains(m.methods[p], method) {
		m.methods[p] = append(m.methods[p], method)
	}
}

// HandleSized registers a route like Handle with a request body limit of its own (one of the BodyLimit sizes).
// A GET route answers HEAD too.
func (env *Env) HandleSized(g *echo.Group, method, p, name string, limit int64, h echo.HandlerFunc, extra ...echo.MiddlewareFunc) {
	mw := append([]echo.MiddlewareFunc{env.Headers, env.BodyLimit(limit), env.RequireUser, env.CSRF}, extra...)
	env.add(g, method, p, name, h, mw)
}

// HandlePublic registers a route that needs no signed-in user (the static assets): security headers and the
// read body limit only. A GET route answers HEAD too.
func (env *Env) HandlePublic(g *echo.Group, method, p, name string, h echo.HandlerFunc) {
	env.add(g, method, p, name, h, []echo.MiddlewareFunc{env.Headers, env.BodyLimit(BodyLimitRead)})
}

func (env *Env) add(g *echo.Group, method, p, name string, h echo.HandlerFunc, mw []echo.MiddlewareFunc) {
	h = env.answerErrors(h)
	env.Routes.Add(name, g.Add(method, p, h, mw...))
	env.paths.add(p, method)
	if method == http.MethodGet {
		g.Add(http.MethodHead, p, h, mw...).Name = "ocrepo:" + name
		env.paths.add(p, http.MethodHead)
	}
}

// defaultBodyLimit is the body limit of a route registered with Handle.
func defaultBodyLimit(method string) int64 {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return BodyLimitRead
	}
	return BodyLimitForm
}

// BodyLimit refuses request bodies over limit bytes with 413: at once when Content-Length says so, and while
// reading otherwise. Form bodies are parsed here, so the CSRF check and the handler read the parsed form and an
// oversized or malformed one gets its own clear answer rather than "this form has expired".
func (env *Env) BodyLimit(limit int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.ContentLength > limit {
				return env.tooLarge(c, limit)
			}
			if r.Body == nil || r.Body == http.NoBody {
				return next(c)
			}
			r.Body = http.MaxBytesReader(c.Response(), r.Body, limit)
			mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			var err error
			switch mt {
			case "application/x-www-form-urlencoded":
				err = r.ParseForm()
			case "multipart/form-data":
				err = r.ParseMultipartForm(limit)
			}
			var tooBig *http.MaxBytesError
			switch {
			case errors.As(err, &tooBig):
				return env.tooLarge(c, limit)
			case err != nil:
				return env.FailWith(c, http.StatusBadRequest, "web.form_unreadable")
			}
			return next(c)
		}
	}
}

func (env *Env) tooLarge(c echo.Context, limit int64) error {
	env.Logger.WarnContext(c.Request().Context(), "ocrepo: request body over the limit", "method", c.Request().Method,
		"path", c.Request().URL.Path, "limit", limit, "content_length", c.Request().ContentLength)
	return env.FailWith(c, http.StatusRequestEntityTooLarge, "web.too_much", "Limit", env.Localizer(c).Size(limit))
}

// FallbackRoute is the Echo route name of the fallbacks.
const FallbackRoute = "ocrepo:fallback"

// Fallbacks registers, after every route, the answer for what no route handles under the group: a wrong method
// on a known path (405 with Allow; OPTIONS gets 204 with Allow and no CORS permission) and unknown paths (404),
// each with the security headers. They are Echo not-found routes on the group's own path and on its "/*" (Echo
// asks them before its own 405), so the host's routes outside the mount are untouched, and a route the host adds
// under the mount still wins.
func (env *Env) Fallbacks(g *echo.Group) {
	var prefix string // the group's path, known once a route is registered
	h := env.fallback(&prefix)
	rt := g.RouteNotFound("/*", h, env.Headers)
	rt.Name = FallbackRoute
	prefix = strings.TrimSuffix(rt.Path, "/*")
	g.RouteNotFound("", h, env.Headers).Name = FallbackRoute
	// A wildcard route is its own best match: Echo asks only its not-found route before answering 405 itself.
	for _, p := range env.paths.order {
		if strings.HasSuffix(p, "*") {
			g.RouteNotFound(p, h, env.Headers).Name = FallbackRoute
		}
	}
}

// fallback answers a request no route took: 405 (or 204 for OPTIONS) with the methods of the routes whose
// pattern matches the path, else 404.
func (env *Env) fallback(prefix *string) echo.HandlerFunc {
	return func(c echo.Context) error {
		rel, _ := strings.CutPrefix(c.Request().URL.Path, *prefix)
		var allow []string
		for _, p := range env.paths.order {
			if matchRoute(p, rel) {
				for _, m := range env.paths.methods[p] {
					if !slices.Contains(allow, m) {
						allow = append(allow, m)
					}
				}
			}
		}
		if len(allow) == 0 {
			return env.notFound(c)
		}
		c.Response().Header().Set("Allow", strings.Join(append(allow, http.MethodOptions), ", "))
		if c.Request().Method == http.MethodOptions {
			return c.NoContent(http.StatusNoContent)
		}
		return env.FailWith(c, http.StatusMethodNotAllowed, "web.method")
	}
}

// matchRoute reports whether a path (relative to the group) fits an Echo route pattern: ":name" takes one
// non-empty segment, a final "*" the rest.
func matchRoute(pattern, p string) bool {
	for {
		if rest, ok := strings.CutPrefix(pattern, "*"); ok && rest == "" {
			return true
		}
		if pattern == "" || p == "" {
			return pattern == p
		}
		if pattern[0] == ':' {
			pi := strings.IndexByte(pattern, '/')
			si := strings.IndexByte(p, '/')
			if pi < 0 {
				return si < 0 && p != ""
			}
			if si <= 0 {
				return false
			}
			pattern, p = pattern[pi:], p[si:]
			continue
		}
		if pattern[0] != p[0] {
			return false
		}
		pattern, p = pattern[1:], p[1:]
	}
}

func (env *Env) notFound(c echo.Context) error {
	return env.FailWith(c, http.StatusNotFound, "web.not_found")
}

// Static serves files of fsys under prefix (the full path the route is mounted at, ending in "/"), without
// directory listings: a directory, or any path ending in "/", is a 404 page.
func (env *Env) Static(prefix string, fsys fs.FS) echo.HandlerFunc {
	files := http.StripPrefix(prefix, http.FileServer(http.FS(fsys)))
	return func(c echo.Context) error {
		name, ok := strings.CutPrefix(c.Request().URL.Path, prefix)
		if !ok || name == "" || strings.HasSuffix(name, "/") {
			return env.notFound(c)
		}
		if st, err := fs.Stat(fsys, path.Clean(name)); err != nil || st.IsDir() {
			return env.notFound(c)
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

// crossOrigin is the cross-origin check of unsafe requests: a browser's Sec-Fetch-Site must say same-origin
// (or none, a typed URL), else its Origin must be the host's; requests without either (not from a browser) pass
// to the CSRF token check.
func (env *Env) crossOrigin() *http.CrossOriginProtection {
	p := http.NewCrossOriginProtection()
	if env.HostOrigin != "" {
		if err := p.AddTrustedOrigin(env.HostOrigin); err != nil {
			env.Logger.Warn("ocrepo: public URL origin not usable for the cross-origin check", "origin", env.HostOrigin, "err", err)
		}
	}
	return p
}
