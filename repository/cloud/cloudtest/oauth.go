package cloudtest

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

// Brute-force throttling at the token endpoint (Nextcloud flavours): more than bruteForceLimit failures within
// bruteForceWindow answer 429.
const (
	bruteForceLimit  = 10
	bruteForceWindow = 30 * time.Minute
)

// authCode is an authorization code waiting to be redeemed.
type authCode struct {
	user, clientID    string
	challenge, method string
	redirectURI       string // as the authorize request sent it
	issued            time.Time
	used              bool
}

// accessToken is a live bearer token.
type accessToken struct {
	user    string
	expires time.Time
	refresh string
}

// refreshToken is a live refresh token.
type refreshToken struct {
	user, access string
}

// randomToken returns n random characters from [A-Za-z0-9].
func randomToken(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("cloudtest: crypto/rand: %v", err))
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// IssueToken logs user in without the browser (the quick path for tests) and returns a fresh pair.
func (s *Server) IssueToken(user string) (access, refresh string, expiresIn time.Duration) {
	s.mu.RLock()
	_, ok := s.users[user]
	s.mu.RUnlock()
	if !ok {
		panic(fmt.Sprintf("cloudtest: IssueToken: unknown user %q", user))
	}
	s.authMu.Lock()
	defer s.authMu.Unlock()
	access, refresh = s.issuePairLocked(user)
	return access, refresh, s.opts.TokenLifetime
}

// issuePairLocked creates a token pair. The caller holds authMu.
func (s *Server) issuePairLocked(user string) (string, string) {
	access := randomToken(72)
	refresh := randomToken(128)
	s.access[access] = &accessToken{user: user, expires: s.now().Add(s.opts.TokenLifetime), refresh: refresh}
	s.refresh[refresh] = &refreshToken{user: user, access: access}
	s.issued = append(s.issued, access, refresh)
	return access, refresh
}

// AuthorizeCode runs the authorize step for user without a browser and returns the code that the login page
// would have put on the redirect. codeChallenge (S256) may be empty.
func (s *Server) AuthorizeCode(user, state, codeChallenge string) (code string) {
	s.mu.RLock()
	_, ok := s.users[user]
	s.mu.RUnlock()
	if !ok {
		panic(fmt.Sprintf("cloudtest: AuthorizeCode: unknown user %q", user))
	}
	_ = state // the state travels on the redirect only; the code does not depend on it
	method := ""
	if codeChallenge != "" {
		method = "S256"
	}
	s.authMu.Lock()
	defer s.authMu.Unlock()
	return s.newCodeLocked(user, codeChallenge, method, s.redirectURI)
}

func (s *Server) newCodeLocked(user, challenge, method, redirectURI string) string {
	code := randomToken(128)
	s.codes[code] = &authCode{
		user: user, clientID: s.opts.ClientID, challenge: challenge, method: method,
		redirectURI: redirectURI, issued: s.now(),
	}
	s.issued = append(s.issued, code)
	return code
}

// userForToken returns the user of a live access token.
func (s *Server) userForToken(token string) (string, bool) {
	s.authMu.Lock()
	defer s.authMu.Unlock()
	t := s.access[token]
	if t == nil || !s.now().Before(t.expires) {
		return "", false
	}
	return t.user, true
}

// checkPassword reports whether login (a user id or an e-mail address) and password match; it returns the id.
func (s *Server) checkPassword(login, password string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.users[login]
	if u == nil && login != "" {
		for _, c := range s.users {
			if c.email != "" && strings.EqualFold(c.email, login) {
				u = c
				break
			}
		}
	}
	if u == nil || subtle.ConstantTimeCompare([]byte(u.password), []byte(password)) != 1 {
		return "", false
	}
	return u.id, true
}

// redirectToLogin is what a server without pretty URLs answers for a path that needs index.php.
func (s *Server) redirectToLogin(w http.ResponseWriter, r *http.Request, _ string) {
	http.Redirect(w, r, s.URL+"index.php/login", http.StatusFound)
}

// tokenError is an OAuth error reply.
func (s *Server) tokenError(w http.ResponseWriter, status int, code, description string) {
	body := map[string]string{"error": code}
	if s.flavor.Has(cloud.QuirkTokenErrorDescription) && description != "" {
		body["error_description"] = description
	}
	writeJSON(w, status, body)
}

// writeJSON answers with a JSON body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "cloudtest: encode reply", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache, no-store, must-revalidate")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// throttledLocked reports whether the token endpoint is refusing calls, and for how long.
func (s *Server) throttledLocked() (bool, time.Duration) {
	if s.opts.DisableBruteForce || !s.flavor.Has(cloud.QuirkBruteForce) {
		return false, 0
	}
	now := s.now()
	keep := s.failures[:0]
	for _, t := range s.failures {
		if now.Sub(t) < bruteForceWindow {
			keep = append(keep, t)
		}
	}
	s.failures = keep
	if len(keep) <= bruteForceLimit {
		return false, 0
	}
	return true, bruteForceWindow - now.Sub(keep[len(keep)-bruteForceLimit-1])
}

// serveToken is the token endpoint.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request, _ string) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		s.htmlPage(w, http.StatusMethodNotAllowed, "Method not allowed", "The token endpoint only accepts POST.")
		return
	}
	if err := r.ParseForm(); err != nil {
		s.tokenError(w, http.StatusBadRequest, "invalid_request", "malformed form body")
		return
	}
	s.authMu.Lock()
	defer s.authMu.Unlock()
	if limited, wait := s.throttledLocked(); limited {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		s.htmlPage(w, http.StatusTooManyRequests, "Too many requests",
			"There were too many requests from your network. Retry later or contact your administrator if this is an error.")
		return
	}
	fail := func(status int, code, description string) {
		s.failures = append(s.failures, s.now())
		s.tokenError(w, status, code, description)
	}

	clientID, clientSecret, basic := r.BasicAuth()
	if !basic {
		clientID, clientSecret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if s.flavor.TokenAuth == cloud.TokenAuthBasic {
		if !basic {
			fail(http.StatusBadRequest, "invalid_client", "client authentication by HTTP Basic is required")
			return
		}
	} else if !basic && !r.PostForm.Has("client_id") && !r.PostForm.Has("client_secret") {
		// Nextcloud fails with a PHP type error here.
		s.htmlPage(w, http.StatusInternalServerError, "Internal Server Error",
			"The server was unable to complete your request.")
		return
	}

	grant := r.PostForm.Get("grant_type")
	var user string
	switch grant {
	case "authorization_code":
		code := r.PostForm.Get("code")
		c := s.codes[code]
		if c == nil || c.used {
			fail(http.StatusBadRequest, "invalid_request", "the authorization code is unknown or was used")
			return
		}
		if !s.now().Before(c.issued.Add(s.opts.CodeLifetime)) {
			delete(s.codes, code)
			fail(http.StatusBadRequest, "invalid_request", "the authorization code has expired")
			return
		}
		if !s.clientOK(clientID, clientSecret) {
			fail(http.StatusBadRequest, "invalid_client", "the client credentials are wrong")
			return
		}
		if s.flavor.Has(cloud.QuirkRedirectURIAtToken) {
			ru := r.PostForm.Get("redirect_uri")
			if ru == "" {
				fail(http.StatusBadRequest, "invalid_request", "redirect_uri is required")
				return
			}
			if ru != s.redirectURI {
				fail(http.StatusBadRequest, "invalid_grant", "redirect_uri does not match")
				return
			}
		}
		if c.challenge != "" && !pkceOK(c.challenge, c.method, r.PostForm.Get("code_verifier")) {
			fail(http.StatusBadRequest, "invalid_grant", "the code verifier does not match the challenge")
			return
		}
		c.used = true
		user = c.user
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		if rt != "" {
			s.redemptions[rt]++
		}
		t := s.refresh[rt]
		if t == nil {
			fail(http.StatusBadRequest, "invalid_request", "the refresh token is unknown")
			return
		}
		if !s.clientOK(clientID, clientSecret) {
			fail(http.StatusBadRequest, "invalid_client", "the client credentials are wrong")
			return
		}
		// Rotation: the old pair dies at once.
		delete(s.refresh, rt)
		delete(s.access, t.access)
		user = t.user
	default:
		fail(http.StatusBadRequest, "invalid_grant", "unsupported grant_type")
		return
	}

	access, refresh := s.issuePairLocked(user)
	reply := map[string]any{
		"access_token":  access,
		"token_type":    "Bearer",
		"expires_in":    int64(s.opts.TokenLifetime / time.Second),
		"refresh_token": refresh,
		"user_id":       user,
	}
	if s.flavor.Has(cloud.QuirkTokenMessageURL) {
		reply["message_url"] = s.URL + "index.php/apps/oauth2/authorization-successful"
	}
	writeJSON(w, http.StatusOK, reply)
}

// clientOK checks the client credentials against the registered client.
func (s *Server) clientOK(id, secret string) bool {
	return subtle.ConstantTimeCompare([]byte(id), []byte(s.opts.ClientID)) == 1 &&
		subtle.ConstantTimeCompare([]byte(secret), []byte(s.opts.ClientSecret)) == 1
}

// pkceOK checks a code verifier against the challenge.
func pkceOK(challenge, method, verifier string) bool {
	if verifier == "" {
		return false
	}
	want := verifier
	if !strings.EqualFold(method, "plain") {
		sum := sha256.Sum256([]byte(verifier))
		want = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}

// serveAuthorize is the authorize endpoint. Nextcloud flavours send the browser into the login flow
// (loginflow.go); ownCloud shows a login-and-consent page (GET) and takes its form (POST).
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request, _ string) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodPost:
		if err := r.ParseForm(); err != nil {
			s.htmlPage(w, http.StatusBadRequest, "Bad request", "The form could not be read.")
			return
		}
	default:
		w.Header().Set("Allow", "GET, POST")
		s.htmlPage(w, http.StatusMethodNotAllowed, "Method not allowed", "Use GET or POST.")
		return
	}
	q := r.Form
	if r.Method != http.MethodPost {
		q = r.URL.Query()
	}
	p := authorizeParams{
		ClientID:            q.Get("client_id"),
		State:               q.Get("state"),
		RedirectURI:         q.Get("redirect_uri"),
		ResponseType:        q.Get("response_type"),
		CodeChallenge:       q.Get("code_challenge"),
		CodeChallengeMethod: q.Get("code_challenge_method"),
	}
	if p.ClientID != s.opts.ClientID {
		s.htmlPage(w, http.StatusOK, "Access forbidden",
			"Your client is not authorized to connect. Please inform the administrator of your client.")
		return
	}
	s.authMu.Lock()
	registered := s.redirectURI
	s.authMu.Unlock()
	if registered == "" {
		s.htmlPage(w, http.StatusOK, "Access forbidden", "The client has no redirect URI registered.")
		return
	}
	if s.flavor.Login == cloud.LoginRedirect && p.RedirectURI != "" && p.RedirectURI != registered {
		s.htmlPage(w, http.StatusOK, "Access forbidden", "The redirect URI of the client is invalid.")
		return
	}
	if p.ResponseType != "code" {
		http.Redirect(w, r, appendQuery(registered, "error=unsupported_response_type&state="+url.QueryEscape(p.State)), http.StatusSeeOther)
		return
	}
	if p.CodeChallenge != "" && p.CodeChallengeMethod != "" && p.CodeChallengeMethod != "S256" && p.CodeChallengeMethod != "plain" {
		http.Redirect(w, r, appendQuery(registered, "error=invalid_request&state="+url.QueryEscape(p.State)), http.StatusSeeOther)
		return
	}
	if s.flavor.Login == cloud.LoginFlow {
		if r.Method == http.MethodPost {
			w.Header().Set("Allow", "GET")
			s.htmlPage(w, http.StatusMethodNotAllowed, "Method not allowed", "Use GET.")
			return
		}
		s.startLoginFlow(w, r, p)
		return
	}
	if r.Method != http.MethodPost {
		s.renderAuthorize(w, p, "", "")
		return
	}
	if !s.takeRequestToken(r.PostForm.Get("requesttoken")) {
		s.renderAuthorize(w, p, r.PostForm.Get("user"), "Your session expired. Please try again.")
		return
	}
	uid, ok := s.checkPassword(r.PostForm.Get("user"), r.PostForm.Get("password"))
	if !ok {
		s.renderAuthorize(w, p, r.PostForm.Get("user"), "Wrong login or password.")
		return
	}
	method := p.CodeChallengeMethod
	if p.CodeChallenge != "" && method == "" {
		method = "plain"
	}
	s.authMu.Lock()
	code := s.newCodeLocked(uid, p.CodeChallenge, method, p.RedirectURI)
	s.authMu.Unlock()
	// Nextcloud ignores the request's redirect_uri and uses the registered one; state goes through urlencode.
	target := appendQuery(registered, "state="+url.QueryEscape(p.State)+"&code="+url.QueryEscape(code))
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// appendQuery adds a query to a URI that may already have one.
func appendQuery(uri, query string) string {
	if strings.Contains(uri, "?") {
		return uri + "&" + query
	}
	return uri + "?" + query
}

// newRequestToken issues a single-use form token (the login form's CSRF token).
func (s *Server) newRequestToken() string {
	t := randomToken(32)
	s.authMu.Lock()
	defer s.authMu.Unlock()
	now := s.now()
	for k, issued := range s.requestTokens {
		if now.Sub(issued) > time.Hour {
			delete(s.requestTokens, k)
		}
	}
	s.requestTokens[t] = now
	return t
}

// takeRequestToken consumes a form token.
func (s *Server) takeRequestToken(t string) bool {
	s.authMu.Lock()
	defer s.authMu.Unlock()
	if _, ok := s.requestTokens[t]; !ok || t == "" {
		return false
	}
	delete(s.requestTokens, t)
	return true
}
