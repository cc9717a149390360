package cloudtest

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The Nextcloud login, as Nextcloud 34 walks a browser through it (apps/oauth2 LoginRedirectorController and
// core ClientFlowLoginController):
//
//  1. GET index.php/apps/oauth2/authorize?... keeps state and the PKCE challenge in the browser's session and
//     answers 303 to index.php/login/flow?clientIdentifier=<client id>&providedRedirectUri=
//  2. GET index.php/login/flow (public) shows "Connect to your account" with a link to the grant page, carrying a
//     fresh stateToken that the session remembers.
//  3. GET index.php/login/flow/grant needs a login: without one it answers 303 to
//     index.php/login?redirect_url=<the grant page>; the login form posts to index.php/login and sends the
//     browser back there.
//  4. The grant page's "Grant access" form posts to index.php/login/flow, which answers 303 to the registered
//     redirect URI with state and code.
//
// The ownCloud 10 flavour keeps its single login-and-consent page at the authorize URL.

// sessionCookie is the name of the fake's browser session cookie.
const sessionCookie = "nc_session_id"

// sessionLifetime is how long an idle browser session lasts.
const sessionLifetime = time.Hour

// flowSession is one browser's session at the server.
type flowSession struct {
	user       string // logged in as; "" before the login form
	oauthState string
	challenge  string
	method     string
	stateToken string
	touched    time.Time
}

// session returns the browser's session, creating one (and setting its cookie) when create is set.
func (s *Server) session(w http.ResponseWriter, r *http.Request, create bool) *flowSession {
	s.authMu.Lock()
	defer s.authMu.Unlock()
	now := s.now()
	for id, fs := range s.sessions {
		if now.Sub(fs.touched) > sessionLifetime {
			delete(s.sessions, id)
		}
	}
	if ck, err := r.Cookie(sessionCookie); err == nil {
		if fs := s.sessions[ck.Value]; fs != nil {
			fs.touched = now
			return fs
		}
	}
	if !create {
		return nil
	}
	id := randomToken(32)
	fs := &flowSession{touched: now}
	s.sessions[id] = fs
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: s.base, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return fs
}

// startLoginFlow is the Nextcloud authorize step for a known client and a valid request: remember the OAuth
// parameters in the session and send the browser to the login flow page.
func (s *Server) startLoginFlow(w http.ResponseWriter, r *http.Request, p authorizeParams) {
	fs := s.session(w, r, true)
	method := p.CodeChallengeMethod
	if p.CodeChallenge != "" && method == "" {
		method = "plain"
	}
	s.authMu.Lock()
	fs.oauthState, fs.challenge, fs.method = p.State, p.CodeChallenge, method
	s.authMu.Unlock()
	target := s.URL + "index.php/login/flow?clientIdentifier=" + url.QueryEscape(p.ClientID) + "&providedRedirectUri="
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// serveLoginFlow is index.php/login/flow: the public "Connect to your account" page (GET) and the grant form's
// target (POST).
func (s *Server) serveLoginFlow(w http.ResponseWriter, r *http.Request, _ string) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s.showLoginFlow(w, r)
	case http.MethodPost:
		s.generateAppPassword(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		s.htmlPage(w, http.StatusMethodNotAllowed, "Method not allowed", "Use GET or POST.")
	}
}

// showLoginFlow renders the login flow's first page with a new state token.
func (s *Server) showLoginFlow(w http.ResponseWriter, r *http.Request) {
	client := r.URL.Query().Get("clientIdentifier")
	if client != s.opts.ClientID {
		s.htmlPage(w, http.StatusOK, "Access forbidden", "Invalid request")
		return
	}
	fs := s.session(w, r, true)
	token := randomToken(64)
	s.authMu.Lock()
	fs.stateToken = token
	oauthState := fs.oauthState
	s.authMu.Unlock()
	grant := s.base + "index.php/login/flow/grant?" + url.Values{
		"stateToken": {token}, "clientIdentifier": {client}, "oauthState": {oauthState},
		"user": {""}, "direct": {"0"}, "providedRedirectUri": {""},
	}.Encode()
	s.render(w, http.StatusOK, "loginflow", struct{ Title, Product, Client, Link string }{
		"Connect to your account", s.productName(), client, grant})
}

// serveGrantPage is index.php/login/flow/grant: the consent page for a logged-in browser.
func (s *Server) serveGrantPage(w http.ResponseWriter, r *http.Request, _ string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET")
		s.htmlPage(w, http.StatusMethodNotAllowed, "Method not allowed", "Use GET.")
		return
	}
	fs := s.session(w, r, false)
	s.authMu.Lock()
	user, want := "", ""
	if fs != nil {
		user, want = fs.user, fs.stateToken
	}
	s.authMu.Unlock()
	if user == "" {
		http.Redirect(w, r, s.URL+"index.php/login?redirect_url="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	q := r.URL.Query()
	if want == "" || q.Get("stateToken") != want {
		s.htmlPage(w, http.StatusForbidden, "Access forbidden", "State token does not match")
		return
	}
	s.render(w, http.StatusOK, "grant", struct {
		Title, Product, Client, User, Action, RequestToken, StateToken string
	}{
		Title: "Account access", Product: s.productName(), Client: q.Get("clientIdentifier"), User: user,
		Action: s.URL + "index.php/login/flow", RequestToken: s.newRequestToken(), StateToken: want,
	})
}

// generateAppPassword is the grant form's POST: a code for the logged-in user, and the redirect with it.
func (s *Server) generateAppPassword(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.htmlPage(w, http.StatusBadRequest, "Bad request", "The form could not be read.")
		return
	}
	fs := s.session(w, r, false)
	if fs == nil || !s.takeRequestToken(r.PostForm.Get("requesttoken")) {
		s.htmlPage(w, http.StatusPreconditionFailed, "Precondition failed", "CSRF check failed")
		return
	}
	s.authMu.Lock()
	defer s.authMu.Unlock()
	want := fs.stateToken
	fs.stateToken = ""
	if want == "" || r.PostForm.Get("stateToken") != want || fs.user == "" {
		s.htmlPage(w, http.StatusForbidden, "Access forbidden", "State token does not match")
		return
	}
	if r.PostForm.Get("clientIdentifier") != s.opts.ClientID || s.redirectURI == "" {
		s.htmlPage(w, http.StatusForbidden, "Access forbidden", "Invalid request")
		return
	}
	code := s.newCodeLocked(fs.user, fs.challenge, fs.method, s.redirectURI)
	state := fs.oauthState
	fs.challenge, fs.method, fs.oauthState = "", "", ""
	// The registered URI, never the request's; state goes through PHP's urlencode.
	target := appendQuery(s.redirectURI, "state="+url.QueryEscape(state)+"&code="+url.QueryEscape(code))
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// serveLogin is the login page: the form (GET), and its POST, which logs the browser's session in and sends it
// to redirect_url (a path on this server).
func (s *Server) serveLogin(w http.ResponseWriter, r *http.Request, rel string) {
	redirect := r.URL.Query().Get("redirect_url")
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s.renderLogin(w, redirect, "", "")
		return
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, POST")
		s.htmlPage(w, http.StatusMethodNotAllowed, "Method not allowed", "Use GET or POST.")
		return
	}
	if err := r.ParseForm(); err != nil {
		s.htmlPage(w, http.StatusBadRequest, "Bad request", "The form could not be read.")
		return
	}
	redirect = r.PostForm.Get("redirect_url")
	login := r.PostForm.Get("user")
	if !s.takeRequestToken(r.PostForm.Get("requesttoken")) {
		s.renderLogin(w, redirect, login, "Your session expired. Please try again.")
		return
	}
	uid, ok := s.checkPassword(login, r.PostForm.Get("password"))
	if !ok {
		s.renderLogin(w, redirect, login, "Wrong login or password.")
		return
	}
	fs := s.session(w, r, true)
	s.authMu.Lock()
	fs.user = uid
	s.authMu.Unlock()
	target := s.URL
	if strings.HasPrefix(redirect, s.base) && !strings.HasPrefix(redirect, "//") && !strings.Contains(redirect, "\\") {
		target = strings.TrimSuffix(s.URL, s.base) + redirect
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// renderLogin renders the login form.
func (s *Server) renderLogin(w http.ResponseWriter, redirect, login, errMsg string) {
	s.render(w, http.StatusOK, "login", struct {
		Title, Product, Action, RequestToken, Redirect, User, Error string
	}{
		Title: "Login", Product: s.productName(), Action: s.URL + "index.php/login", RequestToken: s.newRequestToken(),
		Redirect: redirect, User: login, Error: errMsg,
	})
}
