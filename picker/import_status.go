package picker

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/templates"
)

// importStatus reports an import: htmx polls it for the progress bar; without JavaScript it is a page that
// refreshes itself until the import ends.
func (h *handler) importStatus(c echo.Context) error {
	s, err := h.open(c)
	if err != nil {
		return done(err)
	}
	ctx := c.Request().Context()
	j, err := h.svc.ImportStatus(ctx, s.user, c.Param("id"))
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return done(h.failWith(c, http.StatusNotFound, "import_unknown"))
		}
		h.env.LogError(ctx, "read import", "err", err)
		return done(h.failWith(c, http.StatusInternalServerError, "import_unread"))
	}
	st, res := h.importBox(ctx, s, j)
	if res != nil && web.IsHTMX(c) {
		setPickedTrigger(c, *res)
	}
	if web.IsHTMX(c) {
		if j.State == store.ImportRunning {
			return h.env.Render(c, http.StatusOK, templates.Progress(st))
		}
		// The import ended: replace the whole status box, cancel button included.
		c.Response().Header().Set("HX-Retarget", "#status-"+j.ID)
		c.Response().Header().Set("HX-Reswap", "outerHTML")
		return h.env.Render(c, http.StatusOK, templates.Status(st))
	}
	title := s.t("picker.import.importing", "Name", s.stored(j.Name))
	if st.Result != nil {
		title = st.Result.Title
	}
	pg := h.screen(c, title)
	if j.State == store.ImportRunning {
		pg.Refresh = 1
	}
	if st.Result != nil && st.Result.AutoReturn {
		pg.NoScriptGo = st.Result.ReturnURL
	}
	return h.env.Render(c, http.StatusOK, templates.StatusScreen(pg, st, h.url(s, "picker")))
}
