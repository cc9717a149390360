package admin

import (
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
)

// fitnessNote says in a few words, in the admin's language, why a cloud server is unsuitable for an instance, or
// what it cannot do or has not proved; "" when there is nothing to say.
func (h *handler) fitnessNote(c echo.Context, fit service.IssuerFitness) string {
	l := h.env.Localizer(c)
	switch {
	case len(fit.Missing) > 0:
		return l.T("admin.fitness.lacks", "Endpoints", strings.Join(fit.Missing, ", "))
	case fit.Checked != nil && fit.Checked.Failed > 0:
		return l.T("admin.fitness.failed", "When", h.when(c, fit.Checked.At), "Count", fit.Checked.Failed, "N", l.Number(int64(fit.Checked.Failed)))
	}
	var notes []string
	if !fit.ControlledLinks {
		notes = append(notes, l.T("admin.fitness.no_system"))
	}
	switch {
	case fit.Checked == nil:
		notes = append(notes, l.T("admin.fitness.unchecked"))
	case !fit.Checked.SecretProven:
		notes = append(notes, l.T("admin.fitness.unproven"))
	}
	return strings.Join(notes, l.T("admin.list_separator"))
}
