package service

import (
	"context"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/store"
)

// redactDiagnosis passes every word of a diagnosis that may come from a server (the parameters of its messages:
// OAuth errors, reasons, redirect targets, TLS and network errors; product and version from status.php) through
// the cloud client's redaction, with the issuer's client secret and the system account's tokens (as they were before the
// check and as they are after it) as the known secrets. It is the one place the check's output is cleaned.
func (r *checkRun) redactDiagnosis(ctx context.Context, d *Diagnosis, before store.Token) {
	secrets := []string{r.iss.ClientSecret, r.iss.ClientID + ":" + r.iss.ClientSecret, before.AccessToken, before.RefreshToken}
	if after, err := r.s.store.GetToken(ctx, store.TokenKey{IssuerID: r.iss.ID, System: true}); err == nil {
		secrets = append(secrets, after.AccessToken, after.RefreshToken)
	}
	clean := func(s string) string {
		if s == "" {
			return s
		}
		return cloud.Redact(s, secrets...)
	}
	d.Product, d.Version, d.SystemUser = clean(d.Product), clean(d.Version), clean(d.SystemUser)
	for i := range d.Checks {
		c := &d.Checks[i]
		c.URL, c.Title, c.Cause = clean(c.URL), c.Title.redacted(clean), c.Cause.redacted(clean)
		for j := range c.Summary {
			c.Summary[j] = c.Summary[j].redacted(clean)
		}
		for j := range c.Fix {
			c.Fix[j] = c.Fix[j].redacted(clean)
		}
	}
}
