package admin

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/templates"
)

// systemDisconnect forgets an issuer's system account, unless access controlled links live in its space: then it
// refuses and says why. htmx swaps the panel; a plain form comes back to the issuer's page.
func (h *handler) systemDisconnect(c echo.Context) error {
	ctx := c.Request().Context()
	id, ok := pathID(c, "id")
	if !ok {
		return h.notFound(c, "admin.what.issuer")
	}
	iss, err := h.svc.GetIssuer(ctx, id)
	if err != nil {
		return h.failed(c, "admin.what.issuer", err)
	}
	err = h.svc.DisconnectSystem(ctx, web.User(c), id)
	var inUse *service.SystemInUseError
	var problem *templates.Alert
	status := http.StatusOK
	switch {
	case errors.As(err, &inUse):
		status = http.StatusConflict
		l := h.env.Localizer(c)
		problem = &templates.Alert{Code: "system-in-use", Title: l.T("admin.system.in_use.title"),
			Detail: l.T("admin.system.in_use.detail", "Count", inUse.Links, "N", l.Number(inUse.Links), "User", inUse.CloudUser)}
	case errors.Is(err, service.ErrNotConnected):
		status = http.StatusConflict
		problem = &templates.Alert{Code: "system-not-connected", Title: h.env.T(c, "admin.system.not_connected.title"), Detail: h.env.T(c, "admin.system.not_connected.detail")}
	case err != nil:
		return h.failed(c, "admin.what.system", err)
	case !web.IsHTMX(c):
		return c.Redirect(http.StatusSeeOther, noticeURL(h.env.Routes.URL("admin.issuer", id), "system_disconnected"))
	}
	panel, perr := h.systemPanel(c, iss)
	if perr != nil {
		return h.failed(c, "admin.what.system", perr)
	}
	panel.Problem, panel.Focus = problem, true
	if problem == nil {
		panel.Announce = h.env.T(c, "admin.notice.system_disconnected")
	} else {
		panel.Announce = problem.Title
	}
	if web.IsHTMX(c) {
		return h.env.Render(c, status, templates.SystemAccountPanel(panel))
	}
	page, perr := h.issuerPage(c, issuerState{in: issuerInputOf(iss), id: id, secretSet: iss.ClientSecret != ""}, nil)
	if perr != nil {
		return h.failed(c, "admin.what.issuer", perr)
	}
	page.Edit.System = panel
	return h.env.Render(c, status, templates.IssuerFormPage(page))
}
