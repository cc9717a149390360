package picker

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/templates"
)

// pick adds the chosen files the chosen way: an import starts and reports progress; a link comes back at once.
func (h *handler) pick(c echo.Context) error {
	s, err := h.openInstance(c)
	if err != nil {
		return done(err)
	}
	form, err := c.FormParams()
	if err != nil {
		return done(h.failWith(c, http.StatusBadRequest, "bad_form"))
	}
	paths := form["path"]
	ctx := c.Request().Context()
	switch form.Get("as") {
	case "import":
		id, err := h.svc.StartImport(ctx, s.user, s.cur.Instance, s.req, paths)
		if err != nil {
			return h.pickFailed(c, s, err)
		}
		if !web.IsHTMX(c) {
			return c.Redirect(http.StatusSeeOther, h.with(s, h.env.Routes.URL("picker.import", id)))
		}
		j, err := h.svc.ImportStatus(ctx, s.user, id)
		if err != nil {
			return h.pickFailed(c, s, err)
		}
		// A small import may already have ended: its box then holds the result, and htmx hosts get the event.
		st, res := h.importBox(ctx, s, j)
		if res != nil {
			setPickedTrigger(c, *res)
		}
		if j.State == store.ImportRunning {
			st.Announce = s.t("picker.import.started", "Name", s.stored(j.Name))
		}
		return h.env.Render(c, http.StatusAccepted, templates.Status(st))
	case "link":
		res, err := h.svc.Link(ctx, s.user, s.cur.Instance, s.req, paths)
		if err != nil {
			return h.pickFailed(c, s, err)
		}
		return h.delivered(c, s, res)
	case "controlled":
		res, err := h.svc.PickControlled(ctx, s.user, s.cur.Instance, s.req, paths)
		if err != nil {
			return h.pickFailed(c, s, err)
		}
		return h.delivered(c, s, res)
	default:
		return done(h.failWith(c, http.StatusBadRequest, "no_return"))
	}
}

// pickFailed answers a refused or failed pick in the status region (or as a page without JavaScript).
func (h *handler) pickFailed(c echo.Context, s *session, err error) error {
	p := h.env.Problem(c, err, s.cur.CloudName())
	pr := p.User
	h.env.Logger.InfoContext(c.Request().Context(), "ocrepo: pick refused or failed", "user", s.user.ID,
		"instance", s.cur.Instance.ID, "err", err)
	status := p.Status
	a := templates.Alert{Code: p.Code, Title: pr.Title, Detail: pr.Detail}
	if web.IsHTMX(c) {
		return h.env.Render(c, status, templates.AlertBoxAnnounced(a))
	}
	pg := h.screen(c, pr.Title)
	return h.env.Render(c, status, templates.StatusScreen(pg, templates.PickStatus{ID: "failed", State: "failed", Error: s.t("picker.import.title_detail", "Title", pr.Title, "Detail", pr.Detail)},
		h.url(s, "picker")))
}

// delivered hands a finished pick back: the result in the status region with the ocrepo:picked event for htmx
// hosts (and postMessage by ocrepo.js), or a redirect to the host's return target without JavaScript.
func (h *handler) delivered(c echo.Context, s *session, res host.PickResult) error {
	rv := h.resultView(s, res)
	if !web.IsHTMX(c) {
		// A page, not a redirect: in a popup its script posts the pick to the opener; a top-level picker goes on
		// to the host by itself, and so does a browser without JavaScript (noscript refresh).
		pg := h.screen(c, rv.Title)
		if rv.AutoReturn {
			pg.NoScriptGo = rv.ReturnURL
		}
		return h.env.Render(c, http.StatusOK, templates.StatusScreen(pg, templates.PickStatus{ID: res.ID, State: "done", Result: &rv}, h.url(s, "picker")))
	}
	setPickedTrigger(c, res)
	st := templates.PickStatus{ID: res.ID, State: "done", Result: &rv, Announce: rv.Title}
	return h.env.Render(c, http.StatusOK, templates.Status(st))
}

// setPickedTrigger fires the ocrepo:picked event in the page through htmx's HX-Trigger header.
func setPickedTrigger(c echo.Context, res host.PickResult) {
	b, err := json.Marshal(map[string]any{"ocrepo:picked": pickedJSON(res)})
	if err == nil {
		c.Response().Header().Set("HX-Trigger", string(b))
	}
}
