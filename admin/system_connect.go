package admin

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/repository/cloud"
)

// systemConnect starts the login of an issuer's system account: the admin logs in at the cloud with the
// dedicated account, and the shared OAuth callback stores its token and comes back to the issuer's page.
func (h *handler) systemConnect(c echo.Context) error {
	id, ok := pathID(c, "id")
	if !ok {
		return h.notFound(c, "admin.what.issuer")
	}
	back := noticeURL(h.env.Routes.URL("admin.issuer", id), "system_connected")
	target, err := h.svc.StartLogin(c.Request().Context(), web.User(c), service.LoginStart{IssuerID: id, System: true, ReturnTo: back})
	if errors.Is(err, cloud.ErrInvalidConfig) {
		return h.env.FailWith(c, http.StatusConflict, "admin.system.incomplete")
	}
	if err != nil {
		return h.failed(c, "admin.what.issuer", err)
	}
	if web.IsHTMX(c) {
		c.Response().Header().Set("HX-Redirect", target)
		return c.NoContent(http.StatusOK)
	}
	return c.Redirect(http.StatusSeeOther, target)
}
