package main

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/store"
)

//go:embed templates static
var assets embed.FS

// mountPath is where ocrepo is mounted in the LMS.
const mountPath = "/cloud"

// app is the LMS's web side: its own pages, with ocrepo mounted under /cloud.
type app struct {
	db       DB
	repo     *repository.Repository
	st       store.Store // ocrepo's store, read for the admin's set-up checklist
	sink     *DiskSink
	sessions sessions
	pages    map[string]*template.Template
	log      *slog.Logger
	cloud    *cloudtest.Server // the built-in test cloud, or nil
	now      func() time.Time
	metrics  http.Handler // the Prometheus registry ocrepo counts into, in the text format
}

// routes registers the LMS's pages and mounts ocrepo. Everything outside /cloud gets the LMS's own security
// headers and CSRF check (middleware.go); ocrepo's group brings its own.
func (a *app) routes(e *echo.Echo) {
	e.Use(a.recoverPanics, securityHeaders, a.csrf)
	e.HTTPErrorHandler = a.errorHandler

	static, err := fs.Sub(assets, "static")
	if err != nil {
		panic(err) // embedded at build time
	}
	e.StaticFS("/static", static)

	e.GET("/", a.home)
	e.POST("/signin", a.signIn)
	e.POST("/signout", a.signOut)
	e.POST("/language", a.setLanguage)
	e.GET("/courses/:course", a.course)
	e.GET("/courses/:course/materials/add", a.materialsAdd) // the picker's plain redirect (?pick=)
	e.POST("/courses/:course/materials/add", a.materialsAdd)
	e.POST("/courses/:course/resources/:resource/delete", a.resourceDelete)
	e.GET("/courses/:course/links/new", a.linkNew) // ?pick= from the URL chooser fills the form
	e.POST("/courses/:course/links", a.linkCreate)
	e.GET("/courses/:course/assignments/new", a.assignmentNew)
	e.POST("/courses/:course/assignments", a.assignmentCreate)
	e.GET("/assignments/:assignment", a.assignment)
	e.GET("/assignments/:assignment/attach", a.attach) // the picker's plain redirect (?pick=)
	e.POST("/assignments/:assignment/attach", a.attach)
	e.POST("/assignments/:assignment/submit", a.submit)
	e.POST("/assignments/:assignment/remove", a.removeDraft)
	e.POST("/assignments/:assignment/delete", a.assignmentDelete)
	e.GET("/files/:ref", a.file)
	// For the operator: ocrepo's metrics and each cloud's health. The demo listens on loopback; a real LMS serves
	// these to its monitoring only (another listener, or behind its own access rules).
	e.GET("/metrics", echo.WrapHandler(a.metrics))
	e.GET("/healthz", echo.WrapHandler(a.repo.HealthHandler()))

	a.repo.Mount(e.Group(mountPath))
}

// parsePages parses every page with the layout.
func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"size":      humanSize,
		"date":      func(t time.Time) string { return t.Local().Format("Mon 2 Jan 2006, 15:04") },
		"dateOnly":  func(t time.Time) string { return t.Local().Format("Mon 2 Jan 2006") },
		"roleLabel": roleLabel,
		"lower":     strings.ToLower,
	}
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("lms: templates: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(assets, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("lms: template %s: %w", base, err)
		}
		pages[base] = t
	}
	return pages, nil
}

// view is what every page gets: the frame (title, signed-in user, switcher, CSRF token) and the page's data.
type view struct {
	Title   string
	User    *User
	IsAdmin bool
	People  []User
	CSRF    string
	Path    string
	Crumbs  []crumb
	Notice  string
	Error   string
	Page    any
	// Languages is the language menu; Lang the entry chosen ("" for the browser's).
	Languages []language
	Lang      string
}

type crumb struct{ Label, URL string }

// render writes a page. It renders into a buffer first so a template error is a clean 500.
func (a *app) render(c echo.Context, status int, page string, v view) error {
	t := a.pages[page]
	if t == nil {
		return fmt.Errorf("lms: no page %q", page)
	}
	ctx := c.Request().Context()
	if u, ok := a.user(c); ok {
		v.User, v.IsAdmin = &u, u.Role == RoleAdmin
	}
	people, err := a.db.Users(ctx)
	if err != nil {
		return err
	}
	v.People = people
	v.CSRF, _ = c.Get(csrfKey).(string)
	v.Path = c.Request().URL.RequestURI()
	v.Languages, v.Lang = languages(), chosenLanguage(c)
	if v.Notice == "" {
		v.Notice = notices(c.QueryParam("notice"))
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		a.log.ErrorContext(ctx, "lms: render", "page", page, "err", err)
		return c.String(http.StatusInternalServerError, "The page could not be shown.")
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

// notices are the messages shown after a redirect (?notice=...).
func notices(code string) string {
	return map[string]string{
		"attached":     "Your file is attached. Check it, then press Submit when you are ready.",
		"submitted":    "Submitted. Your teacher can see it now.",
		"removed":      "The file was removed from your submission.",
		"added":        "Added to the course materials.",
		"link_added":   "The link was added to the course materials.",
		"deleted":      "Deleted.",
		"created":      "The assignment was created.",
		"signed_in":    "",
		"signed_out":   "You are signed out.",
		"already_done": "That file was handed over already.",
	}[code]
}

// user is the signed-in LMS user.
func (a *app) user(c echo.Context) (User, bool) {
	if u, ok := c.Get("lms.user").(User); ok {
		return u, true
	}
	id, err := a.sessions.user(c.Request())
	if err != nil {
		return User{}, false
	}
	u, err := a.db.User(c.Request().Context(), id)
	if err != nil {
		return User{}, false
	}
	c.Set("lms.user", u)
	return u, true
}

// signedIn returns the user or answers with the sign-in prompt (as an error page).
func (a *app) signedIn(c echo.Context) (User, error) {
	u, ok := a.user(c)
	if !ok {
		return User{}, a.fail(c, http.StatusUnauthorized, "Please sign in", "Choose who you are with the switcher at the top of the page.")
	}
	return u, nil
}

// answered marks an error whose page was written already.
var errAnswered = errors.New("lms: answered")

// fail writes an error page and returns errAnswered, which handlers pass up and the error handler ignores.
func (a *app) fail(c echo.Context, status int, title, detail string) error {
	if err := a.render(c, status, "error", view{Title: title, Page: struct{ Title, Detail string }{title, detail}}); err != nil {
		return err
	}
	return errAnswered
}

// errorHandler turns Echo's errors (404, 405, panics) into the LMS's error page.
func (a *app) errorHandler(err error, c echo.Context) {
	if errors.Is(err, errAnswered) || c.Response().Committed {
		return
	}
	status, title, detail := http.StatusInternalServerError, "Something went wrong", "Try again in a moment."
	var he *echo.HTTPError
	if errors.As(err, &he) {
		status = he.Code
		switch he.Code {
		case http.StatusNotFound:
			title, detail = "Page not found", "The page you asked for does not exist."
		case http.StatusMethodNotAllowed:
			title, detail = "Not allowed", "That is not something this page does."
		default:
			title, detail = http.StatusText(he.Code), ""
		}
	} else {
		a.log.ErrorContext(c.Request().Context(), "lms: request failed", "path", c.Request().URL.Path, "err", err)
	}
	_ = a.fail(c, status, title, detail)
}

// seeOther redirects after a POST (or a pick hand-over) to a page, with a notice.
func seeOther(c echo.Context, path, notice string) error {
	if notice != "" {
		path += "?notice=" + url.QueryEscape(notice)
	}
	return c.Redirect(http.StatusSeeOther, path)
}

// safeNext keeps a redirect target on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	return next
}

func roleLabel(r string) string {
	switch r {
	case RoleAdmin:
		return "site admin"
	case RoleTeacher:
		return "teacher"
	case RoleStudent:
		return "student"
	}
	return r
}

// humanSize writes a byte count for people the way ocrepo's pages (and Nextcloud) do, so that the demo's pages and
// the picker agree: 1024-based, "B", "KB", "MB", "GB", one decimal below 10 of a unit (999 B, 1.5 KB, 50 MB).
func humanSize(n int64) string {
	if n < 1<<10 {
		return fmt.Sprintf("%d B", n)
	}
	f := float64(n)
	for _, unit := range []string{"KB", "MB", "GB", "TB"} {
		f /= 1 << 10
		if f < 1<<10 || unit == "TB" {
			if f < 10 && f != float64(int64(f)) {
				return fmt.Sprintf("%.1f %s", f, unit)
			}
			return fmt.Sprintf("%.0f %s", f, unit)
		}
	}
	return ""
}
