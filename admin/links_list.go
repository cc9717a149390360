package admin

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/templates"
)

// linksPerPage is how many controlled links one page lists.
const linksPerPage = 25

// linkScope is where a page of controlled links lives: the admins' console (course "") or one course's page for
// its managers. Every action through a course's page is limited to that course's links.
type linkScope struct {
	course string
}

// scopeURL builds the URL of a links route of the scope: name is "links", "link.row", "link.revoke" or "link.regrant".
func (h *handler) scopeURL(s linkScope, name string, id ...int64) string {
	var params []any
	prefix := "admin."
	if s.course != "" {
		prefix = "course."
		params = append(params, s.course)
	}
	for _, i := range id {
		params = append(params, i)
	}
	return h.env.Routes.URL(prefix+name, params...)
}

// admitted re-checks the scope at the start of every links action: the whole site's links are for site admins
// only (their routes check that already; a handler reached another way must not widen to every course).
func (h *handler) admitted(c echo.Context, s linkScope) (bool, error) {
	if s.course != "" || h.env.IsAdmin(c) {
		return true, nil
	}
	return false, h.env.FailWith(c, http.StatusForbidden, "admin.admins_only")
}

// linksFrame is the frame of a links page: the admin navigation, or the course's.
func (h *handler) linksFrame(c echo.Context, s linkScope, title string) templates.AdminFrame {
	if s.course == "" {
		return h.frame(c, title, sectionLinks)
	}
	return h.courseFrame(c, s.course, title, sectionCourseLinks)
}

func (h *handler) linksHeading(c echo.Context, s linkScope) string {
	if s.course == "" {
		return h.env.T(c, "admin.links.title")
	}
	return h.env.T(c, "admin.links.course_title", "Course", s.course)
}

// linksList is the admins' console: every controlled link of the site.
func (h *handler) linksList(c echo.Context) error {
	return h.renderLinks(c, linkScope{})
}

// readLinksQuery reads the filters and the page from the query string; a course page is always its course.
func readLinksQuery(c echo.Context, s linkScope) service.ConsoleQuery {
	q := service.ConsoleQuery{
		Course:  strings.TrimSpace(c.QueryParam("course")),
		Owner:   strings.TrimSpace(c.QueryParam("owner")),
		Orphans: c.QueryParam("orphans") != "",
		PerPage: linksPerPage,
	}
	q.IssuerID, _ = strconv.ParseInt(c.QueryParam("issuer"), 10, 64)
	q.Page, _ = strconv.Atoi(c.QueryParam("page"))
	if q.Page < 1 {
		q.Page = 1
	}
	if s.course != "" {
		q.Course = s.course
	}
	return q
}

// linksURL is the list with filters and page, as a link or a form's way back.
func (h *handler) linksURL(s linkScope, q service.ConsoleQuery) string {
	kv := []string{"owner", q.Owner}
	if s.course == "" {
		kv = append(kv, "course", q.Course)
	}
	if q.IssuerID > 0 {
		kv = append(kv, "issuer", strconv.FormatInt(q.IssuerID, 10))
	}
	if q.Orphans {
		kv = append(kv, "orphans", "1")
	}
	if q.Page > 1 {
		kv = append(kv, "page", strconv.Itoa(q.Page))
	}
	return web.WithQuery(h.scopeURL(s, "links"), kv...)
}

// safeBack is a form's way back to the list: the list route of the scope with any query, or the bare list.
func (h *handler) safeBack(s linkScope, raw string) string {
	list := h.scopeURL(s, "links")
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Path != list || strings.ContainsAny(raw, "\\\r\n") {
		return list
	}
	return raw
}

func (h *handler) renderLinks(c echo.Context, s linkScope) error {
	if ok, err := h.admitted(c, s); !ok {
		return err
	}
	ctx := c.Request().Context()
	q := readLinksQuery(c, s)
	p, err := h.svc.ControlledConsole(ctx, q)
	if err != nil {
		return h.failed(c, "admin.what.links", err)
	}
	issuers, err := h.svc.IssuerLabels(ctx)
	if err != nil {
		return h.failed(c, "admin.what.links", err)
	}
	names := make(map[int64]string, len(issuers))
	heading := h.linksHeading(c, s)
	v := templates.LinksList{Frame: h.linksFrame(c, s, heading), Heading: heading, OrphanCheck: p.OrphanCheck}
	f := templates.LinksFilter{Action: h.scopeURL(s, "links"), ShowCourse: s.course == "", Course: q.Course, Owner: q.Owner,
		Orphans: q.Orphans, OrphanCheck: p.OrphanCheck}
	f.Issuers = append(f.Issuers, templates.Option{Value: "", Label: h.env.T(c, "admin.links.all_issuers"), Selected: q.IssuerID == 0})
	for _, iss := range issuers {
		names[iss.ID] = iss.Name
		f.Issuers = append(f.Issuers, templates.Option{Value: strconv.FormatInt(iss.ID, 10), Label: iss.Name, Selected: iss.ID == q.IssuerID})
	}
	filtered := (s.course == "" && q.Course != "") || q.Owner != "" || q.IssuerID != 0 || q.Orphans
	if filtered {
		f.ClearURL = h.scopeURL(s, "links")
	}
	v.Filter = f

	back := h.linksURL(s, q)
	for _, r := range p.Rows {
		v.Rows = append(v.Rows, h.linkRow(c, s, r, names[r.Link.IssuerID], back))
	}
	pages := max(1, (p.Total+p.PerPage-1)/p.PerPage)
	l := h.env.Localizer(c)
	num := func(n int) string { return l.Number(int64(n)) }
	v.PageLabel = l.T("admin.links.page", "Page", num(p.Page), "Pages", num(pages))
	links := l.T("admin.links.count", "Count", p.Total, "N", num(p.Total))
	switch {
	case p.Total == 0 && filtered:
		v.Empty = l.T("admin.links.none_filtered")
	case p.Total == 0 && s.course != "":
		v.Empty = l.T("admin.links.none_course")
	case p.Total == 0:
		v.Empty = l.T("admin.links.none")
	case len(p.Rows) == 0:
		v.Empty = l.T("admin.links.past_end", "Links", links)
	case pages == 1:
		v.Count = links
	default:
		first := (p.Page-1)*p.PerPage + 1
		v.Count = l.T("admin.links.showing", "First", num(first), "Last", num(first+len(p.Rows)-1), "Total", num(p.Total))
	}
	if p.Page > 1 {
		prev := q
		prev.Page = min(p.Page-1, pages)
		v.Prev = h.linksURL(s, prev)
	}
	if p.HasNext {
		next := q
		next.Page = p.Page + 1
		v.Next = h.linksURL(s, next)
	}
	return h.env.Render(c, http.StatusOK, templates.LinksListPage(v))
}

// linkRow is one controlled link as the list shows it; back is the list the row's forms return to.
func (h *handler) linkRow(c echo.Context, s linkScope, r service.ControlledRow, cloudName, back string) templates.LinkRow {
	l := r.Link
	row := templates.LinkRow{
		ID: l.ID, Name: l.Name, OpenURL: h.env.Routes.URL("link", l.ID), Owner: l.OwnerUserID, OwnerCloud: l.OwnerCloud,
		ShowCourse: s.course == "", Course: l.Course, Context: strings.Join(l.Context, " › "),
		Created: h.when(c, l.Created), CreatedISO: iso(l.Created), Submitted: l.Submitted, Orphan: r.Orphan,
		Cloud: cloudName, SystemPath: l.SystemPath,
	}
	if row.Context == "" {
		row.Context = h.env.T(c, "admin.links.no_context")
	}
	csrf := web.CSRFToken(c)
	rowURL := web.WithQuery(h.scopeURL(s, "link.row", l.ID), "back", back)
	for _, sh := range r.Shares {
		where := sh.Target
		if where == "" {
			where = h.env.T(c, "admin.links.where_cloud_put_it")
		}
		row.Shares = append(row.Shares, templates.ShareRow{
			User: sh.UserID, CloudUser: sh.CloudUser, Edit: service.ShareEdits(sh), Where: where,
			Revoked: service.ShareRevoked(sh), Changed: h.when(c, sh.Updated), ChangedISO: iso(sh.Updated),
			RevokeURL: h.scopeURL(s, "link.revoke", l.ID), RegrantURL: h.scopeURL(s, "link.regrant", l.ID),
			RowURL: rowURL, Back: back, CSRF: csrf,
		})
	}
	return row
}

// freshRow loads one link's row again, for a swap after an action.
func (h *handler) freshRow(c echo.Context, s linkScope, r service.ControlledRow, back string) templates.LinkRow {
	cloudName, err := h.svc.IssuerName(c.Request().Context(), r.Link.IssuerID)
	if err != nil {
		// The row still shows and acts; only its cloud's name is missing.
		h.env.Logger.WarnContext(c.Request().Context(), "ocrepo: admin: issuer name of a link row", "link", r.Link.ID, "err", err)
	}
	return h.linkRow(c, s, r, cloudName, back)
}

// linkRowGet is one link's row alone: htmx puts it back when a revoke is cancelled. Without JavaScript the
// browser goes back to the list.
func (h *handler) linkRowGet(c echo.Context) error {
	return h.serveLinkRow(c, linkScope{})
}

func (h *handler) serveLinkRow(c echo.Context, s linkScope) error {
	if ok, err := h.admitted(c, s); !ok {
		return err
	}
	back := h.safeBack(s, c.QueryParam("back"))
	if !web.IsHTMX(c) {
		return c.Redirect(http.StatusSeeOther, back)
	}
	id, ok := pathID(c, "id")
	if !ok {
		return h.notFound(c, "admin.what.link")
	}
	r, err := h.svc.ConsoleRow(c.Request().Context(), s.course, id)
	if err != nil {
		return h.failed(c, "admin.what.link", err)
	}
	return h.env.Render(c, http.StatusOK, templates.LinkRowFragment(h.freshRow(c, s, r, back)))
}

// iso is a time for a datetime attribute; "" for zero.
func iso(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
