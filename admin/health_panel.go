package admin

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/templates"
)

// healthPanel shows how each cloud server looked from here recently: built from the requests ocrepo made anyway,
// plus at most one status.php read per server and interval (shared with every other caller of Health).
func (h *handler) healthPanel(c echo.Context) error {
	hs, err := h.svc.Health(c.Request().Context())
	if err != nil {
		return h.failed(c, "admin.what.health", err)
	}
	now := h.svc.Now()
	l := h.env.Localizer(c)
	v := templates.HealthList{Frame: h.frame(c, h.env.T(c, "admin.nav.health"), sectionHealth)}
	for _, s := range hs {
		v.Rows = append(v.Rows, templates.HealthRow{
			Issuer:     s.IssuerName,
			IssuerURL:  h.env.Routes.URL("admin.issuer", strconv.FormatInt(s.IssuerID, 10)),
			State:      string(s.State),
			Label:      h.env.T(c, healthLabel(s.State)),
			Summary:    h.env.T(c, healthSummary(s)),
			LastAnswer: h.ago(c, now, s.LastAnswer),
			Requests:   l.Number(s.Requests),
			Failures:   l.Number(s.Failures),
		})
	}
	return h.env.Render(c, http.StatusOK, templates.HealthListPage(v))
}

// healthLabel is the message id of a state.
func healthLabel(s service.HealthState) string {
	switch s {
	case service.HealthUp:
		return "admin.health.up"
	case service.HealthDegraded:
		return "admin.health.degraded"
	case service.HealthDown:
		return "admin.health.down"
	}
	return "admin.health.unknown"
}

// healthSummary is the message id of the sentence saying how the last request ended.
func healthSummary(s service.IssuerHealth) string {
	switch {
	case s.LastSeen.IsZero():
		return "admin.health.no_request"
	case s.Maintenance:
		return "admin.health.maintenance"
	}
	switch s.LastOutcome {
	case "ok", "redirect", "client_error", "unauthorized":
		return "admin.health.answered"
	case "throttled":
		return "admin.health.throttled"
	case "server_error":
		return "admin.health.server_error"
	case "timeout":
		return "admin.health.timeout"
	case "cancelled":
		return "admin.health.cancelled"
	}
	return "admin.health.unreachable"
}

// ago says how long ago t was, in whole seconds, minutes or hours; "never" for the zero time.
func (h *handler) ago(c echo.Context, now, t time.Time) string {
	if t.IsZero() {
		return h.env.T(c, "admin.never")
	}
	l := h.env.Localizer(c)
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return l.T("admin.ago.seconds", "N", l.Number(int64(d/time.Second)))
	case d < time.Hour:
		return l.T("admin.ago.minutes", "N", l.Number(int64(d/time.Minute)))
	}
	return l.T("admin.ago.hours", "N", l.Number(int64(d/time.Hour)))
}
