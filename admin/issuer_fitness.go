package admin

import (
	"fmt"
	"strings"

	"github.com/ocrepo/ocrepo/internal/service"
)

// fitnessNote says in a few words why a cloud server is unsuitable for an instance, or what it cannot do or has
// not proved; "" when there is nothing to say.
func fitnessNote(fit service.IssuerFitness) string {
	switch {
	case len(fit.Missing) > 0:
		return "lacks " + strings.Join(fit.Missing, ", ")
	case fit.Checked != nil && fit.Checked.Failed > 0:
		return fmt.Sprintf("its last connection check (%s) found %s: run the check again once fixed", when(fit.Checked.At), failures(fit.Checked.Failed))
	}
	var notes []string
	if !fit.ControlledLinks {
		notes = append(notes, "controlled links unavailable: no system account connected")
	}
	switch {
	case fit.Checked == nil:
		notes = append(notes, "not checked yet: run the connection check")
	case !fit.Checked.SecretProven:
		notes = append(notes, "the last connection check could not prove the client secret")
	}
	return strings.Join(notes, "; ")
}

func failures(n int) string {
	if n == 1 {
		return "1 failure"
	}
	return fmt.Sprintf("%d failures", n)
}
