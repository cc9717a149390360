// Package web is the HTTP plumbing the admin pages and the picker share: who the user is, CSRF protection,
// security headers, route URLs, rendering templ components, and error pages for each kind of failure.
//
// It never calls Use on a host's group: Mount hands it sub-groups of its own, so the host's other routes are
// untouched.
package web

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/i18n"
	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/templates"
)

// Env is what every handler needs. One Env per mounted Repository.
type Env struct {
	Service  *service.Service
	Users    host.Users
	Admins   host.Admins
	Managers host.CourseManagers
	Logger   *slog.Logger
	// CSRFKey signs CSRF tokens (derived from the host's secret).
	CSRFKey []byte
	// FrameAncestors lists origins allowed to frame the picker ("'self'" when empty).
	FrameAncestors []string
	// SecureCookies marks cookies Secure (the public URL is https).
	SecureCookies bool
	// CookiePath scopes ocrepo's cookies to the mount path.
	CookiePath string
	// HostOrigin is the scheme://host[:port] of the public URL; redirects never leave it.
	HostOrigin string
	Routes     *Routes
	// Home is the host's page that ocrepo's full pages link back to; empty: no link.
	Home templates.HomeLink
	// SiteName is the host's name, added to every page title ("Choose a file – Lakeside LMS"); "" adds nothing.
	SiteName string
	// Catalog holds the messages of every language; nil: the shipped catalogs alone.
	Catalog *i18n.Catalog
	// Languages is the host's choice of language per user; nil: the browser's Accept-Language.
	Languages host.Languages
	// TimeZones is the host's choice of time zone per user; nil: the server's.
	TimeZones host.TimeZones

	// shipped is the shipped catalog, loaded on first use when Catalog is nil.
	shipped     *i18n.Catalog
	shippedOnce sync.Once

	// paths records the methods registered per path, for the fallbacks.
	paths mountedPaths

	// renders recycles Render's buffers: a listing fragment is some 40 KB, and growing a fresh buffer to that
	// size for every request allocated three times as much.
	renders sync.Pool
}

// maxPooledRender is the largest render buffer kept for reuse; a rare huge page is left to the collector.
const maxPooledRender = 256 << 10

const (
	userKey    = "ocrepo.user"
	csrfKey    = "ocrepo.csrf"
	csrfCookie = "ocrepo_csrf"
	localeKey  = "ocrepo.locale"
	// CSRFHeader is the header htmx sends the token in; CSRFField the form field plain forms use.
	CSRFHeader = "X-CSRF-Token"
	CSRFField  = "csrf_token"
)

// Routes names the mounted routes and builds their URLs, so templates never hard-code a path.
type Routes struct {
	paths map[string]string
}

// NewRoutes returns an empty route table.
func NewRoutes() *Routes { return &Routes{paths: map[string]string{}} }

// The entry points a host reaches from outside the pages, by their paths relative to the mount. The handlers are
// registered at these paths, and the repository declares them in the route table before Mount, so that the URLs
// it hands to hosts (the picker, a controlled link) and the assets' prefix come from the one table.
const (
	RoutePicker = "/picker"
	RouteLink   = "/link/:id"
	RouteStatic = "/static/*"
)

// Declare records the full path of a route that will be added under name later (Add then records the path the
// router reports, which is the same when the group is mounted where it was declared).
func (r *Routes) Declare(name, fullPath string) { r.paths[name] = fullPath }

// Prefix returns the fixed start of a named route's path, up to its first parameter or wildcard. It panics on an
// unknown name, like URL.
func (r *Routes) Prefix(name string) string {
	p, ok := r.paths[name]
	if !ok {
		panic("web: unknown route " + name)
	}
	if i := strings.IndexAny(p, ":*"); i >= 0 {
		return p[:i]
	}
	return p
}

// Add records a route's full path under a name and names the echo route "ocrepo:"+name.
func (r *Routes) Add(name string, rt *echo.Route) {
	r.paths[name] = rt.Path
	rt.Name = "ocrepo:" + name
}

// URL builds the path of a named route, path-escaping each parameter in turn. It panics on an unknown name:
// that is a programming error caught by every handler test.
func (r *Routes) URL(name string, params ...any) string {
	p, ok := r.paths[name]
	if !ok {
		panic("web: unknown route " + name)
	}
	if len(params) == 0 {
		return p // nothing to substitute: the path as declared
	}
	var b strings.Builder
	b.Grow(len(p) + 16)
	n := 0
	for i := 0; i < len(p); i++ {
		if (p[i] == ':' || p[i] == '*') && n < len(params) {
			j := i
			for j < len(p) && p[j] != '/' {
				j++
			}
			b.WriteString(url.PathEscape(fmt.Sprint(params[n])))
			n++
			i = j - 1
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// WithQuery appends query parameters to a URL: the pairs with a value, a later pair replacing an earlier one of
// the same key, sorted by key and escaped as url.Values.Encode does. Pages build dozens of these per response, so it
// spares the map and the second copy url.Values would cost.
func WithQuery(u string, kv ...string) string {
	type pair struct{ k, v string }
	var buf [8]pair
	q := buf[:0]
	size := len(u) + 1
next:
	for i := 0; i+1 < len(kv); i += 2 {
		k, v := kv[i], kv[i+1]
		if v == "" {
			continue
		}
		for j := range q {
			if q[j].k == k {
				q[j].v = v
				continue next
			}
		}
		q = append(q, pair{k, v})
	}
	if len(q) == 0 {
		return u
	}
	slices.SortFunc(q, func(a, b pair) int { return strings.Compare(a.k, b.k) })
	for i := range q {
		q[i].k, q[i].v = url.QueryEscape(q[i].k), url.QueryEscape(q[i].v)
		size += len(q[i].k) + len(q[i].v) + 2
	}
	var b strings.Builder
	b.Grow(size)
	b.WriteString(u)
	if strings.Contains(u, "?") {
		b.WriteByte('&')
	} else {
		b.WriteByte('?')
	}
	for i, p := range q {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// Handle registers a route on g with the standard chain (security headers, the body limit for its method, the
// signed-in user, CSRF) followed by extra middleware, and records it under name; a GET route answers HEAD too.
// Middleware is attached per route, never with g.Use, so the host's group gets no catch-all routes.
func (env *Env) Handle(g *echo.Group, method, path, name string, h echo.HandlerFunc, extra ...echo.MiddlewareFunc) {
	env.HandleSized(g, method, path, name, defaultBodyLimit(method), h, extra...)
}

// answerErrors lets a handler just return an error: one that is not yet answered is answered through
// ProblemFor (Echo's own errors keep their meaning).
func (env *Env) answerErrors(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := h(c)
		var he *echo.HTTPError
		if err == nil || c.Response().Committed || errors.As(err, &he) {
			return err
		}
		return env.Error(c, err, "")
	}
}

// Headers sets the security headers on every response: a Content-Security-Policy that allows no inline script,
// nosniff, a strict referrer policy and the configured frame ancestors.
func (env *Env) Headers(next echo.HandlerFunc) echo.HandlerFunc {
	fa := "'self'"
	if len(env.FrameAncestors) > 0 {
		fa = strings.Join(env.FrameAncestors, " ")
	}
	csp := "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
		"form-action 'self' http: https:; base-uri 'none'; object-src 'none'; frame-ancestors " + fa
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		if len(env.FrameAncestors) == 0 {
			h.Set("X-Frame-Options", "SAMEORIGIN")
		}
		return next(c)
	}
}

// RequireUser resolves the signed-in user through the host's hook; anonymous requests get a 401 page.
func (env *Env) RequireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := env.Users.CurrentUser(c.Request())
		if errors.Is(err, host.ErrNotSignedIn) || (err == nil && u.ID == "") {
			return env.FailWith(c, http.StatusUnauthorized, "web.sign_in")
		}
		if err != nil {
			env.Logger.ErrorContext(c.Request().Context(), "ocrepo: users hook failed", "err", err)
			return env.FailWith(c, http.StatusInternalServerError, "web.who_failed")
		}
		c.Set(userKey, u)
		return next(c)
	}
}

// RequireAdmin lets only site admins through; everybody else gets a 403 page and nothing is done.
func (env *Env) RequireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := User(c)
		ok, err := env.Admins.IsAdmin(c.Request().Context(), u)
		if err != nil {
			env.Logger.ErrorContext(c.Request().Context(), "ocrepo: admins hook failed", "err", err)
			return env.FailWith(c, http.StatusInternalServerError, "web.permissions_failed")
		}
		if !ok {
			return env.FailWith(c, http.StatusForbidden, "web.admins_only")
		}
		return next(c)
	}
}

// IsAdmin asks the host whether the current user is a site admin (false on error, which is logged).
func (env *Env) IsAdmin(c echo.Context) bool {
	ok, err := env.Admins.IsAdmin(c.Request().Context(), User(c))
	if err != nil {
		env.Logger.ErrorContext(c.Request().Context(), "ocrepo: admins hook failed", "err", err)
	}
	return ok && err == nil
}

// CanManageCourse asks the host whether the current user manages a course (site admins always do).
func (env *Env) CanManageCourse(c echo.Context, course string) (bool, error) {
	if env.IsAdmin(c) {
		return true, nil
	}
	if env.Managers == nil || course == "" {
		return false, nil
	}
	return env.Managers.CanManageCourse(c.Request().Context(), User(c), course)
}

// User is the signed-in user RequireUser found.
func User(c echo.Context) host.User {
	u, _ := c.Get(userKey).(host.User)
	return u
}

// CSRF protects unsafe methods: the token (a MAC of a random cookie and the user) must come back in the
// X-CSRF-Token header (htmx) or the csrf_token form field (plain forms), and cross-origin requests are refused
// (Sec-Fetch-Site, else Origin, through net/http's CrossOriginProtection; the public URL's origin is trusted, so a
// proxy that rewrites Host does not matter).
func (env *Env) CSRF(next echo.HandlerFunc) echo.HandlerFunc {
	crossOrigin := env.crossOrigin()
	return func(c echo.Context) error {
		r := c.Request()
		seed := ""
		if ck, err := r.Cookie(csrfCookie); err == nil && len(ck.Value) >= 32 {
			seed = ck.Value
		} else {
			b := make([]byte, 32)
			_, _ = rand.Read(b)
			seed = base64.RawURLEncoding.EncodeToString(b)
			c.SetCookie(&http.Cookie{Name: csrfCookie, Value: seed, Path: env.CookiePath, HttpOnly: true,
				Secure: env.SecureCookies, SameSite: http.SameSiteLaxMode})
		}
		want := env.csrfToken(seed, User(c).ID)
		c.Set(csrfKey, want)
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if crossOrigin.Check(r) != nil {
			return env.FailWith(c, http.StatusForbidden, "web.cross_site")
		}
		got := r.Header.Get(CSRFHeader)
		if got == "" {
			got = c.FormValue(CSRFField)
		}
		if !hmac.Equal([]byte(got), []byte(want)) {
			return env.FailWith(c, http.StatusForbidden, "web.form_expired")
		}
		return next(c)
	}
}

func (env *Env) csrfToken(seed, userID string) string {
	m := hmac.New(sha256.New, env.CSRFKey)
	m.Write([]byte(seed))
	m.Write([]byte{0})
	m.Write([]byte(userID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CSRFToken is the token for the current request's forms.
func CSRFToken(c echo.Context) string {
	s, _ := c.Get(csrfKey).(string)
	return s
}

// IsHTMX reports whether htmx made the request.
func IsHTMX(c echo.Context) bool { return c.Request().Header.Get("HX-Request") == "true" }

// Render writes a component with a status and its Content-Length. The component is rendered into a buffer
// first, so a failure to render is a clean 500, never half a page.
func (env *Env) Render(c echo.Context, status int, comp templ.Component) error {
	buf, _ := env.renders.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	defer func() {
		if buf.Cap() <= maxPooledRender {
			buf.Reset()
			env.renders.Put(buf)
		}
	}()
	loc := env.Localizer(c)
	ctx := templates.WithTranslator(c.Request().Context(), loc)
	if err := comp.Render(ctx, buf); err != nil {
		env.Logger.ErrorContext(c.Request().Context(), "ocrepo: render", "path", c.Path(), "err", err)
		return c.String(http.StatusInternalServerError, loc.T("error.render"))
	}
	// The length is known: the page goes out with it rather than chunked (one write fewer, no chunk framing).
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(buf.Len()))
	return c.HTMLBlob(status, buf.Bytes())
}

// Localizer is the current request's language and time zone: the host's Languages hook, else the browser's
// Accept-Language, else English; the host's TimeZones hook, else the server's zone. It is chosen once per request.
func (env *Env) Localizer(c echo.Context) *i18n.Localizer {
	if l, ok := c.Get(localeKey).(*i18n.Localizer); ok {
		return l
	}
	r := c.Request()
	lang := ""
	if env.Languages != nil {
		lang = env.Languages.Language(r)
	}
	var zone *time.Location
	if env.TimeZones != nil {
		zone = env.TimeZones.TimeZone(r)
	}
	cat := env.Catalog
	if cat == nil {
		env.shippedOnce.Do(func() {
			var err error
			if env.shipped, err = i18n.New(nil); err != nil {
				env.Logger.ErrorContext(r.Context(), "ocrepo: shipped catalog", "err", err)
			}
		})
		cat = env.shipped
	}
	l := cat.For(lang, r.Header.Get("Accept-Language"), zone)
	c.Set(localeKey, l)
	return l
}

// T is message id in the current request's language.
func (env *Env) T(c echo.Context, id string, args ...any) string {
	return env.Localizer(c).T(id, args...)
}

// Page is the frame data of a full page for the current request.
func (env *Env) Page(c echo.Context, title string) templates.Page {
	heading := title
	if env.SiteName != "" {
		title += " – " + env.SiteName
	}
	return templates.Page{
		Title:   title,
		Heading: heading,
		Static:  env.Routes.URL("static", ""),
		CSRF:    CSRFToken(c),
		User:    User(c).Name,
		Home:    env.Home,
	}
}

// Fail answers with an error: a full page for plain requests, an alert fragment for htmx (swapped into the
// page's alert region and announced).
func (env *Env) Fail(c echo.Context, status int, title, detail string) error {
	p := templates.Alert{Title: title, Detail: detail, Code: fmt.Sprint(status)}
	if IsHTMX(c) {
		c.Response().Header().Set("HX-Retarget", "#ocrepo-alert")
		c.Response().Header().Set("HX-Reswap", "innerHTML")
		return env.Render(c, status, templates.AlertBox(p))
	}
	return env.Render(c, status, templates.ErrorPage(env.Page(c, title), p))
}

// FailWith answers with an error in the request's language: the messages key+".title" and key+".detail", their
// parameters given as name, value pairs.
func (env *Env) FailWith(c echo.Context, status int, key string, args ...any) error {
	l := env.Localizer(c)
	return env.Fail(c, status, l.T(key+".title", args...), l.T(key+".detail", args...))
}

// SafeReturn keeps a return target on the host's origin: a relative path, or an absolute URL on HostOrigin.
// Anything else becomes fallback.
func (env *Env) SafeReturn(target, fallback string) string {
	if target == "" {
		return fallback
	}
	// Browsers strip tabs and newlines and read backslashes as slashes, so "/\\evil.example" would leave; other
	// control characters have no business in a return target either.
	if strings.ContainsFunc(target, func(r rune) bool { return r == '\\' || r < 0x20 || r == 0x7f }) {
		return fallback
	}
	u, err := url.Parse(target)
	if err != nil {
		return fallback
	}
	if u.Scheme == "" && u.Host == "" && strings.HasPrefix(u.Path, "/") && !strings.HasPrefix(target, "//") {
		return target
	}
	if u.Scheme+"://"+u.Host == env.HostOrigin && (u.Scheme == "https" || u.Scheme == "http") {
		return target
	}
	return fallback
}

// LogError records an operator-facing error with the request's route.
func (env *Env) LogError(ctx context.Context, msg string, args ...any) {
	env.Logger.ErrorContext(ctx, "ocrepo: "+msg, args...)
}
