package picker

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/templates"
)

// viewCookie remembers, per browser, whether the picker shows files as a list or as a grid of thumbnails. A
// cookie rather than the store: it is a preference of the screen in front of the person, not of their account,
// and it costs no database write.
const viewCookie = "ocrepo_view"

// gridView reports whether the browser asked for the grid.
func gridView(c echo.Context) bool {
	ck, err := c.Cookie(viewCookie)
	return err == nil && ck.Value == "grid"
}

// viewMode switches between the list and the grid, remembers the choice and answers with the listing (htmx) or
// the picker page.
func (h *handler) viewMode(c echo.Context) error {
	s, err := h.openInstance(c)
	if err != nil {
		return done(err)
	}
	mode := "list"
	if c.QueryParam("mode") == "grid" {
		mode = "grid"
	}
	c.SetCookie(&http.Cookie{Name: viewCookie, Value: mode, Path: h.env.CookiePath, MaxAge: int((365 * 24 * time.Hour).Seconds()),
		HttpOnly: true, Secure: h.env.SecureCookies, SameSite: http.SameSiteLaxMode})
	c.Request().AddCookie(&http.Cookie{Name: viewCookie, Value: mode})
	q := listQuery(c)
	if !web.IsHTMX(c) {
		return c.Redirect(http.StatusSeeOther, h.url(s, "picker", listParams(q)...))
	}
	lp, err := h.svc.List(c.Request().Context(), s.user, s.cur.Instance, s.req, q)
	if err != nil {
		h.logListing(c, s, err)
		return h.listingProblem(c, s, q, err)
	}
	l := h.listingView(s, lp, false)
	l.Grid = mode == "grid"
	return h.env.Render(c, http.StatusOK, templates.ListingView(l))
}

// viewLinks are the list/grid switch of a listing.
func (h *handler) viewLinks(s *session, kv []string, l *templates.Listing) {
	l.ListURL = h.url(s, "picker.view", append([]string{"mode", "list"}, kv...)...)
	l.GridURL = h.url(s, "picker.view", append([]string{"mode", "grid"}, kv...)...)
}
