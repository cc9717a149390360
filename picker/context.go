package picker

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/templates"
)

type handler struct {
	env *web.Env
	svc *service.Service
}

// session is what every picker request starts from: the signed pick request, the user, the instances on offer
// and the chosen one.
type session struct {
	token     string
	csrf      string // this request's CSRF token, for the forms that post
	req       host.PickRequest
	user      host.User
	available []service.Available
	cur       service.Available
	has       bool                 // an instance is available
	loc       templates.Translator // the user's language, for the words the views put together
}

// t is message id in the user's language; the id itself for a session made without a request (only ever used
// for its URLs).
func (s *session) t(id string, args ...any) string {
	if s.loc == nil {
		return id
	}
	return s.loc.T(id, args...)
}

// number is n in the user's digits and grouping.
func (s *session) number(n int) string {
	if s.loc == nil {
		return thousands(n)
	}
	return s.loc.Number(int64(n))
}

// errAnswered means the handler already wrote the response.
var errAnswered = errors.New("picker: answered")

// open reads r and i from the query or form, checks the signature, the user and the course, and picks the
// instance. On failure it writes the error page and returns errAnswered.
func (h *handler) open(c echo.Context) (*session, error) {
	token := c.QueryParam("r")
	if token == "" {
		token = c.FormValue("r")
	}
	req, err := h.svc.OpenPick(token)
	if err != nil {
		p := web.ProblemFor(err, "")
		return nil, h.fail(c, p.Status, p.User)
	}
	u := web.User(c)
	if req.User != u.ID {
		return nil, h.fail(c, http.StatusForbidden, service.Problem{Code: "other_user", Title: "This file picker was opened for another account",
			Detail: "Open the file picker again from the page you came from."})
	}
	avail, err := h.svc.AvailableFor(c.Request().Context(), req)
	if err != nil {
		h.env.LogError(c.Request().Context(), "instances for picker", "err", err)
		return nil, h.fail(c, http.StatusInternalServerError, service.Problem{Code: "error", Title: "Something went wrong",
			Detail: "The file picker could not load its settings. Try again in a moment."})
	}
	// The issuers just read serve the rest of this request (the listing's client, picks) without reading again.
	c.SetRequest(c.Request().WithContext(service.WithIssuers(c.Request().Context(), avail)))
	s := &session{token: token, csrf: web.CSRFToken(c), req: req, user: u, available: avail, loc: h.env.Localizer(c)}
	want := c.QueryParam("i")
	if want == "" {
		want = c.FormValue("i")
	}
	if want == "" {
		want = c.Param("instance")
	}
	id, _ := strconv.ParseInt(want, 10, 64)
	for _, a := range avail {
		if a.Instance.ID == id || (id == 0 && !s.has) {
			s.cur, s.has = a, true
		}
	}
	if id != 0 && !s.has {
		return nil, h.instanceGone(c)
	}
	return s, nil
}

// openInstance is open for requests that act on an instance: one must be available.
func (h *handler) openInstance(c echo.Context) (*session, error) {
	s, err := h.open(c)
	if err != nil {
		return nil, err
	}
	if !s.has {
		return nil, h.instanceGone(c)
	}
	return s, nil
}

func (h *handler) instanceGone(c echo.Context) error {
	return h.fail(c, http.StatusNotFound, service.Problem{Code: "instance_gone", Title: "This cloud service is not available here",
		Detail: "It may have been switched off for this course. Open the file picker again."})
}

// fail writes a problem as a page or, for htmx, as an alert fragment.
func (h *handler) fail(c echo.Context, status int, p service.Problem) error {
	a := templates.Alert{Code: p.Code, Title: p.Title, Detail: p.Detail}
	if web.IsHTMX(c) {
		c.Response().Header().Set("HX-Retarget", "#ocrepo-alert")
		c.Response().Header().Set("HX-Reswap", "innerHTML")
		if err := h.env.Render(c, status, templates.AlertBox(a)); err != nil {
			return err
		}
		return errAnswered
	}
	pg := h.screen(c, p.Title)
	if err := h.env.Render(c, status, templates.ErrorPage(pg, a)); err != nil {
		return err
	}
	return errAnswered
}

// done turns errAnswered into nil for Echo.
func done(err error) error {
	if errors.Is(err, errAnswered) {
		return nil
	}
	return err
}

// hidden are the fields every picker form carries.
func (s *session) hidden() []templates.Hidden {
	return []templates.Hidden{{Name: "r", Value: s.token}, {Name: "i", Value: strconv.FormatInt(s.cur.Instance.ID, 10)}}
}

// postHidden are the fields of a form that posts: those of every form and the CSRF token, so the form works
// without JavaScript too (htmx sends the token as a header as well).
func (s *session) postHidden() []templates.Hidden {
	return append(s.hidden(), templates.Hidden{Name: web.CSRFField, Value: s.csrf})
}

// url builds the URL of a parameterless picker route with r and i plus extra query pairs.
func (h *handler) url(s *session, route string, kv ...string) string {
	return h.with(s, h.env.Routes.URL(route), kv...)
}

// with adds r, i and extra query pairs to a path.
func (h *handler) with(s *session, base string, kv ...string) string {
	all := append([]string{"r", s.token, "i", strconv.FormatInt(s.cur.Instance.ID, 10)}, kv...)
	return web.WithQuery(base, all...)
}

// screen is the frame of a picker page: narrow (it lives in a popup or an iframe) and without the link back to the
// host's home, which would navigate the popup away.
func (h *handler) screen(c echo.Context, title string) templates.Page {
	pg := h.env.Page(c, title)
	pg.Narrow, pg.Home = true, templates.HomeLink{}
	return pg
}
