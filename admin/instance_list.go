package admin

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/templates"
)

// instanceList shows every repository instance with its cloud server's fitness.
func (h *handler) instanceList(c echo.Context) error {
	ctx := c.Request().Context()
	all, err := h.svc.ListInstances(ctx)
	if err != nil {
		return h.failed(c, "list of repository instances", err)
	}
	v := templates.InstanceList{
		Frame:      h.frame(c, "Repository instances", sectionInstances),
		NewURL:     h.env.Routes.URL("admin.instance.new"),
		IssuersURL: h.env.Routes.URL("admin.issuers"),
	}
	if len(all) == 0 {
		// Every instance has an issuer, so only an empty list can lack them.
		issuers, err := h.svc.IssuerLabels(ctx)
		if err != nil {
			return h.failed(c, "list of repository instances", err)
		}
		v.NoIssuers = len(issuers) == 0
	}
	for _, s := range all {
		in := s.Instance
		row := templates.InstanceRow{
			ID: in.ID, Name: in.Name, Folder: in.ControlledLinkFolder, Enabled: in.Enabled,
			Supported: returnTypesLabel(host.ReturnType(in.Supported)),
			Default:   returnLabel(host.ReturnType(in.DefaultReturn)),
			EditURL:   h.env.Routes.URL("admin.instance", in.ID),
			DeleteURL: h.env.Routes.URL("admin.instance.delete", in.ID),
		}
		switch {
		case !s.Found:
			row.Issuer, row.Note, row.Bad = "(deleted)", "its cloud server is gone", true
		case !s.Issuer.Suitable():
			row.Issuer, row.Note, row.Bad = s.Issuer.Issuer.Name, fitnessNote(s.Issuer), true
		case !s.Issuer.ControlledLinks && host.ReturnType(in.Supported).Has(host.ReturnLink):
			row.Issuer, row.Note = s.Issuer.Issuer.Name, "controlled links unavailable: no system account"
		default:
			row.Issuer = s.Issuer.Issuer.Name
		}
		v.Rows = append(v.Rows, row)
	}
	return h.env.Render(c, http.StatusOK, templates.InstanceListPage(v))
}

// returnLabel names one return type for admins.
func returnLabel(t host.ReturnType) string {
	switch t {
	case host.ReturnImport:
		return "Internal file"
	case host.ReturnLink:
		return "External link"
	case host.ReturnControlledLink:
		return "Access controlled link"
	}
	return "none"
}

// returnTypesLabel names a set of supported types.
func returnTypesLabel(t host.ReturnType) string {
	var parts []string
	if t.Has(host.ReturnImport) {
		parts = append(parts, "internal files")
	}
	if t.Has(host.ReturnLink) {
		parts = append(parts, "external links")
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, " and ")
}
