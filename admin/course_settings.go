package admin

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/templates"
)

// courseSettings lets a course's managers (and site admins) enable or disable each instance for the course.
func (h *handler) courseSettings(c echo.Context) error {
	course := web.PathParam(c, "course")
	if ok, err := h.mayManage(c, course); !ok {
		return err
	}
	rows, err := h.svc.CourseInstances(c.Request().Context(), course)
	if err != nil {
		return h.failed(c, "admin.what.course", err)
	}
	v := templates.CoursePage{
		Frame:  h.courseFrame(c, course, h.env.T(c, "admin.course.title", "Course", course), sectionCourseRepos),
		Course: course, LinksURL: h.env.Routes.URL("course.links", course),
	}
	for _, r := range rows {
		v.Rows = append(v.Rows, h.courseRow(c, course, r))
	}
	return h.env.Render(c, http.StatusOK, templates.CourseSettingsPage(v))
}

// mayManage lets course managers and site admins through; everybody else gets a 403 page (returned as the error).
func (h *handler) mayManage(c echo.Context, course string) (bool, error) {
	return h.mayManageTo(c, course, "admin.course.managers_only.repositories")
}

// mayManageTo is mayManage with the 403 page saying what only managers may do (detail, a message id).
func (h *handler) mayManageTo(c echo.Context, course, detail string) (bool, error) {
	ok, err := h.env.CanManageCourse(c, course)
	if err != nil {
		h.env.LogError(c.Request().Context(), "admin: course managers hook", "course", course, "err", err)
		return false, h.env.FailWith(c, http.StatusInternalServerError, "admin.course.permissions_failed")
	}
	if !ok {
		return false, h.env.Fail(c, http.StatusForbidden, h.env.T(c, "admin.course.managers_only.title"), h.env.T(c, detail))
	}
	return true, nil
}

// courseRow is one instance's row on the course page.
func (h *handler) courseRow(c echo.Context, course string, r service.CourseInstance) templates.CourseRow {
	return templates.CourseRow{
		ID: r.Instance.ID, Name: r.Instance.Name, Issuer: r.IssuerName, SiteEnabled: r.SiteEnabled, Enabled: r.Enabled,
		Action: h.env.Routes.URL("course.instance", course, r.Instance.ID), CSRF: web.CSRFToken(c),
	}
}
