package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
)

// auditLoginFailed is the audit action of a user's cloud login that failed at the callback. The trail is the
// server-side record the picker reads, so a reload (on any replica) still says why the last login failed.
const auditLoginFailed = "login.failed"

// loginFailedDetail starts the audit detail of a failed login; the failure's kind follows it.
const loginFailedDetail = "cloud login failed: "

// loginFailureShown is how long after a failed login the picker still shows it to a user who is not logged in.
const loginFailureShown = 15 * time.Minute

// recordLoginFailure records a user's login that failed after its state was recognised (audit action
// "login.failed", the failure's kind only, never a secret), so that the picker can say why: see LastLoginFailure.
func (s *Service) recordLoginFailure(ctx context.Context, u host.User, d LoginDone, err error) {
	var le *LoginError
	if err != nil && !d.System && d.IssuerID != 0 && errors.As(err, &le) && le.Kind != LoginStateReplayed {
		s.auditText(ctx, u, auditLoginFailed, issuerTarget(d.IssuerID), loginFailedDetail+string(le.Kind))
	}
}

// LoginFailed is a user's failed login as the picker shows it.
type LoginFailed struct {
	Err *LoginError // the failure's kind; Err.Err is nil (the cause is in the operator log)
	At  time.Time
}

// LastLoginFailure returns the user's most recent failed login at an issuer when it happened within the last
// 15 minutes and no login succeeded since (the user is not logged in); nil otherwise.
func (s *Service) LastLoginFailure(ctx context.Context, issuerID int64, userID string) (*LoginFailed, error) {
	es, err := s.store.ListAudit(ctx, store.AuditFilter{Actor: userID, Action: auditLoginFailed, Target: issuerTarget(issuerID), Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("service: read failed logins: %w", err)
	}
	if len(es) == 0 || s.now().Sub(es[0].At) > loginFailureShown {
		return nil, nil
	}
	kind, ok := strings.CutPrefix(es[0].Detail, loginFailedDetail)
	if !ok || kind == "" {
		return nil, nil
	}
	conn, err := s.UserConnection(ctx, issuerID, userID)
	if err != nil {
		return nil, err
	}
	if conn.Connected {
		return nil, nil
	}
	return &LoginFailed{Err: &LoginError{Kind: LoginFailure(kind)}, At: es[0].At}, nil
}
