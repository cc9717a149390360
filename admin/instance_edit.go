package admin

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// instanceEdit shows the form of a repository instance.
func (h *handler) instanceEdit(c echo.Context) error {
	id, ok := pathID(c, "id")
	if !ok {
		return h.notFound(c, "admin.what.instance")
	}
	in, err := h.svc.GetInstance(c.Request().Context(), id)
	if err != nil {
		return h.failed(c, "admin.what.instance", err)
	}
	return h.renderInstanceForm(c, http.StatusOK, id, instanceInputOf(in), nil)
}
