package admin

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/templates"
)

// issuerEdit shows a cloud server: its redirect URI, connection check, system account and settings.
func (h *handler) issuerEdit(c echo.Context) error {
	id, ok := pathID(c, "id")
	if !ok {
		return h.notFound(c, "admin.what.issuer")
	}
	iss, err := h.svc.GetIssuer(c.Request().Context(), id)
	if err != nil {
		return h.failed(c, "admin.what.issuer", err)
	}
	st := issuerState{in: issuerInputOf(iss), id: iss.ID, secretSet: iss.ClientSecret != ""}
	page, err := h.issuerPage(c, st, nil)
	if err != nil {
		return h.failed(c, "admin.what.issuer", err)
	}
	// The login callback comes back here after connecting the system account; say so only when it worked.
	if c.QueryParam("notice") == "system_connected" && !page.Edit.System.Connected {
		page.Frame.Notice = nil
	}
	return h.env.Render(c, http.StatusOK, templates.IssuerFormPage(page))
}
