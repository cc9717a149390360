package admin

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/templates"
)

// issuerCheck runs the connection check of a cloud server. htmx gets the result fragment (it replaces the busy
// indicator); a plain form gets the whole page with the result in place.
func (h *handler) issuerCheck(c echo.Context) error {
	id, ok := pathID(c, "id")
	if !ok {
		return h.notFound(c, "cloud server")
	}
	d, err := h.svc.CheckIssuer(c.Request().Context(), web.User(c), id)
	if err != nil {
		return h.failed(c, "cloud server", err)
	}
	res := checkResultView(d)
	if web.IsHTMX(c) {
		return h.env.Render(c, http.StatusOK, templates.CheckResultFragment(res))
	}
	iss, err := h.svc.GetIssuer(c.Request().Context(), id)
	if err != nil {
		return h.failed(c, "cloud server", err)
	}
	page, err := h.issuerPage(c, issuerState{in: issuerInputOf(iss), id: id, secretSet: iss.ClientSecret != ""}, &res)
	if err != nil {
		return h.failed(c, "cloud server", err)
	}
	return h.env.Render(c, http.StatusOK, templates.IssuerFormPage(page))
}

// checkResultView puts a diagnosis into the result fragment's words.
func checkResultView(d service.Diagnosis) templates.CheckResult {
	parts := []string{fmt.Sprintf("%d passed", d.Count(service.CheckPassed))}
	if n := d.Count(service.CheckWarning); n > 0 {
		parts = append(parts, plural(n, "warning"))
	}
	if n := d.Count(service.CheckFailed); n > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", n))
	}
	if n := d.Count(service.CheckSkipped); n > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped", n))
	}
	r := templates.CheckResult{
		Title:    strings.Join(parts, ", "),
		OK:       d.Passed(),
		Detected: strings.TrimSpace(d.Product + " " + d.Version),
		As:       "without a system account: connect one to test signed-in access, which also detects a web server that strips the Authorization header",
		At:       when(d.At),
		Proven:   d.SecretProven,
	}
	r.Proved, r.Unproved = provedWords(d)
	switch {
	case d.SystemUser != "":
		r.As = "signed in as the system account " + d.SystemUser
	case d.SystemAccount != "":
		r.As = "the system account " + d.SystemAccount + " is connected, but its login could not be used for this check (see the token endpoint), so the other endpoints were asked without a login"
	}
	said := map[string]string{} // cause and fix -> the probe that said them first
	for _, ch := range d.Checks {
		it := templates.CheckItem{
			ID: ch.ID, Title: ch.Title, URL: ch.URL, State: string(ch.State), StateLabel: stateLabel(ch.State),
			Code: ch.Code, Summary: ch.Summary, Cause: ch.Cause, Fix: ch.Fix,
		}
		// The same likely cause and advice for several probes is said once, at the first of them.
		if key := ch.Cause + "\x00" + ch.Fix; ch.Cause != "" || ch.Fix != "" {
			if first, ok := said[key]; ok {
				it.Cause, it.Fix, it.SameAs = "", "", first
			} else {
				said[key] = ch.Title
			}
		}
		if ch.Took > 0 {
			it.Took = fmt.Sprintf("%.1f s", ch.Took.Seconds())
			if ch.Took < 100*time.Millisecond {
				it.Took = "< 0.1 s"
			}
		}
		r.Items = append(r.Items, it)
	}
	return r
}

func stateLabel(s service.CheckState) string {
	switch s {
	case service.CheckPassed:
		return "Passed"
	case service.CheckWarning:
		return "Warning"
	case service.CheckFailed:
		return "Failed"
	}
	return "Skipped"
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// provedWords says what a check proved and what it could not: without a refreshed system account token the
// client id and secret stay unproven however many probes passed.
func provedWords(d service.Diagnosis) (proved, unproved string) {
	if d.Count(service.CheckFailed) > 0 {
		return "", ""
	}
	if d.SecretProven {
		return "the endpoints answer as they should, and refreshing the system account's token proved the client id and secret.", ""
	}
	proved = "the endpoints answer as they should (the token endpoint as an OAuth token endpoint)."
	if d.SystemAccount != "" {
		return proved, "the client id and secret: the system account's login could not be used for a token refresh. Reconnect the system account and check again."
	}
	return proved, "the client id and secret: the cloud checks them only together with a valid login. Connect the system account (below) and check again; until then a wrong secret shows only when people log in."
}
