package picker

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/templates"
)

// importCancel stops a running import; whatever was written at the host is discarded.
func (h *handler) importCancel(c echo.Context) error {
	s, err := h.open(c)
	if err != nil {
		return done(err)
	}
	ctx := c.Request().Context()
	id := c.Param("id")
	if err := h.svc.CancelImport(ctx, s.user, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return done(h.failWith(c, http.StatusNotFound, "import_unknown"))
		}
		h.env.LogError(ctx, "cancel import", "err", err)
		return done(h.failWith(c, http.StatusInternalServerError, "cancel_failed"))
	}
	if !web.IsHTMX(c) {
		return c.Redirect(http.StatusSeeOther, h.with(s, h.env.Routes.URL("picker.import", id)))
	}
	j, err := h.svc.ImportStatus(ctx, s.user, id)
	if err != nil {
		h.env.LogError(ctx, "read import after cancel", "err", err)
		return done(h.failWith(c, http.StatusInternalServerError, "import_unread"))
	}
	st := h.statusView(s, j)
	if j.State == store.ImportRunning {
		st.Progress = s.t("picker.import.cancelling")
		st.Announce = s.t("picker.import.cancelling_say")
	}
	return h.env.Render(c, http.StatusOK, templates.Status(st))
}
