package admin

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/templates"
)

// Sections of the admin navigation.
const (
	sectionIssuers   = "issuers"
	sectionInstances = "instances"
	sectionAudit     = "audit"
	sectionLinks     = "links"
	sectionHealth    = "health"

	// The sections of a course's pages.
	sectionCourseRepos = "course-repositories"
	sectionCourseLinks = "course-links"
)

// noticeIDs maps the notice query parameter to the message shown after a redirect; unknown codes show nothing.
func noticeIDs() map[string]string {
	return map[string]string{
		"issuer_created":      "admin.notice.issuer_created",
		"issuer_saved":        "admin.notice.saved",
		"instance_saved":      "admin.notice.saved",
		"issuer_deleted":      "admin.notice.issuer_deleted",
		"system_connected":    "admin.notice.system_connected",
		"system_disconnected": "admin.notice.system_disconnected",
		"instance_created":    "admin.notice.instance_created",
		"instance_deleted":    "admin.notice.instance_deleted",
		"course_saved":        "admin.notice.course_saved",
		"share_revoked":       "admin.notice.share_revoked",
		"share_regranted":     "admin.notice.share_regranted",
	}
}

// noticeText is the message shown after a redirect, by the notice query parameter, in the request's language;
// "" for unknown ones.
func (h *handler) noticeText(c echo.Context, code string) string {
	id, ok := noticeIDs()[code]
	if !ok {
		return ""
	}
	return h.env.T(c, id)
}

// frame is the admin frame of a page in section.
func (h *handler) frame(c echo.Context, title, section string) templates.AdminFrame {
	f := templates.AdminFrame{
		Page:    h.env.Page(c, title),
		Section: section,
		Nav: []templates.NavItem{
			{Key: sectionIssuers, Label: h.env.T(c, "admin.nav.issuers"), URL: h.env.Routes.URL("admin.issuers")},
			{Key: sectionInstances, Label: h.env.T(c, "admin.nav.instances"), URL: h.env.Routes.URL("admin.instances")},
			{Key: sectionLinks, Label: h.env.T(c, "admin.nav.links"), URL: h.env.Routes.URL("admin.links")},
			{Key: sectionAudit, Label: h.env.T(c, "admin.nav.audit"), URL: h.env.Routes.URL("admin.audit")},
			{Key: sectionHealth, Label: h.env.T(c, "admin.nav.health"), URL: h.env.Routes.URL("admin.health")},
		},
	}
	if text := h.noticeText(c, c.QueryParam("notice")); text != "" {
		f.Notice = &templates.Alert{Code: "notice", Title: text, Kind: "success"}
	}
	return f
}

// courseFrame is the frame of a course's page in section: the course's own navigation (its repositories, its
// access controlled links), not the site admin's.
func (h *handler) courseFrame(c echo.Context, course, title, section string) templates.AdminFrame {
	f := templates.AdminFrame{
		Page:     h.env.Page(c, title),
		Section:  section,
		NavLabel: h.env.T(c, "admin.nav.course", "Course", course),
		Nav: []templates.NavItem{
			{Key: sectionCourseRepos, Label: h.env.T(c, "admin.nav.course_repositories"), URL: h.env.Routes.URL("course", course)},
			{Key: sectionCourseLinks, Label: h.env.T(c, "admin.nav.course_links"), URL: h.env.Routes.URL("course.links", course)},
		},
	}
	if text := h.noticeText(c, c.QueryParam("notice")); text != "" {
		f.Notice = &templates.Alert{Code: "notice", Title: text, Kind: "success"}
	}
	return f
}

// noticeURL adds a notice to a URL the browser is sent to.
func noticeURL(u, notice string) string { return web.WithQuery(u, "notice", notice) }

// redirect ends a successful form post: a 303 for plain forms, HX-Redirect for htmx.
func redirect(c echo.Context, url string) error {
	if web.IsHTMX(c) {
		c.Response().Header().Set("HX-Redirect", url)
		return c.NoContent(http.StatusOK)
	}
	return c.Redirect(http.StatusSeeOther, url)
}

// pathID reads a numeric path parameter.
func pathID(c echo.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	return id, err == nil && id > 0
}

// notFound answers a missing issuer or instance; what is the message id naming it ("admin.what.issuer").
func (h *handler) notFound(c echo.Context, what string) error {
	return h.env.FailWith(c, http.StatusNotFound, "admin.not_found", "What", h.env.T(c, what))
}

// failed answers an error through the shared mapping (web.ProblemFor), with the admin's words; one no rule
// explains is logged for the operator as an error and named by what could not be loaded or saved (a message id,
// "admin.what.issuer").
func (h *handler) failed(c echo.Context, what string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return h.notFound(c, what)
	}
	p := h.env.Problem(c, err, "")
	if !p.Known {
		h.env.LogError(c.Request().Context(), "admin: "+what, "path", c.Path(), "err", err)
		return h.env.FailWith(c, p.Status, "admin.failed", "What", h.env.T(c, what))
	}
	h.env.Logger.WarnContext(c.Request().Context(), "ocrepo: admin: "+what, "path", c.Path(), "status", p.Status, "code", p.Code, "err", err)
	detail := p.User.Detail
	if p.Admin != "" {
		detail += " " + h.env.AdminWords(c, p)
	}
	return h.env.Fail(c, p.Status, p.User.Title, detail)
}

// when formats a time for admins in their language and time zone; zero is "never".
func (h *handler) when(c echo.Context, t time.Time) string {
	if t.IsZero() {
		return h.env.T(c, "admin.never")
	}
	return h.env.Localizer(c).Time(t)
}

// errorSummary heads a form with errors.
func (h *handler) errorSummary(c echo.Context, n int) string {
	if n == 0 {
		return ""
	}
	return h.env.T(c, "admin.form.summary", "Count", n, "N", h.env.Localizer(c).Number(int64(n)))
}
