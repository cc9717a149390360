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
		return h.failed(c, "cloud health", err)
	}
	now := h.svc.Now()
	v := templates.HealthList{Frame: h.frame(c, "Cloud health", sectionHealth)}
	for _, s := range hs {
		v.Rows = append(v.Rows, templates.HealthRow{
			Issuer:     s.IssuerName,
			IssuerURL:  h.env.Routes.URL("admin.issuer", strconv.FormatInt(s.IssuerID, 10)),
			State:      string(s.State),
			Label:      healthLabel(s.State),
			Summary:    healthSummary(s),
			LastAnswer: ago(now, s.LastAnswer),
			Requests:   strconv.FormatInt(s.Requests, 10),
			Failures:   strconv.FormatInt(s.Failures, 10),
		})
	}
	return h.env.Render(c, http.StatusOK, templates.HealthListPage(v))
}

// healthLabel is a state in words.
func healthLabel(s service.HealthState) string {
	switch s {
	case service.HealthUp:
		return "Answering"
	case service.HealthDegraded:
		return "Answering with trouble"
	case service.HealthDown:
		return "Not answering"
	}
	return "Unknown"
}

// healthSummary says in a sentence how the last request ended.
func healthSummary(s service.IssuerHealth) string {
	switch {
	case s.LastSeen.IsZero():
		return "No request could be made: check the server's settings."
	case s.Maintenance:
		return "The server says it is in maintenance mode."
	}
	switch s.LastOutcome {
	case "ok", "redirect", "client_error", "unauthorized":
		return "The last request got an answer."
	case "throttled":
		return "The server is slowing ocrepo down (HTTP 429): its brute-force protection or rate limit may have hit the LMS's address."
	case "server_error":
		return "The server answered its last request with an error (HTTP 5xx)."
	case "timeout":
		return "The last request got no answer in time."
	case "cancelled":
		return "The last request was cancelled before an answer came."
	}
	return "The last request got no answer: the server could not be reached."
}

// ago says how long ago t was, in whole seconds, minutes or hours; "never" for the zero time.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + " s ago"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " min ago"
	}
	return strconv.Itoa(int(d/time.Hour)) + " h ago"
}
