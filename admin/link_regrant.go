package admin

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/templates"
)

// linkRegrant shares a controlled link's copy again with a user whose share was revoked, from the admins'
// console.
func (h *handler) linkRegrant(c echo.Context) error {
	return h.regrantShare(c, linkScope{})
}

// regrantShare shares the copy again with the rights the user had (read only for a submitted link's owner). htmx
// gets the row back (announced, focus on the share's Revoke button); a plain browser the list it came from.
func (h *handler) regrantShare(c echo.Context, s linkScope) error {
	if ok, err := h.admitted(c, s); !ok {
		return err
	}
	id, ok := pathID(c, "id")
	user := c.FormValue("user")
	if !ok || user == "" {
		return h.notFound(c, "admin.what.share")
	}
	back := h.safeBack(s, c.FormValue("back"))
	r, err := h.svc.ConsoleRegrant(c.Request().Context(), web.User(c), s.course, id, user)
	if err != nil {
		return h.shareActionFailed(c, s, err)
	}
	if !web.IsHTMX(c) {
		return c.Redirect(http.StatusSeeOther, noticeURL(back, "share_regranted"))
	}
	row := h.freshRow(c, s, r, back)
	row.Focus = user
	row.Announce = h.env.T(c, "admin.share.regranted", "User", user, "File", r.Link.Name)
	return h.env.Render(c, http.StatusOK, templates.LinkRowFragment(row))
}
