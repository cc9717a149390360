package picker

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
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
			return done(h.fail(c, http.StatusNotFound, service.Problem{Code: "import_unknown", Title: "No such import",
				Detail: "This import does not exist or belongs to someone else."}))
		}
		h.env.LogError(ctx, "read import", "err", err)
		return done(h.fail(c, http.StatusInternalServerError, service.Problem{Code: "error", Title: "Something went wrong",
			Detail: "The import's progress could not be read. Try again in a moment."}))
	}
	st := h.statusView(s, j)
	h.addResult(c, s, j, &st)
	if web.IsHTMX(c) {
		if j.State == store.ImportRunning {
			return h.env.Render(c, http.StatusOK, templates.Progress(st))
		}
		// The import ended: replace the whole status box, cancel button included.
		c.Response().Header().Set("HX-Retarget", "#status-"+j.ID)
		c.Response().Header().Set("HX-Reswap", "outerHTML")
		return h.env.Render(c, http.StatusOK, templates.Status(st))
	}
	title := s.t("picker.import.importing", "Name", j.Name)
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

// addResult puts the pick result of a finished import in its status box (and, for htmx, the picked event), or
// turns the box into a failure when the result cannot be read.
func (h *handler) addResult(c echo.Context, s *session, j store.ImportJob, st *templates.PickStatus) {
	if j.State != store.ImportDone {
		return
	}
	ctx := c.Request().Context()
	res, err := h.svc.PickResult(ctx, s.user.ID, j.ResultID)
	if err != nil {
		h.env.LogError(ctx, "read pick result", "job", j.ID, "err", err)
		st.State, st.Error = "failed", s.t("picker.import.result_unread")
		return
	}
	rv := h.resultView(s, res)
	st.Result = &rv
	st.Announce = rv.Title
	if web.IsHTMX(c) {
		setPickedTrigger(c, res)
	}
}
