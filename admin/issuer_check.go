package admin

import (
	"net/http"
	"strings"

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
		return h.notFound(c, "admin.what.issuer")
	}
	d, err := h.svc.CheckIssuer(c.Request().Context(), web.User(c), id)
	if err != nil {
		return h.failed(c, "admin.what.issuer", err)
	}
	res := h.checkResultView(c, d)
	if web.IsHTMX(c) {
		return h.env.Render(c, http.StatusOK, templates.CheckResultFragment(res))
	}
	iss, err := h.svc.GetIssuer(c.Request().Context(), id)
	if err != nil {
		return h.failed(c, "admin.what.issuer", err)
	}
	page, err := h.issuerPage(c, issuerState{in: issuerInputOf(iss), id: id, secretSet: iss.ClientSecret != ""}, &res)
	if err != nil {
		return h.failed(c, "admin.what.issuer", err)
	}
	return h.env.Render(c, http.StatusOK, templates.IssuerFormPage(page))
}

// checkResultView puts a diagnosis into the result fragment's words, in the admin's language.
func (h *handler) checkResultView(c echo.Context, d service.Diagnosis) templates.CheckResult {
	l := h.env.Localizer(c)
	parts := []string{l.T("check.count.passed", "Count", d.Count(service.CheckPassed), "N", l.Number(int64(d.Count(service.CheckPassed))))}
	for _, s := range []service.CheckState{service.CheckWarning, service.CheckFailed, service.CheckSkipped} {
		if n := d.Count(s); n > 0 {
			parts = append(parts, l.T("check.count."+string(s), "Count", n, "N", l.Number(int64(n))))
		}
	}
	r := templates.CheckResult{
		Title:    strings.Join(parts, l.T("check.list_separator")),
		OK:       d.Passed(),
		Detected: strings.TrimSpace(d.Product + " " + d.Version),
		As:       l.T("check.as.anonymous"),
		At:       h.when(c, d.At),
		Proven:   d.SecretProven,
	}
	r.Proved, r.Unproved = provedWords(l, d)
	switch {
	case d.SystemUser != "":
		r.As = l.T("check.as.system", "User", d.SystemUser)
	case d.SystemAccount != "":
		r.As = l.T("check.as.system_unusable", "User", d.SystemAccount)
	}
	said := map[string]string{} // cause and fix -> the probe that said them first
	for _, ch := range d.Checks {
		it := templates.CheckItem{
			ID: ch.ID, Title: h.env.Say(c, ch.Title), URL: ch.URL, State: string(ch.State), StateLabel: l.T("check.state." + string(ch.State)),
			Code: ch.Code, Summary: h.env.SayAll(c, ch.Summary), Cause: h.env.Say(c, ch.Cause), Fix: h.env.SayAll(c, ch.Fix),
		}
		// The same likely cause and advice for several probes is said once, at the first of them.
		if key := it.Cause + "\x00" + it.Fix; it.Cause != "" || it.Fix != "" {
			if first, ok := said[key]; ok {
				it.Cause, it.Fix, it.SameAs = "", "", first
			} else {
				said[key] = it.Title
			}
		}
		if ch.Took > 0 {
			it.Took = l.T("check.took", "N", l.Number(max(ch.Took.Milliseconds(), 1)))
		}
		r.Items = append(r.Items, it)
	}
	return r
}

// provedWords says what a check proved and what it could not: without a refreshed system account token the
// client id and secret stay unproven however many probes passed.
func provedWords(l templates.Translator, d service.Diagnosis) (proved, unproved string) {
	if d.Count(service.CheckFailed) > 0 {
		return "", ""
	}
	if d.SecretProven {
		return l.T("check.proved.secret"), ""
	}
	proved = l.T("check.proved.endpoints")
	if d.SystemAccount != "" {
		return proved, l.T("check.unproved.system_unusable")
	}
	return proved, l.T("check.unproved.no_system")
}
