package admin

import (
	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/templates"
)

// systemPanel builds the system account panel of an issuer.
func (h *handler) systemPanel(c echo.Context, iss store.Issuer) (templates.SystemPanel, error) {
	acc, err := h.svc.SystemAccount(c.Request().Context(), iss.ID)
	if err != nil {
		return templates.SystemPanel{}, err
	}
	return templates.SystemPanel{
		IssuerName: iss.Name,
		Connected:  acc.Connected,
		NeedLogin:  acc.NeedLogin,
		CloudUser:  acc.CloudUser,
		CloudName:  acc.CloudName,
		Since:      h.when(c, acc.Since),
		Refreshed:  h.when(c, acc.Refreshed),
		LastError:  h.env.SayStored(c, acc.LastError),
		Links:      acc.ControlledLinks,
		// A login needs the issuer's client, which needs every endpoint.
		Ready:         len(service.MissingEndpoints(iss)) == 0,
		ConnectURL:    h.env.Routes.URL("admin.system.connect", iss.ID),
		DisconnectURL: h.env.Routes.URL("admin.system.disconnect", iss.ID),
		CSRF:          web.CSRFToken(c),
	}, nil
}
