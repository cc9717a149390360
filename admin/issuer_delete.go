package admin

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/templates"
)

// issuerDeleteConfirm says what deleting a cloud server takes with it and asks first.
func (h *handler) issuerDeleteConfirm(c echo.Context) error {
	id, ok := pathID(c, "id")
	if !ok {
		return h.notFound(c, "admin.what.issuer")
	}
	imp, err := h.svc.IssuerDeletionImpact(c.Request().Context(), id)
	if err != nil {
		return h.failed(c, "admin.what.issuer", err)
	}
	v := templates.IssuerDelete{
		Frame:           h.frame(c, h.env.T(c, "admin.delete.title", "Name", imp.Issuer.Name), sectionIssuers),
		Name:            imp.Issuer.Name,
		BaseURL:         imp.Issuer.BaseURL,
		Action:          h.env.Routes.URL("admin.issuer.delete.do", id),
		CancelURL:       h.env.Routes.URL("admin.issuer", id),
		CSRF:            web.CSRFToken(c),
		UserLogins:      imp.UserLogins,
		ControlledLinks: imp.ControlledLinks,
	}
	for _, in := range imp.Instances {
		v.Instances = append(v.Instances, in.Name)
	}
	if imp.System.Connected || imp.System.NeedLogin {
		v.SystemUser = imp.System.CloudUser
	}
	return h.env.Render(c, http.StatusOK, templates.IssuerDeletePage(v))
}

// issuerDelete deletes a cloud server once the admin confirmed on the confirmation page.
func (h *handler) issuerDelete(c echo.Context) error {
	id, ok := pathID(c, "id")
	if !ok {
		return h.notFound(c, "admin.what.issuer")
	}
	if c.FormValue("confirm") != "yes" {
		return c.Redirect(http.StatusSeeOther, h.env.Routes.URL("admin.issuer.delete", id))
	}
	if err := h.svc.DeleteIssuer(c.Request().Context(), web.User(c), id); err != nil {
		return h.failed(c, "admin.what.issuer", err)
	}
	return redirect(c, noticeURL(h.env.Routes.URL("admin.issuers"), "issuer_deleted"))
}
