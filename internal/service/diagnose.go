package service

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
)

// CheckState is how one probe of a connection check ended.
type CheckState string

// The states of a check.
const (
	CheckPassed  CheckState = "passed"
	CheckWarning CheckState = "warning" // works, with something the admin should look at
	CheckFailed  CheckState = "failed"
	CheckSkipped CheckState = "skipped"
)

// The check IDs, in the order a diagnosis lists them. Endpoint checks carry the endpoint's name.
const (
	CheckStatus = "status"
)

// Check is one probe of a connection check: what was tried, what came back, and in plain words the likely cause
// and the fix. Nothing in it is a secret.
type Check struct {
	ID      string // CheckStatus or an endpoint name
	Title   string
	URL     string // what was probed, without query
	State   CheckState
	Code    string // the diagnosis, stable for tests: "ok", "missing_index_php", "auth_stripped", "client_auth", ...
	Summary string // what happened
	Cause   string // the likely cause, when it did not pass
	Fix     string // what to do about it
	Took    time.Duration
}

// Diagnosis is the result of a connection check.
type Diagnosis struct {
	IssuerID   int64
	IssuerName string
	Product    string // from status.php, "" when it did not answer
	Version    string
	SystemUser string // the system account the signed-in probes ran as; "" when none was usable
	// SystemAccount is the connected system account (its cloud username), usable now or not; "" when none is
	// connected.
	SystemAccount string
	// SecretProven is true when the check's token request refreshed the system account's token: only that proves
	// the client id and secret (a made-up refresh token is refused before the secret is looked at).
	SecretProven bool
	Checks       []Check
	At           time.Time
}

// Count returns how many checks ended in state.
func (d Diagnosis) Count(state CheckState) int {
	n := 0
	for _, c := range d.Checks {
		if c.State == state {
			n++
		}
	}
	return n
}

// Passed reports whether no check failed.
func (d Diagnosis) Passed() bool { return d.Count(CheckFailed) == 0 }

// slowAnswer is how long an answer may take before the check points at brute-force delays.
const slowAnswer = 5 * time.Second

// CheckIssuer runs the connection check of an issuer: status.php (product and version are stored on the issuer),
// the authorization endpoint, ONE token request, and the userinfo, WebDAV and OCS endpoints — signed in as the
// system account when one is connected, else without a login (expecting a 401). Every request has the service's
// timeout; the check never retries and never follows redirects (it reports them).
//
// With a system account connected, the token request refreshes its token, which proves the endpoint and the
// client id and secret together. Without one, it presents a made-up refresh token: the answer shows whether the
// endpoint is an OAuth token endpoint (ownCloud 10 also checks the client first); Nextcloud counts it as one
// failed attempt for its brute-force protection.
func (s *Service) CheckIssuer(ctx context.Context, actor host.User, issuerID int64) (Diagnosis, error) {
	iss, err := s.GetIssuer(ctx, issuerID)
	if err != nil {
		return Diagnosis{}, err
	}
	d := Diagnosis{IssuerID: iss.ID, IssuerName: iss.Name, At: s.now().UTC()}
	hc := s.httpClientFor(iss)
	r := &checkRun{s: s, iss: iss, hc: noRedirects(hc), pr: cloud.NewProber(hc, s.cfg.Timeout)}
	sysBefore, _ := s.store.GetToken(ctx, store.TokenKey{IssuerID: iss.ID, System: true})

	// Phase one: the server itself, the authorization endpoint and the token endpoint, in parallel.
	var status Check
	var authz, token Check
	var wg sync.WaitGroup
	wg.Go(func() { status = r.checkStatus(ctx) })
	wg.Go(func() { authz = r.checkAuthorize(ctx) })
	wg.Go(func() { token = r.checkToken(ctx) })
	wg.Wait()
	d.Product, d.Version = r.product, r.version
	d.SecretProven = r.refreshed && token.State != CheckFailed

	// Phase two: the endpoints that need a login, signed in when the system account's token is usable now.
	eps := []string{cloud.EndpointUserinfo, cloud.EndpointWebDAV, cloud.EndpointOCS}
	signed := make([]Check, len(eps))
	tok, conn := r.systemConn(ctx)
	if conn != nil {
		d.SystemUser = tok.CloudUser
	}
	if sys, err := s.store.GetToken(ctx, store.TokenKey{IssuerID: iss.ID, System: true}); err == nil && (sys.RefreshToken != "" || sys.AccessToken != "") {
		d.SystemAccount = sys.CloudUser
	}
	for i, name := range eps {
		wg.Go(func() {
			if conn != nil {
				signed[i] = r.checkSignedIn(ctx, name, conn)
			} else {
				signed[i] = r.checkAnonymous(ctx, name)
			}
		})
	}
	wg.Wait()
	d.Checks = append([]Check{status, authz, token}, signed...)
	r.noteStripped(d.Checks)
	r.redactDiagnosis(ctx, &d, sysBefore)

	if d.Product != "" {
		s.saveProduct(ctx, iss.ID, d.Product, d.Version)
	}
	summary := fmt.Sprintf("connection check: %d passed, %d warnings, %d failed", d.Count(CheckPassed), d.Count(CheckWarning), d.Count(CheckFailed))
	var failed []string
	for _, c := range d.Checks {
		if c.State == CheckFailed {
			failed = append(failed, c.ID+": "+c.Code)
		}
	}
	if len(failed) > 0 {
		summary += " (" + strings.Join(failed, ", ") + ")"
	}
	summary += checkSecretNote(d.SecretProven)
	s.audit(ctx, actor, "issuer.check", issuerTarget(iss.ID), summary)
	s.metrics.checks.WithLabelValues(issuerLabel(iss.ID), checkResult(d)).Inc()
	return d, nil
}

// saveProduct stores what status.php said on the issuer (those two fields only, so an edit made meanwhile is
// kept).
func (s *Service) saveProduct(ctx context.Context, id int64, product, version string) {
	if err := s.store.SetIssuerProduct(ctx, id, product, version); err != nil {
		s.log.WarnContext(ctx, "ocrepo: store detected product", "issuer", id, "err", err)
	}
}

// noRedirects copies hc so that redirects come back as answers: the check reports them instead of following.
func noRedirects(hc *http.Client) *http.Client {
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// checkRun is one connection check in progress.
type checkRun struct {
	s   *Service
	iss store.Issuer
	hc  *http.Client  // for the signed-in calls through the cloud client: redirects come back as answers
	pr  *cloud.Prober // for the probes of what may be misconfigured

	mu        sync.Mutex
	product   string
	version   string
	refreshed bool // this run refreshed the system token: its access token is known to be valid
}

// newCheck starts a check of an endpoint.
func newCheck(id, title, rawURL string) Check {
	return Check{ID: id, Title: title, URL: redact(rawURL)}
}

func (c *Check) pass(summary string) {
	c.State, c.Code, c.Summary = CheckPassed, "ok", summary
}

func (c *Check) fail(code, summary string) {
	c.State, c.Code, c.Summary = CheckFailed, code, summary
	c.Cause, c.Fix = advice(code)
}

func (c *Check) warn(code, summary string) {
	c.State, c.Code, c.Summary = CheckWarning, code, summary
	c.Cause, c.Fix = advice(code)
}

// slow turns a passed check into a warning when the answer took long: brute-force protection delays answers
// before it refuses them.
func (c *Check) slow(took time.Duration) {
	c.Took = took
	if c.State == CheckPassed && took >= slowAnswer {
		c.warn("slow", c.Summary+fmt.Sprintf(" The answer took %s.", took.Round(100*time.Millisecond)))
	}
}

// redact is a URL without query and fragment, as the admin typed it ({userid} stays readable), for showing.
// Endpoint URLs carry no credentials: validation refuses them.
func redact(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		return raw[:i]
	}
	return raw
}

// transportFailure explains a request that got no answer.
func (c *Check) transportFailure(err error, timeout time.Duration) {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its text repeats the URL with the query
	}
	var dnsErr *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var verifyErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	switch {
	case errors.Is(err, ErrBlockedAddress):
		c.fail("blocked", "The connection was refused by ocrepo's network guard: "+trimGuard(err)+".")
	case errors.As(err, &verifyErr), errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalidCert):
		c.fail("tls", "The server's TLS certificate is not trusted: "+err.Error()+".")
	case errors.As(err, &recordErr):
		c.fail("tls", "The server did not answer with TLS on this port (is the URL https where the server speaks http?).")
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, cloud.ErrTimeout) || isNetTimeout(err):
		c.fail("timeout", fmt.Sprintf("No answer within %s.", timeout))
	case errors.As(err, &dnsErr):
		c.fail("dns", fmt.Sprintf("The host name %s does not resolve.", dnsErr.Name))
	case errors.Is(err, syscall.ECONNREFUSED):
		c.fail("unreachable", "Nothing accepts connections at this address and port.")
	case errors.Is(err, context.Canceled):
		c.fail("cancelled", "The check was cancelled before the server answered.")
	default:
		c.fail("unreachable", "The request failed: "+err.Error()+".")
	}
}

// trimGuard is the guard's words without the package prefix.
func trimGuard(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ErrBlockedAddress.Error()+": "); i >= 0 {
		return msg[i+len(ErrBlockedAddress.Error())+2:]
	}
	return msg
}

func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// redirected explains a 3xx answer. loginOK accepts the redirects of an authorization endpoint for a browser
// without a session: Nextcloud's login flow page (with the client's identifier), or a login page that will come
// back (redirect_url). A redirect to a login page that will not come back means the request never reached the
// OAuth app (a missing index.php or a wrong base path).
func (r *checkRun) redirected(c *Check, o cloud.Observation, loginOK bool) {
	from, _ := url.Parse(o.URL)
	to := o.Location
	if to == nil || from == nil {
		c.fail("unexpected", fmt.Sprintf("The server answered HTTP %d (a redirect) without a usable target.", o.Status))
		return
	}
	shown := redact(to.String())
	switch {
	case !strings.EqualFold(to.Hostname(), from.Hostname()):
		if loginOK {
			c.warn("redirect_host", fmt.Sprintf("The authorization page sends browsers to another host (%s). That is fine when it is your single sign-on login page.", to.Hostname()))
			return
		}
		c.fail("redirect_host", fmt.Sprintf("The server redirects to another host: %s.", shown))
	case from.Scheme == "http" && to.Scheme == "https":
		c.fail("redirect_https", fmt.Sprintf("The server redirects from http to https (%s).", shown))
	case loginOK && isLoginFlowPath(to.Path) && to.Query().Has("clientIdentifier"):
		// The login flow shape of the flavour table (Nextcloud 12 up to 34 at least): the authorize page keeps
		// the request in the browser's session and sends it to the login flow, which logs in and asks to grant
		// access.
		c.pass(fmt.Sprintf("Reachable: the cloud sends the browser to its login flow for this client (HTTP %d to %s), as expected.", o.Status, redact(to.Path)))
	case isLoginPath(to.Path):
		if loginOK && to.Query().Get("redirect_url") != "" {
			// The login redirect shape (ownCloud 10): the login page comes back to the authorize page.
			c.pass(fmt.Sprintf("Reachable: the server asks the browser to log in first (HTTP %d to its login page), as expected.", o.Status))
			return
		}
		c.fail("missing_index_php", fmt.Sprintf("The server answered HTTP %d to its login page (%s) instead of handling the request.", o.Status, shown))
	default:
		c.fail("redirect", fmt.Sprintf("The server redirects (HTTP %d) to %s.", o.Status, shown))
	}
}

// isLoginFlowPath reports whether p is Nextcloud's login flow page (index.php/login/flow, or login/flow with
// pretty URLs).
func isLoginFlowPath(p string) bool {
	return strings.HasSuffix(strings.TrimSuffix(strings.ToLower(p), "/"), "/login/flow")
}

func isLoginPath(p string) bool {
	p = strings.TrimSuffix(strings.ToLower(p), "/")
	return strings.HasSuffix(p, "/login") || strings.HasSuffix(p, "/index.php/login")
}

// answerFailure explains an answer that is not what the check expected, by its status and type. It returns false
// when the status says nothing special (the caller explains it).
func (r *checkRun) answerFailure(c *Check, o cloud.Observation, loginOK bool) bool {
	switch {
	case o.Redirect():
		r.redirected(c, o, loginOK)
	case o.Status == http.StatusTooManyRequests:
		msg := "The server answered HTTP 429 Too Many Requests."
		if o.RetryAfter != "" {
			msg += " It asks to wait " + o.RetryAfter + " seconds."
		}
		c.fail("throttled", msg)
	case o.Status == http.StatusNotFound:
		c.fail("wrong_path", "The server answered HTTP 404 Not Found for this URL.")
	case o.Status == http.StatusServiceUnavailable && bytes.Contains(bytes.ToLower(o.Body), []byte("maintenance")):
		c.fail("maintenance", "The server answered 503: it is in maintenance mode.")
	case o.Status >= 500:
		c.fail("server_error", fmt.Sprintf("The server answered HTTP %d (an internal error).", o.Status))
	default:
		return false
	}
	return true
}

// observed reports whether an answer came; without one, it explains why in c.
func (r *checkRun) observed(c *Check, o cloud.Observation) bool {
	if o.Err == nil {
		return true
	}
	if errors.Is(o.Err, cloud.ErrProbeURL) {
		c.fail("unexpected", "The URL does not make a valid request.")
		return false
	}
	c.transportFailure(o.Err, r.s.cfg.Timeout)
	c.Took = o.Took
	return false
}

// checkStatus reads status.php and remembers the product and version.
func (r *checkRun) checkStatus(ctx context.Context) (c Check) {
	o := r.pr.ProbeStatus(ctx, r.iss.BaseURL)
	c = newCheck(CheckStatus, "Server status (status.php)", o.URL)
	if !r.observed(&c, o.Observation) {
		return c
	}
	defer c.slow(o.Took)
	if r.answerFailure(&c, o.Observation, false) {
		if c.Code == "wrong_path" {
			c.fail("wrong_base_path", "status.php was not found under the base URL (HTTP 404).")
		}
		return c
	}
	if !o.Parsed {
		kind := "something else"
		if o.HTML() {
			kind = "an HTML page"
		}
		c.fail("wrong_base_path", fmt.Sprintf("status.php answered HTTP %d with %s, not the server's JSON status.", o.Status, kind))
		return c
	}
	r.mu.Lock()
	r.product, r.version = o.Product, o.Version
	r.mu.Unlock()
	switch {
	case !o.Installed:
		c.fail("not_installed", "The server says it is not installed yet.")
	case o.Maintenance:
		c.fail("maintenance", "The server is in maintenance mode.")
	default:
		c.pass(fmt.Sprintf("%s %s answers.", orWord(o.Product, "The server"), o.Version))
		if mismatch(r.iss.Preset, o.Product, o.Version) {
			c.warn("product_mismatch", fmt.Sprintf("%s %s answers, but the endpoints follow the %s preset.", o.Product, o.Version, PresetLabel(r.iss.Preset)))
		}
	}
	return c
}

// mismatch reports whether the flavour status.php identifies lays out its endpoints differently from the issuer's
// preset (both read from the cloud's flavour table). An unknown product or a custom preset is no mismatch.
func mismatch(preset, product, version string) bool {
	want, ok := cloud.FlavorByID(cloud.FlavorID(preset))
	if !ok {
		return false
	}
	got, ok := cloud.IdentifyFlavor(product, version)
	return ok && !got.SameLayout(want)
}

// basicOnlyAdvice names, from the flavour table, the servers whose token endpoint takes the client only by HTTP
// Basic, for an issuer that sends it in the form body.
func basicOnlyAdvice() string {
	var labels []string
	for _, f := range cloud.Flavors() {
		if f.Preset && f.TokenAuth == cloud.TokenAuthBasic {
			labels = append(labels, f.Label)
		}
	}
	if len(labels) == 0 {
		return ""
	}
	return " " + strings.Join(labels, " and ") + " accepts the client only through HTTP headers: turn on \"Authenticate token requests via HTTP headers\"."
}

func orWord(s, alt string) string {
	if strings.TrimSpace(s) == "" {
		return alt
	}
	return s
}

// endpointTitle names an endpoint check.
func endpointTitle(name string) string {
	switch name {
	case cloud.EndpointAuthorization:
		return "Authorization endpoint (the login page)"
	case cloud.EndpointToken:
		return "Token endpoint"
	case cloud.EndpointUserinfo:
		return "Userinfo endpoint (who is logged in)"
	case cloud.EndpointWebDAV:
		return "WebDAV endpoint (files)"
	case cloud.EndpointOCS:
		return "OCS share endpoint (links and shares)"
	}
	return name
}

// missingEndpoint is the check of an endpoint the issuer lacks.
func missingEndpoint(name string) Check {
	c := newCheck(name, endpointTitle(name), "")
	c.fail("missing", "Not configured.")
	return c
}

// checkAuthorize loads the authorization page the way a browser would, without a session.
func (r *checkRun) checkAuthorize(ctx context.Context) (c Check) {
	raw := r.iss.EndpointURL(cloud.EndpointAuthorization)
	if raw == "" {
		return missingEndpoint(cloud.EndpointAuthorization)
	}
	c = newCheck(cloud.EndpointAuthorization, endpointTitle(cloud.EndpointAuthorization), raw)
	o := r.pr.ProbeAuthorize(ctx, raw, r.iss.ClientID, r.s.cfg.CallbackURL)
	if !r.observed(&c, o) {
		return c
	}
	defer c.slow(o.Took)
	if r.answerFailure(&c, o, true) {
		return c
	}
	lower := strings.ToLower(string(o.Body))
	switch {
	case o.Status != http.StatusOK:
		c.fail("unexpected", fmt.Sprintf("The login page answered HTTP %d.", o.Status))
	case strings.Contains(lower, "redirect uri"): // the words of an error message, not the redirect_uri form field
		c.fail("redirect_uri", "The cloud refuses this site's redirect URI.")
	case strings.Contains(lower, "not authorized to connect") || strings.Contains(lower, "access forbidden"):
		c.fail("client_unknown", "The login page says this client is not authorized to connect.")
	case !o.HTML():
		c.warn("unexpected", fmt.Sprintf("The login page answered with %s instead of a web page.", orWord(o.MediaType, "an unknown type")))
	default:
		c.pass("Reachable: the cloud shows its login page for this client.")
	}
	return c
}

// checkToken makes the one token request of the check.
func (r *checkRun) checkToken(ctx context.Context) Check {
	raw := r.iss.EndpointURL(cloud.EndpointToken)
	if raw == "" {
		return missingEndpoint(cloud.EndpointToken)
	}
	c := newCheck(cloud.EndpointToken, endpointTitle(cloud.EndpointToken), raw)
	tok, err := r.s.store.GetToken(ctx, store.TokenKey{IssuerID: r.iss.ID, System: true})
	if err == nil && tok.RefreshToken != "" && len(MissingEndpoints(r.iss)) == 0 {
		return r.refreshSystem(ctx, c, tok)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		c.fail("unexpected", "The system account's login could not be read.")
		return c
	}
	return r.probeToken(ctx, c, raw)
}

// probeToken presents a made-up refresh token with the client credentials.
func (r *checkRun) probeToken(ctx context.Context, start Check, raw string) (c Check) {
	c = start
	o := r.pr.ProbeToken(ctx, raw, r.iss.ClientID, r.iss.ClientSecret, r.iss.BasicAuth)
	if !r.observed(&c, o.Observation) {
		return c
	}
	defer c.slow(o.Took)
	if r.answerFailure(&c, o.Observation, false) {
		return c
	}
	if !o.OAuth {
		kind := orWord(o.MediaType, "an unknown type")
		if o.HTML() {
			kind = "an HTML page"
		}
		c.fail("missing_index_php", fmt.Sprintf("The token endpoint answered HTTP %d with %s instead of OAuth JSON.", o.Status, kind))
		return c
	}
	switch o.Error {
	case "invalid_client", "unauthorized_client":
		c.fail("client_auth", "The cloud refused the client id or secret ("+o.Error+").")
		if !r.iss.BasicAuth {
			c.Fix += basicOnlyAdvice()
		}
	case "invalid_grant", "invalid_request":
		c.pass("Reachable: it answers as an OAuth 2.0 token endpoint (" + o.Error + " for a made-up refresh token, as expected). " +
			"Nextcloud checks the client id and secret only together with a valid login: connect the system account to verify them.")
	case "":
		c.fail("unexpected", fmt.Sprintf("The token endpoint answered HTTP %d without an OAuth error for a made-up refresh token.", o.Status))
	default:
		c.fail("unexpected", "The token endpoint answered with the OAuth error "+o.Error+".")
	}
	return c
}

// refreshSystem refreshes the system account's token now, through the service's shared refresh (one token call,
// serialised with every other user of the token), which proves the endpoint and the client credentials.
func (r *checkRun) refreshSystem(ctx context.Context, c Check, tok store.Token) Check {
	s := r.s
	client, err := s.clientWith(r.iss, r.hc)
	if err != nil {
		c.fail("unexpected", "The issuer's settings do not make a client: "+err.Error()+".")
		return c
	}
	key := tok.Key
	key.IssuerID, key.System = r.iss.ID, true
	// Mark the access token as used up, so that the ordinary refresh path (one token call, serialised with every
	// other user of the token) redeems the refresh token. A write in between is retried on the fresh row.
	for range 3 {
		if !s.fresh(tok) {
			break
		}
		due := tok
		due.Expiry = s.now().Add(-time.Second)
		_, err := s.store.SwapToken(ctx, due, tok.Version)
		if err == nil {
			break
		}
		if !errors.Is(err, store.ErrConflict) {
			c.fail("unexpected", "The system account's login could not be updated.")
			return c
		}
		if tok, err = s.store.GetToken(ctx, key); err != nil {
			c.fail("unexpected", "The system account's login could not be read.")
			return c
		}
	}
	ts := &tokenSource{s: s, key: key, client: client}
	start := time.Now()
	rctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout+2*leaseMargin)
	_, err = ts.AccessToken(rctx)
	cancel()
	took := time.Since(start)
	if err == nil {
		r.mu.Lock()
		r.refreshed = true
		r.mu.Unlock()
		c.pass("Refreshed the system account's token: the endpoint, the client id and the client secret work.")
		c.slow(took)
		return c
	}
	c.Took = took
	var se *cloud.StatusError
	var ie *cloud.InvalidResponseError
	switch {
	case errors.As(err, &se) && (se.OAuthError == "invalid_client" || se.OAuthError == "unauthorized_client"):
		c.fail("client_auth", "The cloud refused the client id or secret ("+se.OAuthError+") when refreshing the system account's token.")
		c.Fix += " The stored logins (the system account's and the users') are kept: the cloud did not use up their refresh tokens, so they work again as soon as the corrected secret is saved."
		if !r.iss.BasicAuth {
			c.Fix += basicOnlyAdvice()
		}
	case errors.As(err, &se) && se.StatusCode >= 300 && se.StatusCode < 400,
		errors.As(err, &ie) && (ie.StatusCode >= 300 && ie.StatusCode < 400 || strings.Contains(ie.ContentType, "html")):
		c.fail("missing_index_php", "The token endpoint answered with a redirect or a web page instead of OAuth JSON.")
	case errors.Is(err, cloud.ErrThrottled):
		c.fail("throttled", "The token endpoint answered HTTP 429 Too Many Requests.")
	case errors.Is(err, cloud.ErrLoginAgain):
		c.fail("system_relogin", "The cloud refused the system account's stored login.")
	case errors.Is(err, ErrClientRefused):
		// Refreshes pause after an invalid_client answer; the check did not ask the cloud again.
		c.fail("client_auth", "The cloud refused the client id or secret (invalid_client) a short while ago; token requests pause "+
			"so that the cloud's brute-force protection is not fed. Saving the cloud server's settings ends the pause.")
		c.Fix += " The stored logins are kept and work again as soon as the corrected secret is saved."
	case errors.Is(err, ErrNotConnected):
		c.State, c.Code, c.Summary = CheckSkipped, "disconnected", "The system account was disconnected while the check ran; run it again."
	default:
		r.explainCallError(&c, err)
	}
	return c
}

// systemConn returns a connection as the system account when its access token is usable now (this run may just
// have refreshed it); nil otherwise. It never refreshes: the check makes one token request only.
func (r *checkRun) systemConn(ctx context.Context) (store.Token, *cloud.Conn) {
	if len(MissingEndpoints(r.iss)) > 0 {
		return store.Token{}, nil
	}
	tok, err := r.s.store.GetToken(ctx, store.TokenKey{IssuerID: r.iss.ID, System: true})
	if err != nil || !r.s.fresh(tok) {
		return store.Token{}, nil
	}
	client, err := r.s.clientWith(r.iss, r.hc)
	if err != nil {
		return store.Token{}, nil
	}
	return tok, client.As(tok.CloudUser, staticToken(tok.AccessToken))
}

// checkSignedIn calls an endpoint as the system account through the cloud client, as the picker will.
func (r *checkRun) checkSignedIn(ctx context.Context, name string, conn *cloud.Conn) Check {
	c := newCheck(name, endpointTitle(name), r.iss.EndpointURL(name))
	ctx, cancel := context.WithTimeout(ctx, r.s.cfg.Timeout)
	defer cancel()
	start := time.Now()
	var err error
	switch name {
	case cloud.EndpointUserinfo:
		var who cloud.UserInfo
		who, err = conn.UserInfo(ctx)
		if err == nil {
			if who.Username == "" {
				c.fail("mapping", "The userinfo reply maps to no username.")
			} else {
				c.pass(fmt.Sprintf("Signed in as %s: username %q, email %q, name %q (through the user field mappings).",
					orWord(who.Name, who.Username), who.Username, who.Email, who.Name))
			}
		}
	case cloud.EndpointWebDAV:
		var e cloud.Entry
		e, err = conn.Stat(ctx, "/")
		if err == nil {
			if e.Dir {
				c.pass("Read the system account's root folder over WebDAV.")
			} else {
				c.fail("wrong_path", "The WebDAV endpoint's root is not a folder.")
			}
		}
	case cloud.EndpointOCS:
		_, err = conn.SharesOf(ctx, "/")
		var se *cloud.StatusError
		if err == nil || (errors.As(err, &se) && se.OCSCode != 0 && !errors.Is(err, cloud.ErrUnauthorized)) {
			err = nil
			c.pass("The share API answered the system account.")
		}
	}
	took := time.Since(start)
	if err == nil {
		c.slow(took)
		return c
	}
	c.Took = took
	r.explainCallError(&c, err)
	return c
}

// explainCallError explains a failed call of the cloud client.
func (r *checkRun) explainCallError(c *Check, err error) {
	var se *cloud.StatusError
	var ie *cloud.InvalidResponseError
	switch {
	case errors.Is(err, cloud.ErrUnauthorized):
		r.mu.Lock()
		fresh := r.refreshed
		r.mu.Unlock()
		bearer := errors.As(err, &se) && se.BearerRejected
		switch {
		case fresh || !bearer:
			c.fail("auth_stripped", "HTTP 401 although the system account's token is valid: the server never saw the token.")
		default:
			c.fail("token_refused", "The cloud refused the system account's token (HTTP 401).")
		}
	case errors.Is(err, cloud.ErrThrottled):
		c.fail("throttled", "The server answered HTTP 429 Too Many Requests.")
	case errors.As(err, &se) && se.StatusCode >= 300 && se.StatusCode < 400,
		errors.As(err, &ie) && ie.StatusCode >= 300 && ie.StatusCode < 400:
		c.fail("redirect", "The server answered with a redirect instead of handling the request.")
	case errors.Is(err, cloud.ErrNotFound):
		c.fail("wrong_path", "The server answered 404 Not Found for this URL.")
	case errors.Is(err, cloud.ErrForbidden):
		c.fail("forbidden", "The server answered 403 Forbidden to the system account.")
	case errors.As(err, &ie):
		c.fail("wrong_path", fmt.Sprintf("The server answered HTTP %d with %s: %s.", ie.StatusCode, orWord(ie.ContentType, "an unknown type"), ie.Reason))
	case errors.Is(err, cloud.ErrServer):
		c.fail("server_error", "The server answered with an internal error.")
	case errors.As(err, &se):
		c.fail("unexpected", fmt.Sprintf("The server answered HTTP %d %s to the system account.", se.StatusCode, http.StatusText(se.StatusCode)))
	default:
		c.transportFailure(err, r.s.cfg.Timeout)
	}
}

// checkAnonymous calls an endpoint without a login and expects the server to ask for one (HTTP 401).
func (r *checkRun) checkAnonymous(ctx context.Context, name string) (c Check) {
	raw := r.iss.EndpointURL(name)
	if raw == "" {
		return missingEndpoint(name)
	}
	c = newCheck(name, endpointTitle(name), raw)
	o := r.pr.ProbeAnonymous(ctx, name, raw)
	if !r.observed(&c, o) {
		return c
	}
	defer c.slow(o.Took)
	if r.answerFailure(&c, o, false) {
		return c
	}
	switch {
	case o.Status == http.StatusUnauthorized && (o.JSON() || o.XML()):
		c.pass("Reachable: it asks for a login (HTTP 401), as expected.")
	case o.Status == http.StatusUnauthorized:
		c.warn("unexpected", "It asks for a login (HTTP 401), but with "+orWord(o.MediaType, "an unknown type")+" rather than the cloud's own answer: something in front of the cloud may be asking.")
	case o.HTML():
		c.fail("wrong_path", fmt.Sprintf("HTTP %d with an HTML page instead of the API's answer.", o.Status))
	case o.Status == http.StatusMethodNotAllowed:
		c.fail("wrong_path", "HTTP 405: this URL does not speak WebDAV.")
	default:
		c.fail("unexpected", fmt.Sprintf("HTTP %d (%s) where a request without login should get 401.", o.Status, orWord(o.MediaType, "no content type")))
	}
	return c
}

// noteStripped adds the wider picture when signed-in calls all failed with a stripped header while the token
// endpoint worked.
func (r *checkRun) noteStripped(checks []Check) {
	n := 0
	for _, c := range checks {
		if c.Code == "auth_stripped" {
			n++
		}
	}
	if n > 1 {
		for i := range checks {
			if checks[i].Code == "auth_stripped" {
				checks[i].Summary += fmt.Sprintf(" (%d endpoints show this.)", n)
			}
		}
	}
}

// advice is the likely cause and the fix of a diagnosis, in words for an admin who may not run the cloud
// themselves.
func advice(code string) (cause, fix string) {
	switch code {
	case "missing":
		return "The issuer has no URL for this endpoint.",
			"Choose the Nextcloud or ownCloud 10 preset and fill the endpoints from the base URL, or add the endpoint in the endpoint table."
	case "blocked":
		return "The address is in a private, loopback or link-local network (or a cloud metadata address). ocrepo refuses those by default, so that an issuer form cannot be used to reach internal systems.",
			"If this cloud server really lives in your internal network, tick \"Allow private networks\" for this server and save. A loopback address (this machine itself) stays refused unless the site's configuration allows it (Config.AllowLoopback, meant for tests and demos)."
	case "tls":
		return "This LMS server does not trust the cloud's TLS certificate (x509: self-signed, expired, issued for another name, or the intermediate certificates are missing).",
			"Give the cloud a certificate from a public authority (for example Let's Encrypt) and serve the full chain, or add its certificate authority to this server's trust store; check that the base URL uses the certificate's host name."
	case "timeout":
		return "The server did not answer in time: it is down, a firewall drops the connection, or it delays this server's requests (brute-force protection delays answers up to 25 seconds before refusing them).",
			"Check that the LMS server can reach the cloud (firewall, proxy, DNS). If other checks were slow too, see the brute-force advice: allow-list this server's IP address at the cloud."
	case "dns":
		return "The host name in the URL does not resolve from this LMS server.",
			"Check the spelling of the base URL's host name and this server's DNS settings."
	case "unreachable":
		return "The connection could not be made: nothing listens on that address and port, or a firewall rejects the connection.",
			"Check the port in the base URL, that the cloud's web server runs, and firewalls between the LMS and the cloud."
	case "cancelled":
		return "The page was left or reloaded while the check ran.", "Run the check again."
	case "redirect_host":
		return "The server sends requests to a different host. ocrepo never follows API calls to another host, because the login token would go there too.",
			"Put the host the server redirects to into the base URL (for example with or without www), choose the preset again, and save."
	case "redirect_https":
		return "The server only speaks https and redirects plain http requests; token requests (POST) do not survive such a redirect.",
			"Change the base URL to https://, choose the preset again to refresh the endpoints, and save."
	case "redirect":
		return "The server redirects this URL elsewhere on the same host: the path is not the one the server uses.",
			"Check the base URL's sub-path and the endpoint URLs; the preset fills the usual ones."
	case "missing_index_php":
		return "The request landed on the login page instead of the OAuth app: the server has no pretty URLs, so index.php is missing from the URL, or the base path is wrong.",
			"Use the preset (it puts index.php/ into the OAuth endpoints: .../index.php/apps/oauth2/api/v1/token) or add index.php/ before apps/oauth2/ yourself, and check the base URL's sub-path."
	case "wrong_path", "wrong_base_path":
		return "The URL does not lead to the expected part of the cloud: a wrong base path (sub-folder), a typo in the endpoint, or the app behind it is not enabled.",
			"Open the cloud in a browser and copy its address up to (not including) index.php as the base URL, choose the preset again, and make sure the OAuth 2.0 app is enabled at the cloud."
	case "throttled":
		return "The cloud's brute-force protection is limiting requests from this LMS server. All users reach the cloud from this server's single IP address, so a few failed logins or token requests slow down everybody.",
			"Allow-list this server's IP address at the cloud: in Nextcloud install the \"Brute-force settings\" app and add the address under Administration settings → Security; `occ security:bruteforce:attempts <ip>` shows the recorded attempts and `occ security:bruteforce:reset <ip>` clears them. Then wait a few minutes and run the check again (each check makes one token request)."
	case "slow":
		return "The answer was slow. Nextcloud's brute-force protection delays every request from an address after failed attempts (0.1 s doubling up to 25 s) before it refuses them.",
			"If the cloud is otherwise fast, allow-list this server's IP address: Nextcloud's \"Brute-force settings\" app (Administration settings → Security), and `occ security:bruteforce:reset <ip>` to clear the attempts."
	case "client_auth":
		return "The client id or secret does not match the OAuth 2.0 client registered at the cloud.",
			"Copy the client identifier and secret again from the cloud (Nextcloud: Administration settings → Security → OAuth 2.0 clients; ownCloud: Settings → Admin → User authentication), enter them here and save."
	case "client_unknown":
		return "The cloud does not know this client id.",
			"Register this site as an OAuth 2.0 client at the cloud with the redirect URI shown on this page, then copy its client identifier and secret here."
	case "redirect_uri":
		return "The redirect URI registered for this client at the cloud differs from this site's callback address.",
			"Register exactly the redirect URI shown on this page for the client at the cloud (copy it with the button)."
	case "auth_stripped":
		return "The token is valid, but the request reached the cloud without its Authorization header: a web server or proxy in front of the cloud strips it (common with Apache and PHP-FPM/CGI).",
			"On Apache add `SetEnvIf Authorization \"(.*)\" HTTP_AUTHORIZATION=$1` to the cloud's virtual host (or `CGIPassAuth On` on Apache 2.4.13+) and reload it; a reverse proxy in front must forward the Authorization header."
	case "token_refused":
		return "The cloud refused the system account's token: it was revoked at the cloud (for example under Security → Devices & sessions) or the account was disabled.",
			"Connect the system account again. If the problem stays, the web server may be stripping the Authorization header (see that advice)."
	case "system_relogin":
		return "The system account's stored login no longer works at the cloud (revoked, or its refresh token was used elsewhere).",
			"Connect the system account again with the same dedicated account."
	case "mapping":
		return "The user field mappings do not find a username in the userinfo reply.",
			"Map ocs-data-id to username (the default) in the user field mapping table."
	case "forbidden":
		return "The cloud refuses the system account access to this API (the sharing app may be disabled, or the account may not share).",
			"Enable the file sharing app at the cloud and check the system account's sharing permissions."
	case "server_error":
		return "The cloud failed internally.", "Look at the cloud's log (Nextcloud: Administration settings → Logging) and try again."
	case "maintenance":
		return "The cloud is in maintenance mode or upgrading.", "Wait until the maintenance ends (or finish the upgrade at the cloud), then run the check again."
	case "not_installed":
		return "The cloud's installation is not finished.", "Finish the cloud's installation first."
	case "product_mismatch":
		return "The server is a different product than the preset that filled the endpoints; some paths differ between them.",
			"Choose the preset that matches the product, fill the endpoints again, and save."
	case "unexpected":
		return "The answer is not what this kind of endpoint gives.",
			"Compare the endpoint URL with the cloud's documentation or choose the preset again."
	}
	return "", ""
}

// Timeout is how long one call to a cloud may take.
func (s *Service) Timeout() time.Duration { return s.cfg.Timeout }
