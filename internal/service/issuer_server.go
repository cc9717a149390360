package service

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
)

// ServerChange says how an edit moves an issuer to another server: a new base URL, or an endpoint whose origin
// (scheme, host and port) is not the one it had. Such an edit is treated as a new server: the stored client
// secret is never sent to the new address (the admin types it again) and every stored login of the issuer goes.
type ServerChange struct {
	// Moves lists what moved, in words of no language: "https://a/ -> https://b/" for the base URL,
	// "webdav_endpoint: https://a -> https://b" for an endpoint, "ocs_endpoint: https://c" for a new one.
	Moves []string
}

// Changed reports whether the edit points the issuer at another server.
func (c ServerChange) Changed() bool { return len(c.Moves) > 0 }

// Notice is the warning the edit form shows before such a save; none when nothing moved.
func (c ServerChange) Notice() Message {
	if !c.Changed() {
		return Message{}
	}
	return Msg("admin.issuer.new_server_notice", "Moves", strings.Join(c.Moves, "; "))
}

// IssuerServerChange compares a stored issuer with what the admin submitted for it. Endpoints left blank on a
// preset issuer are the preset's for the submitted base URL, as the save fills them.
func IssuerServerChange(old store.Issuer, in IssuerInput) ServerChange {
	var c ServerChange
	base, msg := NormalizeBaseURL(in.BaseURL)
	if !msg.IsZero() {
		return c // the form refuses it anyway
	}
	if !sameBase(base, old.BaseURL) {
		c.Moves = append(c.Moves, fmt.Sprintf("%s -> %s", old.BaseURL, base))
	}
	eps := in.Endpoints
	if !slices.ContainsFunc(eps, func(e store.Endpoint) bool { return strings.TrimSpace(e.Name+e.URL) != "" }) {
		eps, _ = PresetEndpoints(in.Preset, base)
	}
	known := map[string]bool{}
	for _, e := range old.Endpoints {
		if !isPublicLinkOrigin(e.Name) {
			known[originOf(e.URL)] = true
		}
	}
	for _, e := range eps {
		name, raw := strings.TrimSpace(e.Name), strings.TrimSpace(e.URL)
		if raw == "" || isPublicLinkOrigin(name) {
			continue // no request, and so no secret, ever goes to where public links point
		}
		to := originOf(raw)
		if prev := old.EndpointURL(name); prev != "" {
			if from := originOf(prev); from != to {
				c.Moves = append(c.Moves, fmt.Sprintf("%s: %s -> %s", name, from, to))
			}
			continue
		}
		if !known[to] && to != originOf(old.BaseURL) {
			c.Moves = append(c.Moves, fmt.Sprintf("%s: %s", name, to))
		}
	}
	return c
}

// sameBase reports whether two normalised base URLs name one server: the same origin (case aside) and the same
// path.
func sameBase(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return originOf(a) == originOf(b) && ua.EscapedPath() == ub.EscapedPath()
}

// originOf is scheme://host[:port] of a URL in lower case ({userid} placeholders do not matter here).
func originOf(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return strings.ToLower(strings.TrimSpace(raw))
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// newServerProblems are the form problems of an edit that moves the issuer: the secret must be typed again and
// the admin must have confirmed after seeing the notice.
func newServerProblems(change ServerChange, in IssuerInput) *FormError {
	fe := &FormError{}
	if !change.Changed() {
		return fe
	}
	if strings.TrimSpace(in.ClientSecret) == "" {
		fe.add("client_secret", Msg("admin.invalid.secret_new_server"))
	}
	if !in.ConfirmNewServer {
		fe.add("confirm_new_server", Msg("admin.invalid.confirm_new_server"))
	}
	return fe
}

// replaceIssuerServer stores an edit that moves the issuer to another server: the issuer and the removal of
// every stored login happen in one transaction, and the audit trail records both.
func (s *Service) replaceIssuerServer(ctx context.Context, actor host.User, old, iss store.Issuer, change ServerChange) (store.Issuer, error) {
	sys, err := s.store.GetToken(ctx, store.TokenKey{IssuerID: old.ID, System: true})
	hadSystem := err == nil
	updated, dropped, err := s.store.ReplaceIssuerServer(ctx, iss)
	if err != nil {
		return store.Issuer{}, fmt.Errorf("service: update issuer %d: %w", old.ID, err)
	}
	users := dropped
	detail := []Message{Msg("audit.issuer_moved", "Name", updated.Name, "Moves", strings.Join(change.Moves, "; ")), Msg("audit.secret_replaced")}
	if hadSystem {
		users--
		detail = append(detail, Msg("audit.system_dropped", "User", sys.CloudUser))
	}
	detail = append(detail, Msg("audit.logins_dropped", "Count", users))
	s.audit(ctx, actor, "issuer.new_server", issuerTarget(old.ID), detail...)
	return updated, nil
}
