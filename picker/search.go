package picker

import (
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/templates"
)

// searchLimit bounds how many matches a search shows.
const searchLimit = 200

// search finds files by name across the user's cloud (Nextcloud); servers without search say so plainly.
func (h *handler) search(c echo.Context) error {
	s, err := h.openInstance(c)
	if err != nil {
		return done(err)
	}
	q := c.QueryParam("q")
	if q == "" {
		q = c.FormValue("q")
	}
	if c.QueryParam("scope") == "folder" {
		return h.searchFolder(c, s, q)
	}
	folder := service.ListQuery{Path: c.QueryParam("path")}
	back := h.link(s, s.t("picker.back"), folder)
	rows, err := h.svc.Search(c.Request().Context(), s.user, s.cur.Instance, s.req, q, searchLimit)
	if err != nil {
		h.logListing(c, s, err)
		status, comp := h.searchProblem(c, s, err, back)
		return h.answerListing(c, s, status, comp)
	}
	l := templates.Listing{
		Search: true, Query: q, Focus: true, BackURL: back.URL, BackHX: back.HX,
		Heading:     s.t("picker.search.heading", "Query", q),
		Columns:     []templates.Column{{Label: s.t("picker.col.name"), Class: "name"}, {Label: s.t("picker.col.size"), Class: "num size"}, {Label: s.t("picker.col.modified"), Class: "modified"}},
		Rows:        h.rows(s, rows, true),
		Form:        h.pickForm(s),
		SearchValue: q, FilterURL: h.env.Routes.URL("picker.search"), FilterHX: h.env.Routes.URL("picker.search"),
		FilterKeep: append(s.hidden(), templates.Hidden{Name: "path", Value: cleanFolder(folder.Path)}),
	}
	switch {
	case q == "":
		l.Empty = s.t("picker.search.empty")
	case len(rows) == 0:
		l.Empty = s.t("picker.search.none", "Query", q)
	}
	l.Count = s.t("picker.search.count", "Count", len(rows), "N", s.number(len(rows)))
	if len(rows) >= searchLimit {
		l.Count = s.t("picker.search.limit", "N", s.number(searchLimit))
	}
	l.Announce = s.t("picker.announce", "Heading", l.Heading, "Line", l.Count)
	return h.answerListing(c, s, http.StatusOK, templates.ListingView(l))
}

// searchProblem explains a failed search, with the way back to the folder.
func (h *handler) searchProblem(c echo.Context, s *session, err error, back templates.Link) (int, templ.Component) {
	cloudName := s.cloud()
	p := h.env.Problem(c, err, s.cur.CloudName())
	pr := p.User
	a := templates.Alert{Code: p.Code, Title: pr.Title, Detail: pr.Detail}
	if p.Code == "unsupported" {
		a = templates.Alert{Code: "search_unsupported", Kind: "notice", Title: s.t("picker.search.unsupported.title"),
			Detail: s.t("picker.search.unsupported.detail", "Cloud", cloudName)}
	}
	login := ""
	if pr.Relogin {
		login = h.with(s, h.env.Routes.URL("picker.login", s.cur.Instance.ID))
	}
	return p.Status, templates.ListingProblem(a, login, cloudName, back.URL, back.HX)
}

// answerListing sends a listing region: as a fragment to htmx, inside the whole picker page otherwise.
func (h *handler) answerListing(c echo.Context, s *session, status int, comp templ.Component) error {
	if web.IsHTMX(c) {
		return h.env.Render(c, status, comp)
	}
	heading := s.t("picker.heading.file")
	pg := h.screen(c, heading)
	v := templates.PickerPage{Page: pg, Heading: heading, Requirements: requirements(s)}
	for _, a := range s.available {
		v.Tabs = append(v.Tabs, templates.PickerTab{Name: a.Instance.Name, ID: a.Instance.ID, Current: a.Instance.ID == s.cur.Instance.ID,
			URL: h.with(&session{token: s.token, cur: a}, h.env.Routes.URL("picker"))})
	}
	v.Panel, _ = h.panel(c, s, service.ListQuery{}, false)
	v.Panel.Replace = comp
	return h.env.Render(c, status, templates.PickerScreen(v))
}
