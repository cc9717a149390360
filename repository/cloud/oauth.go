package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// Token is a token pair as the server issued it.
type Token struct {
	AccessToken  string
	RefreshToken string
	Expiry       time.Time // zero when the server gave no lifetime
	UserID       string    // user_id from the token reply, if any
}

// oauthConfig is the x/oauth2 view of the client. It is used for single token calls only: no token source of
// x/oauth2 ever refreshes on its own.
func (c *Client) oauthConfig(redirectURI string) *oauth2.Config {
	style := oauth2.AuthStyleInParams
	if c.basicAuth {
		style = oauth2.AuthStyleInHeader
	}
	return &oauth2.Config{
		ClientID:     c.clientID,
		ClientSecret: c.clientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: c.authorize, TokenURL: c.token, AuthStyle: style},
		RedirectURL:  redirectURI,
	}
}

// AuthCodeURL is the authorize URL with state, redirect_uri and a PKCE S256 challenge of verifier (no challenge
// when verifier is empty). Use oauth2.GenerateVerifier for the verifier and keep it server side with the state.
func (c *Client) AuthCodeURL(state, verifier, redirectURI string) string {
	var opts []oauth2.AuthCodeOption
	if verifier != "" {
		opts = append(opts, oauth2.S256ChallengeOption(verifier))
	}
	return c.oauthConfig(redirectURI).AuthCodeURL(state, opts...)
}

// Exchange redeems an authorization code (one token call; redirect_uri always sent; the PKCE verifier when not
// empty). A refused code (400) is ErrLoginAgain.
func (c *Client) Exchange(ctx context.Context, code, verifier, redirectURI string) (Token, error) {
	opts := []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("redirect_uri", redirectURI)}
	if verifier != "" {
		opts = append(opts, oauth2.VerifierOption(verifier))
	}
	cfg := c.oauthConfig("")
	secrets := []string{code, verifier, c.clientSecret}
	return c.tokenCall(ctx, "token (code exchange)", secrets, func(ctx context.Context) (*oauth2.Token, error) {
		return cfg.Exchange(ctx, code, opts...)
	})
}

// Refresh redeems a refresh token (one token call, never retried). A refusal (400 invalid_grant /
// invalid_request / invalid_client...) is ErrLoginAgain, with the OAuth error code kept in the *StatusError for
// operators; a reply that is not JSON (an HTML error page) is ErrInvalidResponse; a 429 is ErrThrottled with
// RetryAfter. The returned pair replaces the old one, which the server has revoked: store it before using it.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (Token, error) {
	const op = "token (refresh)"
	if refreshToken == "" {
		return Token{}, errorf(op, errors.Join(errors.New("no refresh token"), ErrLoginAgain))
	}
	cfg := c.oauthConfig("")
	return c.tokenCall(ctx, op, []string{refreshToken, c.clientSecret}, func(ctx context.Context) (*oauth2.Token, error) {
		return cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
	})
}

// tokenCall runs one x/oauth2 token request through a recording transport, so that failures can say what the
// server answered. secrets are what the request carried (code, verifier, refresh token, client secret): an answer
// that echoes them has them redacted from the error.
func (c *Client) tokenCall(ctx context.Context, op string, secrets []string, fn func(ctx context.Context) (*oauth2.Token, error)) (Token, error) {
	ctx, cancel := c.callContext(ctx)
	defer cancel()
	base := c.hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	rec := &recorder{base: base}
	hc := *c.hc
	hc.Transport = rec
	tok, err := fn(context.WithValue(ctx, oauth2.HTTPClient, &hc))
	if err != nil {
		return Token{}, c.tokenError(ctx, op, rec, err, secrets)
	}
	return Token{
		AccessToken:  tok.AccessToken,
		RefreshToken: tok.RefreshToken,
		Expiry:       tok.Expiry,
		UserID:       strings.TrimSpace(scalarString(tok.Extra("user_id"))),
	}, nil
}

// tokenError maps a failed token call. It never includes the request (codes, tokens, secrets); response bodies
// appear only when they are error pages.
func (c *Client) tokenError(ctx context.Context, op string, rec *recorder, err error, secrets []string) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		resp := re.Response
		body := redactSecrets(bytes.Clone(re.Body), secrets)
		description := string(redactSecrets([]byte(re.ErrorDescription), secrets))
		errorCode := string(redactSecrets([]byte(re.ErrorCode), secrets))
		code := resp.StatusCode
		if code >= 300 && code < 400 {
			reason := "redirected"
			if loc := resp.Header.Get("Location"); loc != "" {
				reason += " to " + redirectTarget(loc, secrets) + " (a missing index.php in the token endpoint?)"
			}
			return &InvalidResponseError{Op: op, StatusCode: code, ContentType: contentType(resp.Header), Reason: reason}
		}
		isJSON := json.Valid(body)
		if errorCode != "" || isJSON || code == http.StatusBadRequest || code == http.StatusUnauthorized ||
			code == http.StatusTooManyRequests {
			msg := description
			if !isJSON && errorCode == "" {
				msg = serverMessage(body)
			}
			return &StatusError{
				Op:         op,
				StatusCode: code,
				OAuthError: cleanMessage(errorCode),
				Message:    cleanMessage(msg),
				RetryAfter: retryAfter(resp.Header, time.Now()),
				tokenCall:  true,
			}
		}
		ie := &InvalidResponseError{Op: op, StatusCode: code, ContentType: contentType(resp.Header),
			Reason: "the token endpoint did not answer with JSON"}
		if code >= 300 {
			ie.Snippet = snippet(body)
		}
		return ie
	}
	status, header, head, readErr, got := rec.result()
	head = redactSecrets(bytes.Clone(head), secrets)
	if !got {
		return newTransportError(ctx, op, http.MethodPost, c.token, err)
	}
	if readErr != nil {
		return newTransportError(ctx, op, http.MethodPost, c.token, readErr)
	}
	ie := &InvalidResponseError{Op: op, StatusCode: status, ContentType: contentType(header),
		Reason: "the token endpoint did not answer with a token"}
	if strings.Contains(strings.ToLower(header.Get("Content-Type")), "html") {
		// An HTML page (a login page, a proxy page) holds no token: show its start.
		ie.Snippet = snippet(head)
		ie.Reason = "the token endpoint answered with an HTML page"
	}
	return ie
}

// recorder is a transport that remembers the status, headers and first bytes of the response it carried.
type recorder struct {
	base http.RoundTripper

	mu      sync.Mutex
	got     bool
	status  int
	header  http.Header
	head    []byte
	readErr error
}

// RoundTrip sends req through the base transport and records the answer.
func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.got, r.status, r.header = true, resp.StatusCode, resp.Header
	r.mu.Unlock()
	resp.Body = &recordedBody{rc: resp.Body, r: r}
	return resp, nil
}

func (r *recorder) result() (int, http.Header, []byte, error, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status, r.header, r.head, r.readErr, r.got
}

// recordedBody keeps the first bytes and any read failure of a recorded response.
type recordedBody struct {
	rc io.ReadCloser
	r  *recorder
}

func (b *recordedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.r.mu.Lock()
	if len(b.r.head) < msHeadLen {
		b.r.head = append(b.r.head, p[:min(n, msHeadLen-len(b.r.head))]...)
	}
	if err != nil && err != io.EOF {
		b.r.readErr = err
	}
	b.r.mu.Unlock()
	return n, err
}

func (b *recordedBody) Close() error { return b.rc.Close() }
