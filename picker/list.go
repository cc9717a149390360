package picker

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/templates"
)

// list serves the listing region for htmx: a folder, another page, another sort, a filter, or a reload.
func (h *handler) list(c echo.Context) error {
	s, err := h.openInstance(c)
	if err != nil {
		return done(err)
	}
	q := listQuery(c)
	lp, err := h.svc.List(c.Request().Context(), s.user, s.cur.Instance, s.req, q)
	if err != nil {
		h.logListing(c, s, err)
		return h.listingProblem(c, s, q, err)
	}
	l := h.listingView(s, lp, true)
	l.Grid = gridView(c)
	return h.env.Render(c, http.StatusOK, templates.ListingView(l))
}

// listingProblem answers a failed listing in place of the table, with the way out (log in, try again).
func (h *handler) listingProblem(c echo.Context, s *session, q service.ListQuery, err error) error {
	cloudName := s.cloud()
	p := h.env.Problem(c, err, s.cur.CloudName())
	a := templates.Alert{Code: p.Code, Title: p.User.Title, Detail: p.User.Detail}
	login := ""
	if p.User.Relogin {
		login = h.with(s, h.env.Routes.URL("picker.login", s.cur.Instance.ID))
	}
	retry := h.link(s, s.t("picker.retry"), q)
	// htmx swaps error statuses too (see the layout's htmx config), so the status stays honest.
	return h.env.Render(c, p.Status, templates.ListingProblem(a, login, cloudName, retry.URL, retry.HX))
}
