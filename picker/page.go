package picker

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/templates"
)

// page serves the whole picker: the instance tabs and the current instance's panel.
func (h *handler) page(c echo.Context) error {
	s, err := h.open(c)
	if err != nil {
		return done(err)
	}
	heading := s.t("picker.heading.file")
	if s.req.Mode == host.ModeURL {
		heading = s.t("picker.heading.link")
	} else if s.req.Multiple {
		heading = s.t("picker.heading.files")
	}
	pg := h.screen(c, heading)
	v := templates.PickerPage{Page: pg, Heading: heading, Requirements: requirements(s)}
	if s.req.ReturnTo != "" {
		v.CloseURL = h.env.SafeReturn(s.req.ReturnTo, "")
	}
	if !s.has {
		v.None = &templates.Alert{Code: "no_instances", Kind: "notice", Title: s.t("picker.no_instances.title"),
			Detail: s.t("picker.no_instances.detail")}
		return h.env.Render(c, http.StatusOK, templates.PickerScreen(v))
	}
	for _, a := range s.available {
		v.Tabs = append(v.Tabs, templates.PickerTab{Name: a.Instance.Name, ID: a.Instance.ID, Current: a.Instance.ID == s.cur.Instance.ID,
			URL: h.with(&session{token: s.token, cur: a}, h.env.Routes.URL("picker"))})
	}
	var status int
	v.Panel, status = h.panel(c, s, listQuery(c), false)
	if c.QueryParam("logout") == "pending" && !v.Panel.LoggedIn && v.Panel.Problem == nil {
		name := s.cloud()
		v.Panel.Problem = &templates.Alert{Code: "revocation_pending", Kind: "notice", Title: s.t("picker.revocation_pending.title"),
			Detail: s.t("picker.revocation_pending.detail", "Cloud", name)}
	}
	if job := c.QueryParam("job"); job != "" {
		if j, err := h.svc.ImportStatus(c.Request().Context(), s.user, job); err == nil {
			st, _ := h.importBox(c.Request().Context(), s, j)
			v.Panel.Status = &st
		}
	}
	return h.env.Render(c, status, templates.PickerScreen(v))
}

// listQuery reads the listing parameters.
func listQuery(c echo.Context) service.ListQuery {
	q := service.ListQuery{
		Path:   c.QueryParam("path"),
		Sort:   c.QueryParam("sort"),
		Desc:   c.QueryParam("desc") == "1",
		Filter: c.QueryParam("filter"),
		Reload: c.QueryParam("reload") == "1",
	}
	switch c.QueryParam("pickable") {
	case service.PickableOnly, service.PickableAll:
		q.Pickable = c.QueryParam("pickable")
	}
	q.Page, _ = strconv.Atoi(c.QueryParam("page"))
	return q
}

// panel builds the current instance's panel: the login prompt when the user has no usable login, the listing
// otherwise, or the problem that stopped the listing. The status is the page's: 200, or the problem's when the
// cloud or the site failed (5xx); a page that offers to log in is a working page.
func (h *handler) panel(c echo.Context, s *session, q service.ListQuery, focus bool) (templates.PickerPanel, int) {
	ctx := c.Request().Context()
	cloudName := s.cloud()
	p := templates.PickerPanel{
		InstanceName: s.cur.Instance.Name,
		CloudName:    cloudName,
		LoginURL:     h.with(s, h.env.Routes.URL("picker.login", s.cur.Instance.ID)),
		LogoutURL:    h.env.Routes.URL("picker.logout", s.cur.Instance.ID),
		WebUIURL:     s.cur.WebUI(q.Path),
		Hidden:       s.hidden(),
		PostHidden:   s.postHidden(),
		SearchURL:    h.env.Routes.URL("picker.search"),
		SearchHX:     h.env.Routes.URL("picker.search"),
	}
	conn, err := h.svc.UserConnection(ctx, s.cur.Issuer.ID, s.user.ID)
	if err != nil {
		pr := h.env.Problem(c, err, s.cur.CloudName())
		h.env.LogError(ctx, "read user connection", "err", err)
		p.Problem = &templates.Alert{Code: pr.Code, Title: pr.User.Title, Detail: s.t("picker.connection_unread")}
		return p, pr.Status
	}
	if !conn.Connected {
		p.LoginFailed = h.loginFailure(c, s)
		if conn.NeedLogin {
			p.Problem = &templates.Alert{Code: "relogin", Kind: "notice", Title: s.t("picker.relogin.title"),
				Detail: s.t("picker.relogin.detail", "Cloud", cloudName)}
		}
		return p, http.StatusOK
	}
	p.LoggedIn, p.CloudUser = true, conn.CloudUser
	if conn.CloudName != "" {
		p.CloudUser = conn.CloudName + " (" + conn.CloudUser + ")"
	}
	lp, err := h.svc.List(ctx, s.user, s.cur.Instance, s.req, q)
	if err != nil {
		pr := h.env.Problem(c, err, s.cur.CloudName())
		h.logListing(c, s, err)
		p.Problem = &templates.Alert{Code: pr.Code, Title: pr.User.Title, Detail: pr.User.Detail}
		if pr.User.Relogin {
			p.LoggedIn = false
		}
		if pr.Status >= 500 {
			return p, pr.Status
		}
		return p, http.StatusOK
	}
	l := h.listingView(s, lp, focus)
	l.Grid = gridView(c)
	p.Listing = &l
	return p, http.StatusOK
}

func (h *handler) logListing(c echo.Context, s *session, err error) {
	h.env.Logger.WarnContext(c.Request().Context(), "ocrepo: listing failed", "user", s.user.ID,
		"instance", s.cur.Instance.ID, "issuer", s.cur.Issuer.ID, "err", err)
}
