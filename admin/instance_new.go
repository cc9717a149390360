package admin

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// instanceNew shows the empty form for a new repository instance.
func (h *handler) instanceNew(c echo.Context) error {
	return h.renderInstanceForm(c, http.StatusOK, 0, newInstanceInput(), nil)
}
