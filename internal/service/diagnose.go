package service

import (
	"bytes"
	"context"
	"errors"
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
	Title   Message
	URL     string // what was probed, without query
	State   CheckState
	Code    string    // the diagnosis, stable for tests: "ok", "missing_index_php", "auth_stripped", "client_auth", ...
	Summary []Message // what happened, sentence by sentence
	Cause   Message   // the likely cause, when it did not pass
	Fix     []Message // what to do about it, sentence by sentence
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
	summary := []Message{Msg(auditCheck, "Passed", d.Count(CheckPassed), "Warnings", d.Count(CheckWarning), "Failed", d.Count(CheckFailed))}
	var failed []string
	for _, c := range d.Checks {
		if c.State == CheckFailed {
			failed = append(failed, c.ID+": "+c.Code)
		}
	}
	if len(failed) > 0 {
		summary = append(summary, Msg("audit.check_failed", "Checks", strings.Join(failed, ", ")))
	}
	summary = append(summary, checkSecretNote(d.SecretProven))
	s.audit(ctx, actor, "issuer.check", issuerTarget(iss.ID), summary...)
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
func newCheck(id string, title Message, rawURL string) Check {
	return Check{ID: id, Title: title, URL: redact(rawURL)}
}

func (c *Check) pass(summary Message) {
	c.State, c.Code, c.Summary = CheckPassed, "ok", []Message{summary}
}

func (c *Check) fail(code string, summary Message) {
	c.State, c.Code, c.Summary = CheckFailed, code, []Message{summary}
	c.Cause, c.Fix = advice(code)
}

func (c *Check) warn(code string, summary Message) {
	c.State, c.Code, c.Summary = CheckWarning, code, []Message{summary}
	c.Cause, c.Fix = advice(code)
}

// warnAlso turns a check into a warning, keeping what it said and adding one more sentence.
func (c *Check) warnAlso(code string, more Message) {
	summary := append(c.Summary, more)
	c.warn(code, Message{})
	c.Summary = summary
}

// slow turns a passed check into a warning when the answer took long: brute-force protection delays answers
// before it refuses them.
func (c *Check) slow(took time.Duration) {
	c.Took = took
	if c.State == CheckPassed && took >= slowAnswer {
		c.warnAlso("slow", Msg("check.summary.slow", "Millis", took.Round(100*time.Millisecond).Milliseconds()))
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
	switch {
	case errors.Is(err, ErrBlockedAddress):
		c.fail("blocked", Msg("check.summary.blocked", "Reason", trimGuard(err)))
	case CertificateUntrusted(err):
		c.fail("tls", Msg("check.summary.tls_untrusted", "Reason", err.Error()))
	case NotTLS(err):
		c.fail("tls", Msg("check.summary.tls_not_tls"))
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, cloud.ErrTimeout) || isNetTimeout(err):
		c.fail("timeout", Msg("check.summary.timeout", "Seconds", int64(timeout.Round(time.Second)/time.Second)))
	case errors.As(err, &dnsErr):
		c.fail("dns", Msg("check.summary.dns", "Host", dnsErr.Name))
	case errors.Is(err, syscall.ECONNREFUSED):
		c.fail("unreachable", Msg("check.summary.refused"))
	case errors.Is(err, context.Canceled):
		c.fail("cancelled", Msg("check.summary.cancelled"))
	default:
		c.fail("unreachable", Msg("check.summary.request_failed", "Reason", err.Error()))
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
		c.fail("unexpected", Msg("check.summary.redirect_no_target", "Status", o.Status))
		return
	}
	shown := redact(to.String())
	switch {
	case !strings.EqualFold(to.Hostname(), from.Hostname()):
		if loginOK {
			c.warn("redirect_host", Msg("check.summary.authorize_other_host", "Host", to.Hostname()))
			return
		}
		c.fail("redirect_host", Msg("check.summary.redirect_host", "Target", shown))
	case from.Scheme == "http" && to.Scheme == "https":
		c.fail("redirect_https", Msg("check.summary.redirect_https", "Target", shown))
	case loginOK && isLoginFlowPath(to.Path) && to.Query().Has("clientIdentifier"):
		// The login flow shape of the flavour table (Nextcloud 12 up to 34 at least): the authorize page keeps
		// the request in the browser's session and sends it to the login flow, which logs in and asks to grant
		// access.
		c.pass(Msg("check.summary.login_flow", "Status", o.Status, "Path", redact(to.Path)))
	case isLoginPath(to.Path):
		if loginOK && to.Query().Get("redirect_url") != "" {
			// The login redirect shape (ownCloud 10): the login page comes back to the authorize page.
			c.pass(Msg("check.summary.login_first", "Status", o.Status))
			return
		}
		c.fail("missing_index_php", Msg("check.summary.to_login_page", "Status", o.Status, "Target", shown))
	default:
		c.fail("redirect", Msg("check.summary.redirect", "Status", o.Status, "Target", shown))
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
		c.fail("throttled", Msg("check.summary.throttled"))
		if o.RetryAfter != "" {
			c.Summary = append(c.Summary, Msg("check.summary.retry_after", "Seconds", o.RetryAfter))
		}
	case o.Status == http.StatusNotFound:
		c.fail("wrong_path", Msg("check.summary.not_found"))
	case o.Status == http.StatusServiceUnavailable && bytes.Contains(bytes.ToLower(o.Body), []byte("maintenance")):
		c.fail("maintenance", Msg("check.summary.maintenance_503"))
	case o.Status >= 500:
		c.fail("server_error", Msg("check.summary.server_error_status", "Status", o.Status))
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
		c.fail("unexpected", Msg("check.summary.bad_url"))
		return false
	}
	c.transportFailure(o.Err, r.s.cfg.Timeout)
	c.Took = o.Took
	return false
}

// checkStatus reads status.php and remembers the product and version.
func (r *checkRun) checkStatus(ctx context.Context) (c Check) {
	o := r.pr.ProbeStatus(ctx, r.iss.BaseURL)
	c = newCheck(CheckStatus, Msg("check.title.status"), o.URL)
	if !r.observed(&c, o.Observation) {
		return c
	}
	defer c.slow(o.Took)
	if r.answerFailure(&c, o.Observation, false) {
		if c.Code == "wrong_path" {
			c.fail("wrong_base_path", Msg("check.summary.status_not_found"))
		}
		return c
	}
	if !o.Parsed {
		id := "check.summary.status_not_json"
		if o.HTML() {
			id = "check.summary.status_html"
		}
		c.fail("wrong_base_path", Msg(id, "Status", o.Status))
		return c
	}
	r.mu.Lock()
	r.product, r.version = o.Product, o.Version
	r.mu.Unlock()
	switch {
	case !o.Installed:
		c.fail("not_installed", Msg("check.summary.not_installed"))
	case o.Maintenance:
		c.fail("maintenance", Msg("check.summary.maintenance"))
	default:
		if strings.TrimSpace(o.Product) == "" {
			c.pass(Msg("check.summary.server_answers", "Version", o.Version))
		} else {
			c.pass(Msg("check.summary.product_answers", "Product", o.Product, "Version", o.Version))
		}
		if mismatch(r.iss.Preset, o.Product, o.Version) {
			c.warn("product_mismatch", Msg("check.summary.product_mismatch", "Product", o.Product, "Version", o.Version, "Preset", PresetLabel(r.iss.Preset)))
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
func basicOnlyAdvice() []Message {
	var out []Message
	for _, f := range cloud.Flavors() {
		if f.Preset && f.TokenAuth == cloud.TokenAuthBasic {
			out = append(out, Msg("check.fix.basic_only", "Product", f.Label))
		}
	}
	return out
}

func orWord(s, alt string) string {
	if strings.TrimSpace(s) == "" {
		return alt
	}
	return s
}

// endpointTitle names an endpoint check.
func endpointTitle(name string) Message {
	switch name {
	case cloud.EndpointAuthorization:
		return Msg("check.title.authorization")
	case cloud.EndpointToken:
		return Msg("check.title.token")
	case cloud.EndpointUserinfo:
		return Msg("check.title.userinfo")
	case cloud.EndpointWebDAV:
		return Msg("check.title.webdav")
	case cloud.EndpointOCS:
		return Msg("check.title.ocs")
	}
	return Msg("check.title.other", "Name", name)
}

// missingEndpoint is the check of an endpoint the issuer lacks.
func missingEndpoint(name string) Check {
	c := newCheck(name, endpointTitle(name), "")
	c.fail("missing", Msg("check.summary.missing"))
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
		c.fail("unexpected", Msg("check.summary.login_page_status", "Status", o.Status))
	case strings.Contains(lower, "redirect uri"): // the words of an error message, not the redirect_uri form field
		c.fail("redirect_uri", Msg("check.summary.redirect_uri"))
	case strings.Contains(lower, "not authorized to connect") || strings.Contains(lower, "access forbidden"):
		c.fail("client_unknown", Msg("check.summary.client_unknown"))
	case !o.HTML():
		c.warn("unexpected", typed("check.summary.login_page_type", o.MediaType))
	default:
		c.pass(Msg("check.summary.login_page"))
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
		c.fail("unexpected", Msg("check.summary.system_unreadable"))
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
		w := typed("check.summary.token_not_oauth", o.MediaType, "Status", o.Status)
		if o.HTML() {
			w = Msg("check.summary.token_html", "Status", o.Status)
		}
		c.fail("missing_index_php", w)
		return c
	}
	switch o.Error {
	case "invalid_client", "unauthorized_client":
		c.fail("client_auth", Msg("check.summary.client_refused", "Error", o.Error))
		if !r.iss.BasicAuth {
			c.Fix = append(c.Fix, basicOnlyAdvice()...)
		}
	case "invalid_grant", "invalid_request":
		c.pass(Msg("check.summary.token_endpoint", "Error", o.Error))
	case "":
		c.fail("unexpected", Msg("check.summary.token_no_error", "Status", o.Status))
	default:
		c.fail("unexpected", Msg("check.summary.token_error", "Error", o.Error))
	}
	return c
}

// refreshSystem refreshes the system account's token now, through the service's shared refresh (one token call,
// serialised with every other user of the token), which proves the endpoint and the client credentials.
func (r *checkRun) refreshSystem(ctx context.Context, c Check, tok store.Token) Check {
	s := r.s
	client, err := s.clientWith(r.iss, r.hc)
	if err != nil {
		c.fail("unexpected", Msg("check.summary.no_client", "Reason", err.Error()))
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
			c.fail("unexpected", Msg("check.summary.system_unwritable"))
			return c
		}
		if tok, err = s.store.GetToken(ctx, key); err != nil {
			c.fail("unexpected", Msg("check.summary.system_unreadable"))
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
		c.pass(Msg("check.summary.refreshed"))
		c.slow(took)
		return c
	}
	c.Took = took
	var se *cloud.StatusError
	var ie *cloud.InvalidResponseError
	switch {
	case errors.As(err, &se) && (se.OAuthError == "invalid_client" || se.OAuthError == "unauthorized_client"):
		c.fail("client_auth", Msg("check.summary.client_refused_refresh", "Error", se.OAuthError))
		c.Fix = append(c.Fix, Msg("check.fix.logins_kept_refresh"))
		if !r.iss.BasicAuth {
			c.Fix = append(c.Fix, basicOnlyAdvice()...)
		}
	case errors.As(err, &se) && se.StatusCode >= 300 && se.StatusCode < 400,
		errors.As(err, &ie) && (ie.StatusCode >= 300 && ie.StatusCode < 400 || strings.Contains(ie.ContentType, "html")):
		c.fail("missing_index_php", Msg("check.summary.token_redirect"))
	case errors.Is(err, cloud.ErrThrottled):
		c.fail("throttled", Msg("check.summary.token_throttled"))
	case errors.Is(err, cloud.ErrLoginAgain):
		c.fail("system_relogin", Msg("check.summary.system_relogin"))
	case errors.Is(err, ErrClientRefused):
		// Refreshes pause after an invalid_client answer; the check did not ask the cloud again.
		c.fail("client_auth", Msg("check.summary.client_paused"))
		c.Fix = append(c.Fix, Msg("check.fix.logins_kept"))
	case errors.Is(err, ErrNotConnected):
		c.State, c.Code, c.Summary = CheckSkipped, "disconnected", []Message{Msg("check.summary.disconnected")}
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
				c.fail("mapping", Msg("check.summary.mapping"))
			} else {
				c.pass(Msg("check.summary.signed_in", "Who", orWord(who.Name, who.Username), "Username", who.Username,
					"Email", who.Email, "Name", who.Name))
			}
		}
	case cloud.EndpointWebDAV:
		var e cloud.Entry
		e, err = conn.Stat(ctx, "/")
		if err == nil {
			if e.Dir {
				c.pass(Msg("check.summary.webdav_read"))
			} else {
				c.fail("wrong_path", Msg("check.summary.webdav_not_folder"))
			}
		}
	case cloud.EndpointOCS:
		_, err = conn.SharesOf(ctx, "/")
		var se *cloud.StatusError
		if err == nil || (errors.As(err, &se) && se.OCSCode != 0 && !errors.Is(err, cloud.ErrUnauthorized)) {
			err = nil
			c.pass(Msg("check.summary.ocs_answered"))
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
			c.fail("auth_stripped", Msg("check.summary.auth_stripped"))
		default:
			c.fail("token_refused", Msg("check.summary.token_refused"))
		}
	case errors.Is(err, cloud.ErrThrottled):
		c.fail("throttled", Msg("check.summary.throttled"))
	case errors.As(err, &se) && se.StatusCode >= 300 && se.StatusCode < 400,
		errors.As(err, &ie) && ie.StatusCode >= 300 && ie.StatusCode < 400:
		c.fail("redirect", Msg("check.summary.call_redirect"))
	case errors.Is(err, cloud.ErrNotFound):
		c.fail("wrong_path", Msg("check.summary.not_found"))
	case errors.Is(err, cloud.ErrForbidden):
		c.fail("forbidden", Msg("check.summary.forbidden"))
	case errors.As(err, &ie):
		c.fail("wrong_path", typed("check.summary.invalid_answer", ie.ContentType, "Status", ie.StatusCode, "Reason", ie.Reason))
	case errors.Is(err, cloud.ErrServer):
		c.fail("server_error", Msg("check.summary.server_error"))
	case errors.As(err, &se):
		c.fail("unexpected", Msg("check.summary.status_to_system", "Status", se.StatusCode, "Text", http.StatusText(se.StatusCode)))
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
		c.pass(Msg("check.summary.asks_login"))
	case o.Status == http.StatusUnauthorized:
		c.warn("unexpected", typed("check.summary.asks_login_foreign", o.MediaType))
	case o.HTML():
		c.fail("wrong_path", Msg("check.summary.html_not_api", "Status", o.Status))
	case o.Status == http.StatusMethodNotAllowed:
		c.fail("wrong_path", Msg("check.summary.not_webdav"))
	default:
		c.fail("unexpected", typed("check.summary.not_401", o.MediaType, "Status", o.Status))
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
				checks[i].Summary = append(checks[i].Summary, Msg("check.summary.stripped_count", "Count", n))
			}
		}
	}
}

// advice is the likely cause and the fix of a diagnosis (the check area of the catalogs words them for an admin
// who may not run the cloud themselves).
func advice(code string) (cause Message, fix []Message) {
	switch code {
	case "missing", "blocked", "tls", "timeout", "dns", "unreachable", "cancelled", "redirect_host", "redirect_https",
		"redirect", "missing_index_php", "throttled", "slow", "client_auth", "client_unknown", "redirect_uri",
		"auth_stripped", "token_refused", "system_relogin", "mapping", "forbidden", "server_error", "maintenance",
		"not_installed", "product_mismatch", "unexpected":
		return Msg("check.cause." + code), []Message{Msg("check.fix." + code)}
	case "wrong_path", "wrong_base_path":
		return Msg("check.cause.wrong_path"), []Message{Msg("check.fix.wrong_path")}
	}
	return Message{}, nil
}

// Timeout is how long one call to a cloud may take.
func (s *Service) Timeout() time.Duration { return s.cfg.Timeout }

// typed is the message id (with its parameters) that names a media type, or its "_unknown" form when the answer
// had none.
func typed(id, mediaType string, args ...any) Message {
	if strings.TrimSpace(mediaType) == "" {
		return Msg(id+"_unknown", args...)
	}
	return Msg(id, append(args, "Type", mediaType)...)
}
