package service

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/store"
)

// ErrNotConnected means the user (or the issuer's system account) has no stored token: they must log in first.
var ErrNotConnected = errors.New("service: not connected to the cloud")

// ErrLoginAgain means the stored token can no longer be refreshed (the cloud refused it): log in again.
var ErrLoginAgain = cloud.ErrLoginAgain

// ErrClientRefused means the cloud refused the site's OAuth client itself (invalid_client: a wrong client id or
// secret in the issuer's settings). Stored logins are kept, since their refresh tokens are still good; refreshes
// pause for clientCooldown, on every replica, so a misconfiguration does not feed the cloud's brute-force
// protection; saving the issuer ends the pause.
var ErrClientRefused = errors.New("service: the cloud refused the site's OAuth client (check the issuer's client id and secret)")

// clientCooldown is how long refreshes for an issuer pause after an invalid_client answer.
const clientCooldown = time.Minute

const (
	// leaseFor bounds one refresh: the token call's own timeout plus room to store the result. No other process
	// redeems the refresh token while the lease runs.
	leaseMargin = 15 * time.Second
	// maxSkew is how long before expiry a token counts as expired.
	maxSkew = 30 * time.Second
)

// tokenSource serves one stored token (a user's or a system account's) and refreshes it when needed.
type tokenSource struct {
	s      *Service
	key    store.TokenKey
	client *cloud.Client
	// read is the token conn read for this request: the first call uses it while it is fresh instead of reading
	// the store again (a token rotated meanwhile gets a 401 and RenewAccessToken, as any other).
	read atomic.Pointer[store.Token]
}

// AccessToken implements cloud.TokenSource.
func (ts *tokenSource) AccessToken(ctx context.Context) (string, error) {
	if t := ts.read.Swap(nil); t != nil && ts.s.fresh(*t) {
		return t.AccessToken, nil
	}
	tok, err := ts.s.store.GetToken(ctx, ts.key)
	if errors.Is(err, store.ErrNotFound) {
		return "", ErrNotConnected
	}
	if err != nil {
		return "", fmt.Errorf("service: read token: %w", err)
	}
	if ts.s.fresh(tok) {
		return tok.AccessToken, nil
	}
	tok, err = ts.refresh(ctx)
	if err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

// RenewAccessToken implements cloud.TokenRenewer: after the cloud refused the access token a request carried, it
// gives the stored token when another request or replica has rotated it meanwhile, and otherwise refreshes (once,
// shared as always) and hands out the new token for one retry. That covers a token that expired in flight and one
// the server ended before our clock says it expires (Nextcloud's app-password row expires by the server's clock);
// the refresh token still works then. It declines, and the 401 stands, when the refused token is the current one
// and was issued moments ago: it cannot have expired, and the cloud refuses it for another reason (a stripped
// Authorization header), which a refresh on every call would not cure. A refused refresh is the call's error
// (log in again).
func (ts *tokenSource) RenewAccessToken(ctx context.Context, refused string) (string, bool, error) {
	tok, err := ts.s.store.GetToken(ctx, ts.key)
	if err != nil {
		return "", false, nil
	}
	fresh := ts.s.fresh(tok)
	switch {
	case tok.AccessToken != refused && fresh:
		return tok.AccessToken, true, nil
	case tok.AccessToken == refused && fresh && ts.s.now().Sub(issuedAt(tok)) < renewGrace:
		return "", false, nil
	}
	if tok.AccessToken == refused && fresh {
		ts.s.metrics.tokensRefused.WithLabelValues(issuerLabel(ts.key.IssuerID)).Inc()
	}
	tok, err = ts.refreshRefused(ctx, refused)
	if err != nil {
		return "", false, err
	}
	return tok.AccessToken, tok.AccessToken != refused, nil
}

// renewGrace is how long after issue a refused access token is taken for refused for another reason than its
// expiry (and is not refreshed).
const renewGrace = time.Minute

// issuedAt is when a token's access token was issued.
func issuedAt(t store.Token) time.Time {
	if t.Refreshed.IsZero() || t.Created.After(t.Refreshed) {
		return t.Created
	}
	return t.Refreshed
}

// fresh reports whether a token's access token can be used now without refreshing. The margin before expiry is
// a quarter of the token's lifetime, at most maxSkew, so short-lived tokens are not refreshed on every call.
func (s *Service) fresh(t store.Token) bool {
	if t.AccessToken == "" {
		return false
	}
	if t.Expiry.IsZero() {
		return true
	}
	issued := t.Refreshed
	if issued.IsZero() || t.Created.After(issued) {
		issued = t.Created
	}
	skew := maxSkew
	if life := t.Expiry.Sub(issued); life > 0 && life/4 < skew {
		skew = life / 4
	}
	return s.now().Add(skew).Before(t.Expiry)
}

// refresh refreshes the token once for everybody: goroutines of this process share one call (singleflight), and
// processes sharing the database take a lease on the row (a compare-and-swap on its version) before redeeming the
// refresh token, so a refresh token is never presented twice.
func (ts *tokenSource) refresh(ctx context.Context) (store.Token, error) {
	return ts.refreshRefused(ctx, "")
}

// refreshRefused is refresh after the cloud refused the access token refused: a stored token still carrying it
// is refreshed even though our clock calls it fresh; one carrying another (rotated meanwhile) is used as it is.
func (ts *tokenSource) refreshRefused(ctx context.Context, refused string) (store.Token, error) {
	k := ts.key
	// One flight per token, whatever the reason: two flights in one process would share the lease holder and
	// could both redeem the refresh token. A caller joining a flight started for another reason gets a token
	// refreshed after its own was refused either way (a flight only starts for a stale or refused token).
	sfKey := strconv.FormatInt(k.IssuerID, 10) + "\x00" + strconv.FormatBool(k.System) + "\x00" + k.UserID
	ch := ts.s.refreshes.DoChan(sfKey, func() (any, error) {
		// Detached from the first caller's cancellation: the others wait on the same call.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ts.s.cfg.Timeout+2*leaseMargin)
		defer cancel()
		return ts.refreshShared(rctx, refused)
	})
	select {
	case <-ctx.Done():
		return store.Token{}, fmt.Errorf("service: waiting for token refresh: %w", ctx.Err())
	case r := <-ch:
		if r.Err != nil {
			return store.Token{}, r.Err
		}
		return r.Val.(store.Token), nil
	}
}

func (ts *tokenSource) refreshShared(ctx context.Context, refused string) (store.Token, error) {
	s := ts.s
	if s.clientRefusedUntil(ctx, ts.key.IssuerID).After(s.now()) {
		return store.Token{}, ErrClientRefused
	}
	wait := 20 * time.Millisecond
	for {
		tok, err := s.store.GetToken(ctx, ts.key)
		if errors.Is(err, store.ErrNotFound) {
			return store.Token{}, ErrNotConnected
		}
		if err != nil {
			return store.Token{}, fmt.Errorf("service: read token: %w", err)
		}
		if s.fresh(tok) && (refused == "" || tok.AccessToken != refused) {
			return tok, nil // another process refreshed it
		}
		if tok.RefreshToken == "" {
			return store.Token{}, ErrLoginAgain
		}
		now := s.now()
		if tok.LeaseHolder != "" && tok.LeaseHolder != s.holderID && now.Before(tok.LeaseUntil) {
			// Someone else is refreshing: wait for their result rather than redeem the same refresh token.
			if err := pause(ctx, wait); err != nil {
				return store.Token{}, fmt.Errorf("service: waiting for another replica's token refresh: %w", err)
			}
			if wait < 500*time.Millisecond {
				wait *= 2
			}
			continue
		}
		claim := tok
		claim.LeaseHolder = s.holderID
		claim.LeaseUntil = now.Add(s.cfg.Timeout + leaseMargin)
		claimed, err := s.store.SwapToken(ctx, claim, tok.Version)
		if errors.Is(err, store.ErrConflict) {
			continue // somebody wrote in between: look again
		}
		if err != nil {
			return store.Token{}, fmt.Errorf("service: claim token refresh: %w", err)
		}
		return ts.redeem(ctx, claimed)
	}
}

// redeem presents the refresh token (once) and stores the rotated pair before anybody uses it.
func (ts *tokenSource) redeem(ctx context.Context, claimed store.Token) (store.Token, error) {
	s := ts.s
	nt, err := ts.client.Refresh(ctx, claimed.RefreshToken)
	if err != nil {
		release := claimed
		release.LeaseHolder, release.LeaseUntil = "", time.Time{}
		var se *cloud.StatusError
		clientRefused := errors.As(err, &se) && se.OAuthError == "invalid_client"
		switch {
		case clientRefused:
			// The refresh token was not looked at: keep it, pause, and tell the admin.
			s.refuseClient(ctx, ts.key.IssuerID)
			release.LastError = StoreMessages(Msg("token.client_refused", "At", s.now()))
			err = fmt.Errorf("%w: %w", ErrClientRefused, err)
		case errors.Is(err, cloud.ErrLoginAgain):
			// The refresh token is dead; so is the access token that came with it.
			release.AccessToken, release.RefreshToken = "", ""
			release.LastError = StoreMessages(Msg("token.login_refused", "At", s.now()))
		default:
			release.LastError = StoreMessages(Msg("token.refresh_failed", "At", s.now(), "Reason", err.Error()))
		}
		if _, serr := s.store.SwapToken(ctx, release, claimed.Version); serr != nil {
			s.log.ErrorContext(ctx, "ocrepo: release token lease", "issuer", ts.key.IssuerID, "system", ts.key.System, "err", serr)
		}
		s.log.WarnContext(ctx, "ocrepo: token refresh failed", "issuer", ts.key.IssuerID, "system", ts.key.System,
			"user", ts.key.UserID, "err", err)
		s.countRefresh(ts.key.IssuerID, err)
		return store.Token{}, fmt.Errorf("service: refresh token: %w", err)
	}
	next := claimed
	next.AccessToken = nt.AccessToken
	if nt.RefreshToken != "" {
		next.RefreshToken = nt.RefreshToken
	}
	next.Expiry = s.expiry(nt)
	next.Refreshed = s.now().UTC()
	next.LeaseHolder, next.LeaseUntil = "", time.Time{}
	next.LastError = ""
	stored, err := s.store.SwapToken(ctx, next, claimed.Version)
	s.countRefreshStored(ts.key.IssuerID, err)
	if err == nil {
		s.retryRevocationsLater(ts.key.IssuerID) // the cloud answers: settle what logouts still owe it
	}
	if err != nil {
		// Our lease was overrun, which the lease length is meant to prevent. The new pair cannot be stored
		// without clobbering a newer write; say so loudly.
		s.log.ErrorContext(ctx, "ocrepo: refreshed token could not be stored", "issuer", ts.key.IssuerID,
			"system", ts.key.System, "user", ts.key.UserID, "err", err)
		return store.Token{}, fmt.Errorf("service: store refreshed token: %w", err)
	}
	return stored, nil
}

// refuseClient pauses refreshes for an issuer whose client the cloud refused. The pause lives in the store, so
// every replica pauses, and saving the issuer ends it everywhere.
func (s *Service) refuseClient(ctx context.Context, issuerID int64) {
	if err := s.store.PauseClient(ctx, issuerID, s.now().Add(clientCooldown)); err != nil {
		s.log.ErrorContext(ctx, "ocrepo: record the client pause", "issuer", issuerID, "err", err)
	}
}

// clientRefusedUntil is when refreshes for an issuer may be tried again after an invalid_client answer. A pause
// that cannot be read does not stop refreshes (the cloud will refuse again if it must).
func (s *Service) clientRefusedUntil(ctx context.Context, issuerID int64) time.Time {
	until, err := s.store.ClientPausedUntil(ctx, issuerID)
	if err != nil {
		s.log.ErrorContext(ctx, "ocrepo: read the client pause", "issuer", issuerID, "err", err)
		return time.Time{}
	}
	return until
}

// expiry moves a token's expiry, which the OAuth library computes from the wall clock (now + expires_in), onto
// the service's clock.
func (s *Service) expiry(t cloud.Token) time.Time {
	if t.Expiry.IsZero() {
		return time.Time{}
	}
	return s.now().Add(time.Until(t.Expiry)).UTC()
}

// pause waits d or until ctx ends.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// userConn is a cloud connection as a host user, with their stored token.
func (s *Service) userConn(ctx context.Context, issuerID int64, userID string) (*cloud.Conn, store.Token, error) {
	return s.conn(ctx, store.TokenKey{IssuerID: issuerID, UserID: userID})
}

// systemConn is a cloud connection as an issuer's system account.
func (s *Service) systemConn(ctx context.Context, issuerID int64) (*cloud.Conn, store.Token, error) {
	return s.conn(ctx, store.TokenKey{IssuerID: issuerID, System: true})
}

// requestOrStoredToken is the token read earlier in this request (WithIssuers) the first time it is asked for, else
// the store's.
func (s *Service) requestOrStoredToken(ctx context.Context, key store.TokenKey) (store.Token, error) {
	if tok, found := requestToken(ctx, key); found {
		if tok == nil {
			return store.Token{}, fmt.Errorf("service: %w", store.ErrNotFound)
		}
		return *tok, nil
	}
	return s.store.GetToken(ctx, key)
}

func (s *Service) conn(ctx context.Context, key store.TokenKey) (*cloud.Conn, store.Token, error) {
	_, c, err := s.issuerClient(ctx, key.IssuerID)
	if err != nil {
		return nil, store.Token{}, err
	}
	tok, err := s.requestOrStoredToken(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, store.Token{}, ErrNotConnected
	}
	if err != nil {
		return nil, store.Token{}, fmt.Errorf("service: read token: %w", err)
	}
	if tok.AccessToken == "" && tok.RefreshToken == "" {
		return nil, tok, ErrLoginAgain
	}
	ts := &tokenSource{s: s, key: key, client: c}
	ts.read.Store(&tok)
	return c.As(tok.CloudUser, ts), tok, nil
}
