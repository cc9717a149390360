package cloud

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Endpoint names, as admins see them.
const (
	EndpointToken         = "token_endpoint"
	EndpointAuthorization = "authorization_endpoint"
	EndpointWebDAV        = "webdav_endpoint"
	EndpointOCS           = "ocs_endpoint"
	EndpointUserinfo      = "userinfo_endpoint"
)

// EndpointNames lists every endpoint a Config needs, in the order admin pages show them.
func EndpointNames() []string {
	return []string{EndpointAuthorization, EndpointToken, EndpointUserinfo, EndpointWebDAV, EndpointOCS}
}

// UserIDPlaceholder in the WebDAV endpoint is replaced by the path-escaped cloud username.
const UserIDPlaceholder = "{userid}"

// Internal user fields that mappings may target.
const (
	FieldUsername = "username"
	FieldEmail    = "email"
	FieldName     = "name" // display name
)

// DefaultTimeout bounds each call when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// DefaultMappings are the default user-field mappings: ocs-data-id -> username, ocs-data-email -> email,
// ocs-data-display-name -> name.
func DefaultMappings() map[string]string {
	return map[string]string{
		"ocs-data-id":           FieldUsername,
		"ocs-data-email":        FieldEmail,
		"ocs-data-display-name": FieldName,
	}
}

// Config is one server's settings.
type Config struct {
	// BaseURL is the server's root, with port and sub-path if any ("https://cloud.example.org:8443/nc/").
	BaseURL string
	// ClientID and ClientSecret identify this application to the server's OAuth 2 app. The secret may be empty for
	// a public client.
	ClientID     string
	ClientSecret string
	// BasicAuth sends the client credentials by HTTP Basic (oauth2.AuthStyleInHeader, which ownCloud 10 requires);
	// false sends them in the form body (oauth2.AuthStyleInParams).
	BasicAuth bool
	// Endpoints by name (see the Endpoint constants); all five are required, PresetEndpoints derives them. A URL
	// may carry a query (?format=json or ?format=xml): it is kept.
	Endpoints map[string]string
	// Mappings map userinfo dash paths ("ocs-data-id") to "username", "email" or "name"; nil: DefaultMappings.
	Mappings map[string]string
	// HTTPClient makes the requests; nil: a client with a transport sized for many concurrent users. Its Timeout
	// should be zero: a client timeout would cut long downloads, and every call here has its own deadline.
	HTTPClient *http.Client
	// Timeout bounds each call; 0 means DefaultTimeout (30 s). Streams (Open) time out only while waiting for the
	// response headers and when no byte arrives for this long.
	Timeout time.Duration
	// Observer, when set, learns of every request the client sends (see Observer); nil: none.
	Observer Observer
}

// Client talks to one server. Safe for concurrent use.
type Client struct {
	clientID     string
	clientSecret string
	basicAuth    bool
	base         *url.URL // with a trailing slash
	authorize    string
	token        string
	userinfo     *url.URL
	ocs          *url.URL
	webdav       string // may hold UserIDPlaceholder
	mappings     map[string]string
	hc           *http.Client
	timeout      time.Duration
	listingLimit int64 // the largest multistatus body read (multistatusLimit)
}

// New validates cfg (absolute http(s) URLs, the endpoints it needs) and returns a client. The error is a
// *ConfigError naming the field.
func New(cfg Config) (*Client, error) {
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(cfg.ClientID) == "" {
		return nil, &ConfigError{Field: "ClientID", Reason: "empty"}
	}
	if cfg.Timeout < 0 {
		return nil, &ConfigError{Field: "Timeout", Reason: "negative"}
	}
	c := &Client{
		clientID:     cfg.ClientID,
		clientSecret: cfg.ClientSecret,
		basicAuth:    cfg.BasicAuth,
		base:         base,
		timeout:      cfg.Timeout,
		listingLimit: multistatusLimit,
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	for _, name := range EndpointNames() {
		raw := strings.TrimSpace(cfg.Endpoints[name])
		field := "Endpoints[" + name + "]"
		if raw == "" {
			return nil, &ConfigError{Field: field, Reason: "missing"}
		}
		check := raw
		if name == EndpointWebDAV {
			check = strings.ReplaceAll(raw, UserIDPlaceholder, "user")
		}
		u, err := parseEndpoint(field, check)
		if err != nil {
			return nil, err
		}
		switch name {
		case EndpointAuthorization:
			c.authorize = u.String()
		case EndpointToken:
			c.token = u.String()
		case EndpointUserinfo:
			c.userinfo = u
		case EndpointOCS:
			c.ocs = u
		case EndpointWebDAV:
			if i := strings.IndexByte(raw, '?'); i >= 0 && strings.Contains(raw[i:], UserIDPlaceholder) {
				return nil, &ConfigError{Field: field, Reason: UserIDPlaceholder + " belongs in the path, not the query"}
			}
			c.webdav = raw
		}
	}
	extra := make([]string, 0)
	for name := range cfg.Endpoints {
		if !slices.Contains(EndpointNames(), name) {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		return nil, &ConfigError{Field: "Endpoints[" + extra[0] + "]", Reason: "unknown endpoint name"}
	}
	m := cfg.Mappings
	if m == nil {
		m = DefaultMappings()
	}
	c.mappings = make(map[string]string, len(m))
	for path, field := range m {
		if strings.TrimSpace(path) == "" {
			return nil, &ConfigError{Field: "Mappings", Reason: "empty path"}
		}
		switch field {
		case FieldUsername, FieldEmail, FieldName:
		default:
			return nil, &ConfigError{Field: "Mappings[" + path + "]",
				Reason: fmt.Sprintf("maps to %q; want %q, %q or %q", field, FieldUsername, FieldEmail, FieldName)}
		}
		c.mappings[path] = field
	}
	c.hc = httpClient(cfg.HTTPClient)
	if cfg.Observer != nil {
		c.hc = c.observed(c.hc, cfg.Observer)
	}
	return c, nil
}

// BaseURL is the server's root with a trailing slash.
func (c *Client) BaseURL() string { return c.base.String() }

// parseBaseURL checks an absolute http(s) URL without query, fragment or credentials and gives it a trailing slash.
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := parseEndpoint("BaseURL", strings.TrimSpace(raw))
	if err != nil {
		return nil, err
	}
	if u.RawQuery != "" || u.ForceQuery {
		return nil, &ConfigError{Field: "BaseURL", Reason: "must not have a query"}
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u, nil
}

// parseEndpoint checks an absolute http(s) URL without fragment or credentials.
func parseEndpoint(field, raw string) (*url.URL, error) {
	if raw == "" {
		return nil, &ConfigError{Field: field, Reason: "empty"}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, &ConfigError{Field: field, Reason: "not a URL"}
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, &ConfigError{Field: field, Reason: "must be an absolute http or https URL"}
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, &ConfigError{Field: field, Reason: "has no host"}
	}
	if u.User != nil {
		return nil, &ConfigError{Field: field, Reason: "must not carry credentials"}
	}
	if u.Fragment != "" {
		return nil, &ConfigError{Field: field, Reason: "must not have a fragment"}
	}
	if u.Opaque != "" {
		return nil, &ConfigError{Field: field, Reason: "must be an absolute http or https URL"}
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u, nil
}

// httpClient copies hc (or makes one) so that only GET follows redirects: a redirected PROPFIND, POST or MOVE
// would turn into a GET elsewhere, so its 3xx is reported instead.
func httpClient(hc *http.Client) *http.Client {
	var c http.Client
	if hc != nil {
		c = *hc
	} else {
		c.Transport = newTransport()
	}
	if c.CheckRedirect == nil {
		c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
			if len(via) > 0 && via[0].Method != http.MethodGet {
				return http.ErrUseLastResponse
			}
			if len(via) >= 10 {
				return fmt.Errorf("stopped after %d redirects", len(via))
			}
			return nil
		}
	}
	return &c
}

// newTransport is a transport for many users of few servers.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ReadBufferSize:        ReadBufferSize,
	}
}

// ReadBufferSize is the read buffer of the client's own transport for each connection (Go's default is 4 KiB).
// A listing sent in chunked transfer encoding (the usual for WebDAV servers, which do not know a listing's
// length in advance) is read through it: a 130 KB listing took 32 reads of the socket with 4 KiB, 12 with 16 KiB
// (BenchmarkReadDir200, reads/op). It stays under the parser's 32 KiB buffer, so that a body with a
// Content-Length is still read straight into the parser's buffer rather than through this one.
const ReadBufferSize = 16 << 10

// redactURL is raw without query, fragment and credentials, for error messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.IndexAny(raw, "?#"); i >= 0 {
			return raw[:i]
		}
		return raw
	}
	u.RawQuery = ""
	u.ForceQuery = false
	u.Fragment = ""
	u.RawFragment = ""
	u.User = nil
	return u.String()
}
