package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ocrepo/ocrepo/store"
)

// The audit detail of a check: its counts (auditCheck), the failed probes, and last whether it proved the client
// secret, so that the last check can be read back.
const (
	auditCheck         = "audit.check"
	auditSecretProven  = "audit.check_proven"
	auditSecretUnknown = "audit.check_unproven"
)

// How a version that recorded words rather than message ids wrote the same.
const (
	secretProvenNote   = "; client secret proven"
	secretUnprovenNote = "; client secret not proven"
)

func checkSecretNote(proven bool) Message {
	if proven {
		return Msg(auditSecretProven)
	}
	return Msg(auditSecretUnknown)
}

// LastCheck is what the most recent connection check of an issuer found, read back from the audit trail.
type LastCheck struct {
	At           time.Time
	Passed       int
	Warnings     int
	Failed       int
	SecretProven bool
}

// LastCheck returns an issuer's most recent connection check, or nil when it was never checked (or only by a
// version that did not record what it proved).
func (s *Service) LastCheck(ctx context.Context, issuerID int64) (*LastCheck, error) {
	es, err := s.store.ListAudit(ctx, store.AuditFilter{Action: "issuer.check", Target: issuerTarget(issuerID), Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("service: read last check: %w", err)
	}
	if len(es) == 0 {
		return nil, nil
	}
	return parseCheckSummary(es[0].Detail, es[0].At), nil
}

// lastChecks returns the most recent connection check of each of the issuers that has one, read in one statement.
func (s *Service) lastChecks(ctx context.Context, issuerIDs []int64) (map[int64]*LastCheck, error) {
	targets := make([]string, len(issuerIDs))
	byTarget := make(map[string]int64, len(issuerIDs))
	for i, id := range issuerIDs {
		targets[i] = issuerTarget(id)
		byTarget[targets[i]] = id
	}
	es, err := s.store.LatestAudit(ctx, "issuer.check", targets)
	if err != nil {
		return nil, fmt.Errorf("service: read last checks: %w", err)
	}
	out := make(map[int64]*LastCheck, len(es))
	for _, e := range es {
		if id, ok := byTarget[e.Target]; ok {
			if lc := parseCheckSummary(e.Detail, e.At); lc != nil {
				out[id] = lc
			}
		}
	}
	return out, nil
}

// parseCheckSummary reads a check's audit detail (the counts, the failed probes, what it proved; or, as older
// versions wrote it, "connection check: 5 passed, 1 warnings, 0 failed (...); client secret not proven"); nil when
// it is not one.
func parseCheckSummary(detail string, at time.Time) *LastCheck {
	lc := &LastCheck{At: at}
	if ws, ok := StoredMessages(detail); ok && len(ws) >= 2 && ws[0].ID == auditCheck {
		count := func(name string) (int, bool) {
			n, ok := ws[0].Arg(name).(int64)
			return int(n), ok
		}
		var ok1, ok2, ok3 bool
		lc.Passed, ok1 = count("Passed")
		lc.Warnings, ok2 = count("Warnings")
		lc.Failed, ok3 = count("Failed")
		switch last := ws[len(ws)-1].ID; {
		case !ok1 || !ok2 || !ok3:
			return nil
		case last == auditSecretProven:
			lc.SecretProven = true
		case last != auditSecretUnknown:
			return nil
		}
		return lc
	}
	if _, err := fmt.Sscanf(detail, "connection check: %d passed, %d warnings, %d failed", &lc.Passed, &lc.Warnings, &lc.Failed); err != nil {
		return nil
	}
	switch {
	case strings.HasSuffix(detail, secretProvenNote):
		lc.SecretProven = true
	case strings.HasSuffix(detail, secretUnprovenNote):
	default:
		return nil
	}
	return lc
}
