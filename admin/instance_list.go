package admin

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/templates"
)

// instanceList shows every repository instance with its cloud server's fitness.
func (h *handler) instanceList(c echo.Context) error {
	ctx := c.Request().Context()
	all, err := h.svc.ListInstances(ctx)
	if err != nil {
		return h.failed(c, "admin.what.instances", err)
	}
	v := templates.InstanceList{
		Frame:      h.frame(c, h.env.T(c, "admin.nav.instances"), sectionInstances),
		NewURL:     h.env.Routes.URL("admin.instance.new"),
		IssuersURL: h.env.Routes.URL("admin.issuers"),
	}
	if len(all) == 0 {
		// Every instance has an issuer, so only an empty list can lack them.
		issuers, err := h.svc.IssuerLabels(ctx)
		if err != nil {
			return h.failed(c, "admin.what.instances", err)
		}
		v.NoIssuers = len(issuers) == 0
	}
	for _, s := range all {
		in := s.Instance
		row := templates.InstanceRow{
			ID: in.ID, Name: in.Name, Folder: in.ControlledLinkFolder, Enabled: in.Enabled,
			Supported: h.returnTypesLabel(c, host.ReturnType(in.Supported)),
			Default:   h.returnLabel(c, host.ReturnType(in.DefaultReturn)),
			EditURL:   h.env.Routes.URL("admin.instance", in.ID),
			DeleteURL: h.env.Routes.URL("admin.instance.delete", in.ID),
		}
		switch {
		case !s.Found:
			row.Issuer, row.Note, row.Bad = h.env.T(c, "admin.instance.issuer_deleted"), h.env.T(c, "admin.instance.issuer_gone"), true
		case !s.Issuer.Suitable():
			row.Issuer, row.Note, row.Bad = s.Issuer.Issuer.Name, h.fitnessNote(c, s.Issuer), true
		case !s.Issuer.ControlledLinks && host.ReturnType(in.Supported).Has(host.ReturnLink):
			row.Issuer, row.Note = s.Issuer.Issuer.Name, h.env.T(c, "admin.instance.no_system")
		default:
			row.Issuer = s.Issuer.Issuer.Name
		}
		v.Rows = append(v.Rows, row)
	}
	return h.env.Render(c, http.StatusOK, templates.InstanceListPage(v))
}

// returnLabel names one return type for admins.
func (h *handler) returnLabel(c echo.Context, t host.ReturnType) string {
	switch t {
	case host.ReturnImport:
		return h.env.T(c, "admin.return.import")
	case host.ReturnLink:
		return h.env.T(c, "admin.return.link")
	case host.ReturnControlledLink:
		return h.env.T(c, "admin.return.controlled")
	}
	return h.env.T(c, "admin.return.none")
}

// returnTypesLabel names a set of supported types.
func (h *handler) returnTypesLabel(c echo.Context, t host.ReturnType) string {
	switch {
	case t.Has(host.ReturnImport) && t.Has(host.ReturnLink):
		return h.env.T(c, "admin.returns.both")
	case t.Has(host.ReturnImport):
		return h.env.T(c, "admin.returns.import")
	case t.Has(host.ReturnLink):
		return h.env.T(c, "admin.returns.link")
	}
	return h.env.T(c, "admin.returns.none")
}
