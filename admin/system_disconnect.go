package admin

import (
	"errors"
	"fmt"
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
		return h.notFound(c, "cloud server")
	}
	iss, err := h.svc.GetIssuer(ctx, id)
	if err != nil {
		return h.failed(c, "cloud server", err)
	}
	err = h.svc.DisconnectSystem(ctx, web.User(c), id)
	var inUse *service.SystemInUseError
	var problem *templates.Alert
	status := http.StatusOK
	switch {
	case errors.As(err, &inUse):
		status = http.StatusConflict
		problem = &templates.Alert{Code: "system-in-use", Title: "The system account cannot be disconnected",
			Detail: fmt.Sprintf("%d access controlled link(s) live in the space of %s: without the account nobody could open them any more. "+
				"Disconnecting is possible once those links are gone; to renew the login, use Connect again with the same account.", inUse.Links, inUse.CloudUser)}
	case errors.Is(err, service.ErrNotConnected):
		status = http.StatusConflict
		problem = &templates.Alert{Code: "system-not-connected", Title: "No system account is connected", Detail: "There is nothing to disconnect."}
	case err != nil:
		return h.failed(c, "system account", err)
	case !web.IsHTMX(c):
		return c.Redirect(http.StatusSeeOther, noticeURL(h.env.Routes.URL("admin.issuer", id), "system_disconnected"))
	}
	panel, perr := h.systemPanel(c, iss)
	if perr != nil {
		return h.failed(c, "system account", perr)
	}
	panel.Problem, panel.Focus = problem, true
	if problem == nil {
		panel.Announce = "System account disconnected."
	} else {
		panel.Announce = problem.Title
	}
	if web.IsHTMX(c) {
		return h.env.Render(c, status, templates.SystemAccountPanel(panel))
	}
	page, perr := h.issuerPage(c, issuerState{in: issuerInputOf(iss), id: id, secretSet: iss.ClientSecret != ""}, nil)
	if perr != nil {
		return h.failed(c, "cloud server", perr)
	}
	page.Edit.System = panel
	return h.env.Render(c, status, templates.IssuerFormPage(page))
}
