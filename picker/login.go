package picker

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
)

// login starts the cloud login for the current instance and sends the browser (the popup) to the cloud.
func (h *handler) login(c echo.Context) error {
	s, err := h.openInstance(c)
	if err != nil {
		return done(err)
	}
	to, err := h.svc.StartLogin(c.Request().Context(), s.user, service.LoginStart{
		IssuerID: s.cur.Issuer.ID, InstanceID: s.cur.Instance.ID, ReturnTo: h.url(s, "picker"), Popup: true,
	})
	if err != nil {
		h.env.LogError(c.Request().Context(), "start login", "instance", s.cur.Instance.ID, "err", err)
		return done(h.failProblem(c, h.env.Problem(c, err, s.cur.CloudName())))
	}
	return c.Redirect(http.StatusFound, to)
}
