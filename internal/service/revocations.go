package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
)

// A logout ends the login here at once and asks the cloud to revoke it (Nextcloud: the app password behind the
// token). When the cloud cannot be reached, the revocation is kept in the store (tokens sealed) and tried again on
// the next contact with that cloud: another logout, a login, or a token refresh for any user of the issuer, on
// whichever replica comes first.

const (
	// revocationBatch bounds how many pending revocations one retry works through.
	revocationBatch = 20
	// maxRevocationAttempts is how often a revocation is tried before it is given up (and logged).
	maxRevocationAttempts = 50
)

// LogoutResult says how a logout went at the cloud.
type LogoutResult struct {
	// RevocationPending is set when the cloud could not be reached: the login ended here, and is revoked at the
	// cloud once it answers again (until then it still works there).
	RevocationPending bool
}

// Logout forgets a user's token at an issuer, after asking the cloud to revoke it. A cloud that cannot be reached
// does not keep the user logged in here: the revocation is stored and retried later (RevocationPending).
func (s *Service) Logout(ctx context.Context, u host.User, issuerID int64) (LogoutResult, error) {
	s.listings.forgetUser(issuerID, u.ID)
	key := store.TokenKey{IssuerID: issuerID, UserID: u.ID}
	res := LogoutResult{RevocationPending: s.revoke(ctx, key)}
	if err := s.store.DeleteToken(ctx, key); err != nil && !errors.Is(err, store.ErrNotFound) {
		return res, fmt.Errorf("service: forget token: %w", err)
	}
	return res, nil
}

// revoke asks the cloud to end the login stored under key, before the caller forgets it. When the cloud cannot
// be reached, the revocation is stored for later and revoke reports it pending. Other failures are logged.
func (s *Service) revoke(ctx context.Context, key store.TokenKey) (pending bool) {
	tok, err := s.store.GetToken(ctx, key)
	if err != nil || tok.AccessToken == "" && tok.RefreshToken == "" {
		return false
	}
	rerr := s.revokeLogin(ctx, key.IssuerID, tok.CloudUser, tok.AccessToken, tok.RefreshToken)
	switch {
	case rerr == nil:
		s.RetryRevocations(ctx, key.IssuerID) // the cloud answers: settle what others still owe it
	case retryRevocation(rerr):
		p := store.PendingRevocation{ID: randomID(16), IssuerID: key.IssuerID, UserID: key.UserID, CloudUser: tok.CloudUser,
			AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, Attempts: 1, LastError: s.revocationWords(rerr)}
		s.log.WarnContext(ctx, "ocrepo: the cloud cannot revoke the login now; retrying later", "issuer", key.IssuerID, "err", rerr)
		if aerr := s.store.AddRevocation(ctx, p); aerr != nil {
			s.log.ErrorContext(ctx, "ocrepo: store the pending revocation", "issuer", key.IssuerID, "err", aerr)
			return false
		}
		return true
	default:
		s.log.InfoContext(ctx, "ocrepo: token revocation at the cloud failed", "issuer", key.IssuerID, "err", rerr)
	}
	return false
}

// RetryRevocations tries the pending revocations of an issuer again (a batch, oldest first) and returns how many
// were settled. Each is claimed by deleting it, so replicas never work on the same one; one that fails because
// the cloud is still away is stored again.
func (s *Service) RetryRevocations(ctx context.Context, issuerID int64) int {
	pending, err := s.store.ListRevocations(ctx, issuerID, revocationBatch)
	if err != nil {
		s.log.ErrorContext(ctx, "ocrepo: list pending revocations", "issuer", issuerID, "err", err)
		return 0
	}
	settled := 0
	for _, p := range pending {
		if err := s.store.DeleteRevocation(ctx, p.ID); err != nil {
			continue // another replica took it (or the issuer went)
		}
		rerr := s.revokeLogin(ctx, issuerID, p.CloudUser, p.AccessToken, p.RefreshToken)
		if rerr == nil || !retryRevocation(rerr) {
			settled++
			if rerr != nil {
				s.log.InfoContext(ctx, "ocrepo: pending revocation given up", "issuer", issuerID, "err", rerr)
			}
			continue
		}
		p.Attempts++
		p.LastError = s.revocationWords(rerr)
		if p.Attempts >= maxRevocationAttempts {
			s.log.WarnContext(ctx, "ocrepo: pending revocation given up after many attempts", "issuer", issuerID,
				"attempts", p.Attempts, "err", rerr)
			continue
		}
		if aerr := s.store.AddRevocation(ctx, p); aerr != nil {
			s.log.ErrorContext(ctx, "ocrepo: store the pending revocation again", "issuer", issuerID, "err", aerr)
		}
		break // the cloud is still away: the rest can wait for the next contact
	}
	return settled
}

// retryRevocationsLater retries an issuer's pending revocations in the background after a successful contact
// with its cloud (a login, a refresh), at most one run per issuer at a time; Close waits for it.
func (s *Service) retryRevocationsLater(issuerID int64) {
	s.importsMu.Lock()
	defer s.importsMu.Unlock()
	if s.closed {
		return
	}
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		_, _, _ = s.revoking.Do(fmt.Sprint(issuerID), func() (any, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*s.cfg.Timeout)
			defer cancel()
			return s.RetryRevocations(ctx, issuerID), nil
		})
	}()
}

// revokeLogin asks the cloud to end a login: with the access token, or, when the cloud no longer takes it (it
// expired meanwhile; the refresh token lives on), with a fresh one from the refresh token. A login the cloud
// no longer knows at all is ended already. A server without revocation has nothing to do.
func (s *Service) revokeLogin(ctx context.Context, issuerID int64, cloudUser, access, refresh string) error {
	_, c, err := s.issuerClient(ctx, issuerID)
	if err != nil {
		return err
	}
	if access != "" {
		err = c.As(cloudUser, staticToken(access)).Revoke(ctx)
		switch {
		case err == nil, errors.Is(err, cloud.ErrUnsupported):
			return nil
		case !errors.Is(err, cloud.ErrUnauthorized) || refresh == "":
			return err
		}
	}
	if refresh == "" {
		return nil
	}
	nt, err := c.Refresh(ctx, refresh)
	var se *cloud.StatusError
	switch {
	case errors.As(err, &se) && se.OAuthError == "invalid_client":
		return err // the login lives on; the admin will fix the client
	case errors.Is(err, cloud.ErrLoginAgain):
		return nil // the cloud no longer knows the login
	case err != nil:
		return err
	}
	err = c.As(cloudUser, staticToken(nt.AccessToken)).Revoke(ctx)
	if err == nil || errors.Is(err, cloud.ErrUnsupported) {
		return nil
	}
	return err
}

// retryRevocation reports whether a failed revocation is worth trying again later: the cloud was away, slow,
// failing or limiting us, or refused the site's client.
func retryRevocation(err error) bool {
	var se *cloud.StatusError
	return errors.Is(err, cloud.ErrUnavailable) || errors.Is(err, cloud.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, cloud.ErrServer) || errors.Is(err, cloud.ErrThrottled) || errors.Is(err, cloud.ErrInvalidResponse) ||
		errors.As(err, &se) && se.OAuthError == "invalid_client"
}

// revocationWords is a failed revocation for an admin, with the time (cloud errors carry no secrets).
func (s *Service) revocationWords(err error) string {
	return s.now().UTC().Format(time.RFC3339) + ": " + err.Error()
}
