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
		return h.notFound(c, "repository instance")
	}
	enabled, err := strconv.ParseBool(c.FormValue("enabled"))
	if err != nil {
		return h.env.Fail(c, http.StatusBadRequest, "The form could not be read", "Reload the page and try again.")
	}
	r, err := h.svc.SetCourseInstance(c.Request().Context(), web.User(c), course, id, enabled)
	if err != nil {
		return h.failed(c, "repository instance", err)
	}
	if !web.IsHTMX(c) {
		return c.Redirect(http.StatusSeeOther, noticeURL(h.env.Routes.URL("course", course), "course_saved"))
	}
	row := h.courseRow(c, course, r)
	row.Focus = true
	if enabled {
		row.Announce = r.Instance.Name + " is enabled for this course."
	} else {
		row.Announce = r.Instance.Name + " is disabled for this course."
	}
	return h.env.Render(c, http.StatusOK, templates.CourseRowFragment(row))
}
