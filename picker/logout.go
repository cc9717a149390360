package picker

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/web"
)

// logout forgets the user's login at the current instance's cloud (revoking it there where the cloud can) and
// shows the picker again, now with the login button; when the cloud could not be reached, it says that the login
// there is ended once the cloud answers again.
func (h *handler) logout(c echo.Context) error {
	s, err := h.openInstance(c)
	if err != nil {
		return done(err)
	}
	res, err := h.svc.Logout(c.Request().Context(), s.user, s.cur.Issuer.ID)
	if err != nil {
		h.env.LogError(c.Request().Context(), "logout", "err", err)
		return done(h.failWith(c, http.StatusInternalServerError, "logout_failed"))
	}
	back := h.url(s, "picker")
	if res.RevocationPending {
		back = web.WithQuery(back, "logout", "pending")
	}
	if web.IsHTMX(c) {
		c.Response().Header().Set("HX-Redirect", back)
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, back)
}
