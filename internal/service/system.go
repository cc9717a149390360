package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
)

// ErrSystemInUse is matched by *SystemInUseError: the system account cannot be disconnected while access
// controlled links live in its space.
var ErrSystemInUse = errors.New("service: system account in use")

// SystemInUseError is a refused disconnect of a system account.
type SystemInUseError struct {
	IssuerID  int64
	CloudUser string
	Links     int64 // access controlled links whose copies the account owns
}

// Error names the issuer, the account and how many links depend on it.
func (e *SystemInUseError) Error() string {
	return fmt.Sprintf("service: issuer %d: system account %q owns %d access controlled link(s)", e.IssuerID, e.CloudUser, e.Links)
}

// Is matches ErrSystemInUse.
func (e *SystemInUseError) Is(target error) bool { return target == ErrSystemInUse }

// SystemAccount is an issuer's system account as the admin page shows it.
type SystemAccount struct {
	Connection
	ControlledLinks int64 // links whose copies live in its space
}

// SystemAccount reports an issuer's system account and how many controlled links depend on it.
func (s *Service) SystemAccount(ctx context.Context, issuerID int64) (SystemAccount, error) {
	c, err := s.SystemConnection(ctx, issuerID)
	if err != nil {
		return SystemAccount{}, err
	}
	n, err := s.store.CountControlledLinks(ctx, store.ControlledLinkFilter{IssuerID: issuerID})
	if err != nil {
		return SystemAccount{}, fmt.Errorf("service: count controlled links: %w", err)
	}
	return SystemAccount{Connection: c, ControlledLinks: n}, nil
}

// DisconnectSystem forgets an issuer's system account (after asking the cloud to revoke its token where it can).
// While access controlled links exist it refuses with a *SystemInUseError: their copies live in that account's
// space, and nobody could open them any more.
func (s *Service) DisconnectSystem(ctx context.Context, actor host.User, issuerID int64) error {
	if _, err := s.GetIssuer(ctx, issuerID); err != nil {
		return err
	}
	acc, err := s.SystemAccount(ctx, issuerID)
	if err != nil {
		return err
	}
	if !acc.Connected && !acc.NeedLogin && acc.CloudUser == "" {
		return fmt.Errorf("service: issuer %d: %w", issuerID, ErrNotConnected)
	}
	if acc.ControlledLinks > 0 {
		return &SystemInUseError{IssuerID: issuerID, CloudUser: acc.CloudUser, Links: acc.ControlledLinks}
	}
	key := store.TokenKey{IssuerID: issuerID, System: true}
	s.revoke(ctx, key)
	if err := s.store.DeleteToken(ctx, key); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("service: forget system account: %w", err)
	}
	s.audit(ctx, actor, "system.disconnect", issuerTarget(issuerID), Msg("audit.system_disconnected", "User", acc.CloudUser))
	return nil
}
