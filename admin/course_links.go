package admin

import (
	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/web"
)

// courseLinks lists one course's access controlled links for its managers (teachers) and site admins, with the
// same revoke and re-grant as the admins' console, limited to the course.
func (h *handler) courseLinks(c echo.Context) error {
	s, ok, err := h.courseScope(c)
	if !ok {
		return err
	}
	return h.renderLinks(c, s)
}

// courseLinkRow is one of the course's links alone (htmx: a cancelled revoke).
func (h *handler) courseLinkRow(c echo.Context) error {
	s, ok, err := h.courseScope(c)
	if !ok {
		return err
	}
	return h.serveLinkRow(c, s)
}

// courseLinkRevoke revokes a share of one of the course's links; links of other courses are not found here.
func (h *handler) courseLinkRevoke(c echo.Context) error {
	s, ok, err := h.courseScope(c)
	if !ok {
		return err
	}
	return h.revokeShare(c, s)
}

// courseLinkRegrant shares one of the course's links again; links of other courses are not found here.
func (h *handler) courseLinkRegrant(c echo.Context) error {
	s, ok, err := h.courseScope(c)
	if !ok {
		return err
	}
	return h.regrantShare(c, s)
}

// courseScope lets the course's managers and site admins in. Everybody else gets a 403 page: ok is false and err
// is what writing that page returned, so nothing of the course may be touched.
func (h *handler) courseScope(c echo.Context) (s linkScope, ok bool, err error) {
	course := web.PathParam(c, "course")
	if ok, err := h.mayManageTo(c, course, "admin.course.managers_only.links"); !ok {
		return linkScope{}, false, err
	}
	return linkScope{course: course}, true, nil
}
