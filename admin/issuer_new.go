package admin

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/templates"
)

// issuerNew shows the empty form for a new cloud server.
func (h *handler) issuerNew(c echo.Context) error {
	page, err := h.issuerPage(c, issuerState{in: newIssuerInput(), focus: "issuer-name"}, nil)
	if err != nil {
		return h.failed(c, "admin.what.issuer", err)
	}
	return h.env.Render(c, http.StatusOK, templates.IssuerFormPage(page))
}
