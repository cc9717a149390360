package admin

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/templates"
)

// issuerList shows every cloud server with its product, system account and instances.
func (h *handler) issuerList(c echo.Context) error {
	all, err := h.svc.ListIssuers(c.Request().Context())
	if err != nil {
		return h.failed(c, "admin.what.issuers", err)
	}
	v := templates.IssuerList{
		Frame:       h.frame(c, h.env.T(c, "admin.nav.issuers"), sectionIssuers),
		NewURL:      h.env.Routes.URL("admin.issuer.new"),
		CallbackURL: h.svc.CallbackURL(),
	}
	for _, s := range all {
		iss := s.Issuer
		row := templates.IssuerRow{
			ID: iss.ID, Name: iss.Name, BaseURL: iss.BaseURL, Preset: iss.Preset,
			Product:   strings.TrimSpace(iss.Product + " " + iss.Version),
			EditURL:   h.env.Routes.URL("admin.issuer", iss.ID),
			DeleteURL: h.env.Routes.URL("admin.issuer.delete", iss.ID),
			Instances: s.Instances,
			Missing:   strings.Join(s.Missing, ", "),
		}
		switch {
		case s.System.Connected:
			row.System = s.System.CloudUser
		case s.System.NeedLogin:
			row.System, row.SystemNote = s.System.CloudUser, h.env.T(c, "admin.issuers.system_relogin")
		default:
			row.SystemNote = h.env.T(c, "admin.issuers.system_none")
		}
		v.Rows = append(v.Rows, row)
	}
	return h.env.Render(c, http.StatusOK, templates.IssuerListPage(v))
}
