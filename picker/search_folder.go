package picker

import (
	"net/http"
	"path"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/templates"
)

// searchFolder is the search field with the scope "this folder": the folder's listing filtered by name (from the
// recent listing, no request to the cloud when it is at hand).
func (h *handler) searchFolder(c echo.Context, s *session, words string) error {
	q := listQuery(c)
	q.Filter, q.Page = words, 0
	lp, err := h.svc.List(c.Request().Context(), s.user, s.cur.Instance, s.req, q)
	if err != nil {
		h.logListing(c, s, err)
		return h.listingProblem(c, s, q, err)
	}
	l := h.listingView(s, lp, true)
	l.Grid = gridView(c)
	return h.answerListing(c, s, http.StatusOK, templates.ListingView(l))
}

// cleanFolder is a folder path from a request, "/" when none.
func cleanFolder(p string) string {
	if p == "" {
		return "/"
	}
	return path.Clean("/" + p)
}
