package cloud

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ErrProbeURL is a probe's Err when the URL it was given does not make a request.
var ErrProbeURL = errors.New("cloud: the URL does not make a valid request")

// ProbeBodyLimit caps how much of an answer a probe keeps.
const ProbeBodyLimit = 64 << 10

// Prober makes the requests of a connection check against a server whose settings may be wrong: each probe is
// one request with the prober's timeout, never retried, and a redirect comes back as the answer instead of being
// followed. Probes take endpoint URLs as the admin entered them, so they work before a Client could be built.
// What they observe is typed; judging it is the caller's business.
type Prober struct {
	hc      *http.Client
	timeout time.Duration
}

// NewProber returns a prober that sends through hc (nil: a default client) and gives each probe timeout (0:
// DefaultTimeout). hc itself is not changed: the prober works on a copy that does not follow redirects.
func NewProber(hc *http.Client, timeout time.Duration) *Prober {
	c := *httpClient(hc)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Prober{hc: &c, timeout: timeout}
}

// Observation is what one probe saw: an answer (Status set) or no answer (Err set).
type Observation struct {
	// URL is what was probed, without query and fragment ({userid} left as the admin typed it).
	URL string
	// Status is the answer's HTTP status; 0 when none came.
	Status int
	// MediaType is the answer's content type without parameters, lower case.
	MediaType string
	// Location is a redirect's target resolved against the probed URL (query kept: login pages are told apart
	// by it); nil when the answer is no redirect or names no usable target.
	Location *url.URL
	// RetryAfter is the Retry-After header of the answer.
	RetryAfter string
	// Body is the start of the answer (at most ProbeBodyLimit bytes).
	Body []byte
	// Took is how long the request took.
	Took time.Duration
	// Err is why no answer came: the transport's error, without the *url.Error around it (whose text repeats
	// the URL with its query). Typed errors (TLS, DNS, timeouts, a refused address) stay matchable.
	Err error
}

// JSON reports whether the answer is JSON.
func (o Observation) JSON() bool {
	return o.MediaType == "application/json" || strings.HasSuffix(o.MediaType, "+json")
}

// XML reports whether the answer is XML.
func (o Observation) XML() bool {
	return o.MediaType == "application/xml" || o.MediaType == "text/xml" || strings.HasSuffix(o.MediaType, "+xml")
}

// HTML reports whether the answer is a web page.
func (o Observation) HTML() bool {
	return o.MediaType == "text/html" || bytes.HasPrefix(bytes.TrimSpace(bytes.ToLower(o.Body)), []byte("<!doctype html"))
}

// Redirect reports whether the answer is a redirect.
func (o Observation) Redirect() bool { return o.Status >= 300 && o.Status < 400 }

// StatusObservation is what status.php said.
type StatusObservation struct {
	Observation
	// Parsed is whether the answer was the server's JSON status (HTTP 200, an installed field).
	Parsed      bool
	Installed   bool
	Maintenance bool
	Product     string // productname
	Version     string // versionstring, or version when that is missing
}

// TokenObservation is what the token endpoint said to a made-up refresh token.
type TokenObservation struct {
	Observation
	// OAuth is whether the answer was OAuth JSON; Error and Description are its error fields.
	OAuth       bool
	Error       string
	Description string
}

// ProbeStatus reads status.php under baseURL.
func (p *Prober) ProbeStatus(ctx context.Context, baseURL string) StatusObservation {
	u := strings.TrimSuffix(baseURL, "/") + "/status.php"
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return StatusObservation{Observation: Observation{URL: withoutQuery(u), Err: ErrProbeURL}}
	}
	req.Header.Set("Accept", "application/json")
	o := StatusObservation{Observation: p.probe(ctx, req, u)}
	var st struct {
		Installed     *bool  `json:"installed"`
		Maintenance   bool   `json:"maintenance"`
		Version       string `json:"version"`
		VersionString string `json:"versionstring"`
		ProductName   string `json:"productname"`
	}
	if o.Err != nil || o.Status != http.StatusOK || json.Unmarshal(o.Body, &st) != nil || st.Installed == nil {
		return o
	}
	o.Parsed, o.Installed, o.Maintenance, o.Product = true, *st.Installed, st.Maintenance, st.ProductName
	o.Version = st.VersionString
	if o.Version == "" {
		o.Version = st.Version
	}
	return o
}

// ProbeAuthorize loads the authorization page the way a browser without a session would, for clientID and
// redirectURI, with a state that is never stored (the login cannot be finished).
func (p *Prober) ProbeAuthorize(ctx context.Context, authorizeURL, clientID, redirectURI string) Observation {
	u, err := url.Parse(authorizeURL)
	if err != nil {
		return Observation{URL: withoutQuery(authorizeURL), Err: ErrProbeURL}
	}
	q := u.Query()
	q.Set("response_type", "code")
	q.Set("client_id", clientID)
	q.Set("redirect_uri", redirectURI)
	q.Set("state", "ocrepo-connection-check-"+probeNonce(9))
	u.RawQuery = q.Encode()
	req, err := http.NewRequest(http.MethodGet, u.String(), nil)
	if err != nil {
		return Observation{URL: withoutQuery(authorizeURL), Err: ErrProbeURL}
	}
	req.Header.Set("Accept", "text/html")
	return p.probe(ctx, req, authorizeURL)
}

// ProbeToken presents a made-up refresh token with the client credentials, by HTTP Basic when basic is set and
// in the form body otherwise. The answer shows whether the URL is an OAuth token endpoint; Nextcloud counts it
// as one failed attempt for its brute-force protection.
func (p *Prober) ProbeToken(ctx context.Context, tokenURL, clientID, clientSecret string, basic bool) TokenObservation {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"ocrepo-connection-check-" + probeNonce(24)}}
	if !basic {
		form.Set("client_id", clientID)
		form.Set("client_secret", clientSecret)
	}
	req, err := http.NewRequest(http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return TokenObservation{Observation: Observation{URL: withoutQuery(tokenURL), Err: ErrProbeURL}}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if basic {
		req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(clientSecret))
	}
	o := TokenObservation{Observation: p.probe(ctx, req, tokenURL)}
	var reply struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if o.Err == nil && o.JSON() && json.Unmarshal(o.Body, &reply) == nil {
		o.OAuth, o.Error, o.Description = true, reply.Error, reply.Description
	}
	return o
}

// ProbeAnonymous calls an endpoint without a login, as the picker would call it with one: PROPFIND Depth 0 on
// the WebDAV endpoint (with {userid} filled by a made-up name), GET with OCS-APIRequest on the others. A server
// set up right asks for a login (HTTP 401).
func (p *Prober) ProbeAnonymous(ctx context.Context, endpoint, rawURL string) Observation {
	target, method := rawURL, http.MethodGet
	var body io.Reader
	if endpoint == EndpointWebDAV {
		target = strings.ReplaceAll(rawURL, UserIDPlaceholder, "ocrepo-connection-check")
		method = "PROPFIND"
		body = strings.NewReader(`<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/></d:prop></d:propfind>`)
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		return Observation{URL: withoutQuery(rawURL), Err: ErrProbeURL}
	}
	if endpoint == EndpointWebDAV {
		req.Header.Set("Depth", "0")
		req.Header.Set("Content-Type", "application/xml; charset=utf-8")
	} else {
		req.Header.Set("OCS-APIRequest", "true")
		req.Header.Set("Accept", "application/json")
	}
	return p.probe(ctx, req, rawURL)
}

// probe sends one request with the prober's timeout and keeps the start of the answer; shown is the URL as the
// admin entered it.
func (p *Prober) probe(ctx context.Context, req *http.Request, shown string) Observation {
	o := Observation{URL: withoutQuery(shown)}
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	start := time.Now()
	resp, err := p.hc.Do(req.WithContext(ctx))
	if err != nil {
		o.Took = time.Since(start)
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		o.Err = err
		return o
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, ProbeBodyLimit))
	o.Took = time.Since(start)
	o.Status, o.Body, o.RetryAfter = resp.StatusCode, body, resp.Header.Get("Retry-After")
	if err != nil && len(body) == 0 {
		o.Status, o.Err = 0, err
		return o
	}
	ct := resp.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		o.MediaType = mt
	} else {
		o.MediaType = strings.ToLower(strings.TrimSpace(ct))
	}
	if o.Redirect() {
		if loc := resp.Header.Get("Location"); loc != "" {
			if to, err := url.Parse(loc); err == nil {
				o.Location = req.URL.ResolveReference(to)
			}
		}
	}
	return o
}

// probeNonce is a random URL-safe string of n bytes.
func probeNonce(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// withoutQuery is raw up to its query or fragment, otherwise as typed ({userid} stays readable).
func withoutQuery(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		return raw[:i]
	}
	return raw
}
