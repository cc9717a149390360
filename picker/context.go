package picker

import (
	"errors"
	"net/http"
	"strconv"
	"time"

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
	say       func(service.Message) string
	sayStored func(string) string
}

// t is message id in the user's language; the id itself for a session made without a request (only ever used
// for its URLs).
func (s *session) t(id string, args ...any) string {
	if s.loc == nil {
		return id
	}
	return s.loc.T(id, args...)
}

// cloud names the current instance's server in the words the picker puts together: its name, or "the cloud" in
// the user's language. (The error mapper takes s.cur.CloudName() as it is: it says "the cloud" itself.)
func (s *session) cloud() string {
	if name := s.cur.CloudName(); name != "" {
		return name
	}
	return s.t("cloud.unnamed")
}

// words is a service message in the user's language.
func (s *session) words(m service.Message) string {
	if s.say == nil {
		return m.ID
	}
	return s.say(m)
}

// stored is text the service stored for later (an import's label or error): its messages in the user's
// language, or the text as it is (a file name).
func (s *session) stored(text string) string {
	if s.sayStored == nil {
		return text
	}
	return s.sayStored(text)
}

// size is a byte count in the user's language.
func (s *session) size(n int64) string {
	if s.loc == nil {
		return service.HumanBytes(n)
	}
	return s.loc.Size(n)
}

// time is an instant in the user's language and time zone.
func (s *session) time(t time.Time) string {
	if s.loc == nil {
		return t.UTC().Format(time.RFC3339)
	}
	return s.loc.Time(t)
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
		return nil, h.failProblem(c, h.env.Problem(c, err, ""))
	}
	u := web.User(c)
	if req.User != u.ID {
		return nil, h.failWith(c, http.StatusForbidden, "other_user")
	}
	avail, err := h.svc.AvailableFor(c.Request().Context(), req)
	if err != nil {
		h.env.LogError(c.Request().Context(), "instances for picker", "err", err)
		return nil, h.failWith(c, http.StatusInternalServerError, "settings_unread")
	}
	// The issuers just read serve the rest of this request (the listing's client, picks) without reading again.
	c.SetRequest(c.Request().WithContext(service.WithIssuers(c.Request().Context(), avail)))
	loc := h.env.Localizer(c)
	s := &session{token: token, csrf: web.CSRFToken(c), req: req, user: u, available: avail, loc: loc,
		say:       func(m service.Message) string { return web.Say(loc, m) },
		sayStored: func(text string) string { return web.SayStored(loc, text) }}
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
	return h.failWith(c, http.StatusNotFound, "instance_gone")
}

// failWith writes the picker's own problem code: its words are the messages picker.problem.<code>.title and
// .detail in the user's language.
func (h *handler) failWith(c echo.Context, status int, code string) error {
	return h.fail(c, status, templates.Alert{Code: code, Title: h.env.T(c, "picker.problem."+code+".title"),
		Detail: h.env.T(c, "picker.problem."+code+".detail")})
}

// failProblem writes a problem of the error mapper (web.ProblemFor) with its status.
func (h *handler) failProblem(c echo.Context, p web.Problem) error {
	return h.fail(c, p.Status, templates.Alert{Code: p.Code, Title: p.User.Title, Detail: p.User.Detail})
}

// fail writes a problem as a page or, for htmx, as an alert fragment.
func (h *handler) fail(c echo.Context, status int, a templates.Alert) error {
	if web.IsHTMX(c) {
		c.Response().Header().Set("HX-Retarget", "#ocrepo-alert")
		c.Response().Header().Set("HX-Reswap", "innerHTML")
		if err := h.env.Render(c, status, templates.AlertBox(a)); err != nil {
			return err
		}
		return errAnswered
	}
	pg := h.screen(c, a.Title)
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
