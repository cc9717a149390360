package service

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
)

// LoginError is a login that could not be finished; Kind says which way it failed, for the person in front of the
// screen.
type LoginError struct {
	Kind LoginFailure
	Err  error // the cause, for the operator log; never holds a secret
}

// LoginFailure names the ways a login fails.
type LoginFailure string

// The ways a login fails.
const (
	LoginStateMissing  LoginFailure = "state_missing"  // the callback carried no state
	LoginStateUnknown  LoginFailure = "state_unknown"  // a state we never issued (or long purged)
	LoginStateReplayed LoginFailure = "state_replayed" // the callback was used before
	LoginStateExpired  LoginFailure = "state_expired"  // the login took too long
	LoginStateForeign  LoginFailure = "state_foreign"  // started by another user
	LoginDenied        LoginFailure = "denied"         // the user refused consent at the cloud
	LoginRedirectURI   LoginFailure = "redirect_uri"   // the cloud says the redirect URI does not match
	LoginCloudError    LoginFailure = "cloud_error"    // the cloud sent another OAuth error
	LoginTokenRefused  LoginFailure = "token_refused"  // the token endpoint refused the code
	LoginClientRefused LoginFailure = "client_refused" // the token endpoint refused the site's client (invalid_client)
	LoginTokenFailed   LoginFailure = "token_failed"   // the token endpoint failed (down, invalid reply, timeout)
	LoginThrottled     LoginFailure = "throttled"      // brute-force protection at the cloud
	LoginNoUser        LoginFailure = "no_user"        // userinfo did not say who the user is
	LoginUserinfo      LoginFailure = "userinfo"       // userinfo failed
	LoginSystemInUse   LoginFailure = "system_in_use"  // a different system account while controlled links exist
)

func (e *LoginError) Error() string {
	if e.Err != nil {
		return "service: login: " + string(e.Kind) + ": " + e.Err.Error()
	}
	return "service: login: " + string(e.Kind)
}

func (e *LoginError) Unwrap() error { return e.Err }

// LoginStart is what starts a login.
type LoginStart struct {
	IssuerID   int64
	InstanceID int64
	System     bool   // connect the issuer's system account (admins only: the caller checks)
	ReturnTo   string // where to go afterwards (a path on the host's origin)
	Popup      bool
}

// StartLogin records a login in flight and returns the cloud's authorize URL to send the browser to.
func (s *Service) StartLogin(ctx context.Context, u host.User, ls LoginStart) (string, error) {
	_, c, err := s.issuerClient(ctx, ls.IssuerID)
	if err != nil {
		return "", err
	}
	now := s.now().UTC()
	want := store.LoginState{IssuerID: ls.IssuerID, UserID: u.ID, System: ls.System, InstanceID: ls.InstanceID,
		ReturnTo: ls.ReturnTo, Popup: ls.Popup, Created: now, Expires: now.Add(s.cfg.LoginTTL)}
	// The same login opened again (a reload, a second click) reuses the one in flight while it has at least half
	// its time left, so plain GETs of the login link add no rows.
	if st, err := s.store.PendingLoginState(ctx, want, now.Add(s.cfg.LoginTTL/2)); err == nil {
		return c.AuthCodeURL(s.stateFor(st.Verifier), st.Verifier, s.cfg.CallbackURL), nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("service: find login in flight: %w", err)
	}
	want.Verifier = oauth2.GenerateVerifier()
	state := s.stateFor(want.Verifier)
	want.ID = stateID(state)
	if err := s.store.CreateLoginState(ctx, want); err != nil {
		return "", fmt.Errorf("service: record login: %w", err)
	}
	// A user has at most maxPendingLogins logins in flight (other instances, return targets, popups): the oldest
	// go first.
	if _, err := s.store.TrimLoginStates(ctx, u.ID, maxPendingLogins); err != nil {
		s.log.WarnContext(ctx, "ocrepo: trim login states", "user", u.ID, "err", err)
	}
	// Logins that were never finished (the user closed the popup) expire quietly; sweep them now and then.
	if n, err := s.store.DeleteLoginStatesBefore(ctx, now.Add(-time.Hour)); err != nil {
		s.log.WarnContext(ctx, "ocrepo: sweep expired login states", "err", err)
	} else if n > 0 {
		s.log.DebugContext(ctx, "ocrepo: swept expired login states", "count", n)
	}
	s.metrics.loginsStarted.WithLabelValues(issuerLabel(ls.IssuerID)).Inc()
	return c.AuthCodeURL(state, want.Verifier, s.cfg.CallbackURL), nil
}

// maxPendingLogins bounds the logins in flight one user may hold.
const maxPendingLogins = 8

// stateFor is the state value of a login: a MAC of its PKCE verifier (random, and sealed at rest), so the login
// in flight can be handed out again while the table keeps neither the state nor the verifier in the clear.
func (s *Service) stateFor(verifier string) string {
	m := hmac.New(sha256.New, s.cfg.SigningKey)
	m.Write([]byte("ocrepo login state v2\x00"))
	m.Write([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// stateID is what the store keeps of a state value: its hash, so a read of the table cannot finish a login.
func stateID(state string) string {
	h := sha256.Sum256([]byte("ocrepo login state\x00" + state))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// Callback is what the cloud sent back to the redirect URI.
type Callback struct {
	State            string
	Code             string
	Error            string
	ErrorDescription string
}

// LoginDone is a finished login.
type LoginDone struct {
	IssuerID   int64
	InstanceID int64
	System     bool
	ReturnTo   string
	Popup      bool
	CloudUser  string
	CloudName  string
}

// FinishLogin checks the state, redeems the code (1 token call), reads userinfo (1 call) and stores the token.
// A user's login that fails after its state was recognised is recorded (see recordLoginFailure) so that the
// picker can say why.
func (s *Service) FinishLogin(ctx context.Context, u host.User, cb Callback) (LoginDone, error) {
	done, err := s.finishLogin(ctx, u, cb)
	s.countLogin(done, err)
	s.recordLoginFailure(ctx, u, done, err)
	return done, err
}

// finishLogin is FinishLogin without the counting and the record of a failure.
func (s *Service) finishLogin(ctx context.Context, u host.User, cb Callback) (LoginDone, error) {
	if cb.State == "" {
		return LoginDone{}, &LoginError{Kind: LoginStateMissing}
	}
	st, err := s.store.TakeLoginState(ctx, stateID(cb.State))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return LoginDone{}, &LoginError{Kind: LoginStateUnknown}
	case errors.Is(err, store.ErrAlreadyUsed):
		done := LoginDone{IssuerID: st.IssuerID, InstanceID: st.InstanceID, ReturnTo: st.ReturnTo, Popup: st.Popup, System: st.System}
		if st.UserID != u.ID {
			done = LoginDone{}
		}
		return done, &LoginError{Kind: LoginStateReplayed}
	case err != nil:
		return LoginDone{}, fmt.Errorf("service: take login state: %w", err)
	}
	if st.UserID != u.ID {
		s.log.WarnContext(ctx, "ocrepo: login callback with another user's state", "user", u.ID, "issuer", st.IssuerID)
		return LoginDone{}, &LoginError{Kind: LoginStateForeign}
	}
	done := LoginDone{IssuerID: st.IssuerID, InstanceID: st.InstanceID, System: st.System, ReturnTo: st.ReturnTo, Popup: st.Popup}
	if s.now().After(st.Expires) {
		return done, &LoginError{Kind: LoginStateExpired}
	}
	if cb.Error != "" {
		return done, callbackError(cb)
	}
	if cb.Code == "" {
		return done, &LoginError{Kind: LoginCloudError, Err: errors.New("the callback carried neither a code nor an error")}
	}
	iss, c, err := s.issuerClient(ctx, st.IssuerID)
	if err != nil {
		return done, err
	}
	t, err := c.Exchange(ctx, cb.Code, st.Verifier, s.cfg.CallbackURL)
	if err != nil {
		kind := LoginTokenFailed
		var se *cloud.StatusError
		switch {
		case errors.As(err, &se) && se.OAuthError == "invalid_client":
			kind = LoginClientRefused
		case errors.Is(err, cloud.ErrThrottled):
			kind = LoginThrottled
		case errors.Is(err, cloud.ErrLoginAgain):
			kind = LoginTokenRefused
		}
		s.log.WarnContext(ctx, "ocrepo: code exchange failed", "issuer", iss.ID, "user", u.ID, "err", err)
		return done, &LoginError{Kind: kind, Err: err}
	}
	who, err := c.As("", staticToken(t.AccessToken)).UserInfo(ctx)
	if err != nil {
		kind := LoginUserinfo
		if errors.Is(err, cloud.ErrThrottled) {
			kind = LoginThrottled
		}
		s.log.WarnContext(ctx, "ocrepo: userinfo failed after login", "issuer", iss.ID, "user", u.ID, "err", err)
		return done, &LoginError{Kind: kind, Err: err}
	}
	if who.Username == "" {
		return done, &LoginError{Kind: LoginNoUser, Err: errors.New("userinfo mapped to no username: check the issuer's user field mappings")}
	}
	key := store.TokenKey{IssuerID: st.IssuerID, UserID: u.ID}
	if st.System {
		key = store.TokenKey{IssuerID: st.IssuerID, System: true}
		if err := s.checkSystemSwap(ctx, st.IssuerID, who.Username); err != nil {
			return done, err
		}
	}
	now := s.now().UTC()
	_, err = s.store.PutToken(ctx, store.Token{
		Key: key, CloudUser: who.Username, CloudEmail: who.Email, CloudName: who.Name,
		AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, Expiry: s.expiry(t), Created: now, Refreshed: now,
	})
	if err != nil {
		return done, fmt.Errorf("service: store token: %w", err)
	}
	if st.System {
		s.audit(ctx, u, "system.connect", fmt.Sprintf("issuer %d", st.IssuerID), Msg("audit.system_connected", "User", who.Username))
	}
	s.listings.forgetUser(st.IssuerID, u.ID)
	s.retryRevocationsLater(st.IssuerID) // the cloud answers: settle what logouts still owe it
	done.CloudUser, done.CloudName = who.Username, who.Name
	return done, nil
}

// callbackError reads an OAuth error the cloud put on the redirect.
func callbackError(cb Callback) error {
	detail := cb.Error
	if cb.ErrorDescription != "" {
		detail += ": " + cb.ErrorDescription
	}
	err := errors.New("the cloud answered " + detail)
	switch {
	case cb.Error == "access_denied":
		return &LoginError{Kind: LoginDenied, Err: err}
	case strings.Contains(strings.ToLower(cb.ErrorDescription), "redirect"):
		return &LoginError{Kind: LoginRedirectURI, Err: err}
	default:
		return &LoginError{Kind: LoginCloudError, Err: err}
	}
}

// checkSystemSwap refuses to replace a system account by a different one while controlled links made by the
// current one exist: their copies live in its space.
func (s *Service) checkSystemSwap(ctx context.Context, issuerID int64, newUser string) error {
	cur, err := s.store.GetToken(ctx, store.TokenKey{IssuerID: issuerID, System: true})
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("service: read system account: %w", err)
	}
	if cur.CloudUser == "" || cur.CloudUser == newUser {
		return nil
	}
	n, err := s.store.CountControlledLinks(ctx, store.ControlledLinkFilter{IssuerID: issuerID})
	if err != nil {
		return fmt.Errorf("service: count controlled links: %w", err)
	}
	if n > 0 {
		return &LoginError{Kind: LoginSystemInUse, Err: &SystemSwapError{Links: n, Current: cur.CloudUser, New: newUser}}
	}
	return nil
}

// SystemSwapError is a different system account connected while access controlled links live in the space of
// the current one.
type SystemSwapError struct {
	Links        int64
	Current, New string // the cloud accounts
}

func (e *SystemSwapError) Error() string {
	return fmt.Sprintf("%d access controlled links live in the space of %q; connecting %q would cut them off", e.Links, e.Current, e.New)
}

// staticToken is a token source for one call right after a login.
type staticToken string

func (t staticToken) AccessToken(context.Context) (string, error) { return string(t), nil }

// Connection is a user's (or system account's) link to an issuer as pages show it.
type Connection struct {
	Connected bool
	NeedLogin bool // a token exists but can no longer be used
	CloudUser string
	CloudName string
	Since     time.Time
	Refreshed time.Time
	// LastError is the last refresh failure as stored words (StoreMessages, or an older row's plain words); ""
	// when the last refresh worked.
	LastError string
}

// UserConnection reports whether a host user is logged in to an issuer.
func (s *Service) UserConnection(ctx context.Context, issuerID int64, userID string) (Connection, error) {
	return s.connection(ctx, store.TokenKey{IssuerID: issuerID, UserID: userID})
}

// SystemConnection reports an issuer's system account.
func (s *Service) SystemConnection(ctx context.Context, issuerID int64) (Connection, error) {
	return s.connection(ctx, store.TokenKey{IssuerID: issuerID, System: true})
}

func (s *Service) connection(ctx context.Context, key store.TokenKey) (Connection, error) {
	t, err := s.store.GetToken(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return Connection{}, nil
	}
	if err != nil {
		return Connection{}, fmt.Errorf("service: read token: %w", err)
	}
	return connectionOf(t), nil
}

// systemConnections reports the system account of every issuer, by issuer ID, in one read when the store can
// (store.SystemTokens); nil when it cannot (ask SystemConnection then). An issuer missing from the map has none.
func (s *Service) systemConnections(ctx context.Context) (map[int64]Connection, error) {
	st, ok := s.store.(store.SystemTokens)
	if !ok {
		return nil, nil
	}
	toks, err := st.SystemTokens(ctx)
	if err != nil {
		return nil, fmt.Errorf("service: read system tokens: %w", err)
	}
	out := make(map[int64]Connection, len(toks))
	for _, t := range toks {
		out[t.Key.IssuerID] = connectionOf(t)
	}
	return out, nil
}

// systemConnectionIn is the issuer's system account from all (systemConnections), or the store's when all is
// nil.
func (s *Service) systemConnectionIn(ctx context.Context, all map[int64]Connection, issuerID int64) (Connection, error) {
	if all == nil {
		return s.SystemConnection(ctx, issuerID)
	}
	return all[issuerID], nil
}

// connectionOf is what a stored token says of its connection.
func connectionOf(t store.Token) Connection {
	return Connection{
		Connected: t.RefreshToken != "" || t.AccessToken != "", NeedLogin: t.RefreshToken == "" && t.AccessToken == "",
		CloudUser: t.CloudUser, CloudName: t.CloudName, Since: t.Created, Refreshed: t.Refreshed, LastError: t.LastError,
	}
}
