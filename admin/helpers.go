package admin

import (
	"errors"
	"fmt"
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

// noticeText is the message shown after a redirect, by the notice query parameter; "" for unknown ones.
func noticeText(code string) string {
	switch code {
	case "issuer_created":
		return "Cloud server added. Next: run the connection check and connect its system account below."
	case "issuer_saved", "instance_saved":
		return "Changes saved."
	case "issuer_deleted":
		return "Cloud server deleted, with its repository instances and logins."
	case "system_connected":
		return "System account connected."
	case "system_disconnected":
		return "System account disconnected."
	case "instance_created":
		return "Repository instance added."
	case "instance_deleted":
		return "Repository instance deleted."
	case "course_saved":
		return "Course setting saved."
	case "share_revoked":
		return "Share revoked: the file is gone from that person's cloud."
	case "share_regranted":
		return "Shared again."
	}
	return ""
}

// frame is the admin frame of a page in section.
func (h *handler) frame(c echo.Context, title, section string) templates.AdminFrame {
	f := templates.AdminFrame{
		Page:    h.env.Page(c, title),
		Section: section,
		Nav: []templates.NavItem{
			{Key: sectionIssuers, Label: "Cloud servers", URL: h.env.Routes.URL("admin.issuers")},
			{Key: sectionInstances, Label: "Repository instances", URL: h.env.Routes.URL("admin.instances")},
			{Key: sectionLinks, Label: "Controlled links", URL: h.env.Routes.URL("admin.links")},
			{Key: sectionAudit, Label: "Audit trail", URL: h.env.Routes.URL("admin.audit")},
			{Key: sectionHealth, Label: "Cloud health", URL: h.env.Routes.URL("admin.health")},
		},
	}
	if text := noticeText(c.QueryParam("notice")); text != "" {
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
		NavLabel: "Course " + course,
		Nav: []templates.NavItem{
			{Key: sectionCourseRepos, Label: "File repositories", URL: h.env.Routes.URL("course", course)},
			{Key: sectionCourseLinks, Label: "Access controlled links", URL: h.env.Routes.URL("course.links", course)},
		},
	}
	if text := noticeText(c.QueryParam("notice")); text != "" {
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

// notFound answers a missing issuer or instance.
func (h *handler) notFound(c echo.Context, what string) error {
	return h.env.Fail(c, http.StatusNotFound, "Not found", fmt.Sprintf("This %s does not exist (any more). Go back to the list and reload it.", what))
}

// failed answers an error through the shared mapping (web.ProblemFor), with the admin's words; one no rule
// explains is logged for the operator as an error and named by what could not be loaded or saved.
func (h *handler) failed(c echo.Context, what string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return h.notFound(c, what)
	}
	p := web.ProblemFor(err, "")
	if !p.Known {
		h.env.LogError(c.Request().Context(), "admin: "+what, "path", c.Path(), "err", err)
		return h.env.Fail(c, p.Status, "Something went wrong", "The "+what+" could not be loaded or saved. Try again; if it keeps happening, look at the server log.")
	}
	h.env.Logger.WarnContext(c.Request().Context(), "ocrepo: admin: "+what, "path", c.Path(), "status", p.Status, "code", p.Code, "err", err)
	detail := p.User.Detail
	if p.Admin != "" {
		detail += " " + h.env.AdminWords(c, p)
	}
	return h.env.Fail(c, p.Status, p.User.Title, detail)
}

// when formats a time for admins; zero is "never".
func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// errorSummary heads a form with errors.
func errorSummary(n int) string {
	if n == 0 {
		return ""
	}
	if n == 1 {
		return "Correct the problem marked below."
	}
	return fmt.Sprintf("Correct the %d problems marked below.", n)
}
