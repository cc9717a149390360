package admin

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/templates"
)

// courseToggle enables or disables one instance for a course. htmx swaps the row (and announces the change); a
// plain form comes back to the course page.
func (h *handler) courseToggle(c echo.Context) error {
	course := web.PathParam(c, "course")
	if ok, err := h.mayManage(c, course); !ok {
		return err
	}
	id, ok := pathID(c, "id")
	if !ok {
		return h.notFound(c, "admin.what.instance")
	}
	enabled, err := strconv.ParseBool(c.FormValue("enabled"))
	if err != nil {
		return h.env.FailWith(c, http.StatusBadRequest, "admin.form.unreadable")
	}
	r, err := h.svc.SetCourseInstance(c.Request().Context(), web.User(c), course, id, enabled)
	if err != nil {
		return h.failed(c, "admin.what.instance", err)
	}
	if !web.IsHTMX(c) {
		return c.Redirect(http.StatusSeeOther, noticeURL(h.env.Routes.URL("course", course), "course_saved"))
	}
	row := h.courseRow(c, course, r)
	row.Focus = true
	if enabled {
		row.Announce = h.env.T(c, "admin.course.enabled_announce", "Name", r.Instance.Name)
	} else {
		row.Announce = h.env.T(c, "admin.course.disabled_announce", "Name", r.Instance.Name)
	}
	return h.env.Render(c, http.StatusOK, templates.CourseRowFragment(row))
}
