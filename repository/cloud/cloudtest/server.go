package cloudtest

import (
	"fmt"
	"html/template"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/webdav"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

// Options configure a server. Zero values are the documented defaults.
type Options struct {
	// Flavor is the entry of the flavour table (cloud.Flavors) the server imitates, by ID; cloud.Nextcloud by
	// default. Its endpoint layout, token auth, login shape, status.php and quirks are what the fake does.
	Flavor cloud.FlavorID
	// BasePath is the sub-path the server lives under, "/" by default (e.g. "/nc/"). URL ends with it.
	BasePath string
	// ClientID is the registered OAuth client's id; default "ocrepo".
	ClientID string
	// ClientSecret is the registered OAuth client's secret; default "secret".
	ClientSecret string
	// RedirectURI is the registered redirect URI; the authorize page redirects here (Nextcloud ignores the
	// request's). Empty: set it later with SetRedirectURI.
	RedirectURI string
	// TokenLifetime is the access token lifetime; default 3600 s.
	TokenLifetime time.Duration
	// CodeLifetime is how long an authorization code stays valid; default 10 min.
	CodeLifetime time.Duration
	// ShareLimit is how many share-creating POSTs one user may send per ShareWindow before 429. Default 20 for
	// flavours with cloud.QuirkShareRateLimit and unlimited for the others; negative disables the limit.
	ShareLimit int
	// ShareWindow is the period of ShareLimit; default 10 min.
	ShareWindow time.Duration
	// DisableBruteForce turns off the token endpoint's brute-force throttling (Nextcloud flavours answer 429 once
	// more than 10 token calls failed within 30 minutes).
	DisableBruteForce bool
	// Now is the clock; default time.Now. Tests move time without sleeping.
	Now func() time.Time
	// Listener is served instead of a random loopback port (the demo LMS).
	Listener net.Listener
	// Logf receives one line per request (method, endpoint, path without query, status); nil: silent.
	Logf func(format string, args ...any)
}

// Server is a running fake ownCloud/Nextcloud.
type Server struct {
	// URL is the base URL with a trailing slash, including BasePath.
	URL string

	opts    Options
	flavor  cloud.Flavor // the flavour table's entry for opts.Flavor
	base    string       // BasePath, with leading and trailing slash
	hs      *httptest.Server
	gate    *gateListener // hs's listener, which Stop and Start close and open again
	closing chan struct{}
	once    sync.Once
	active  sync.WaitGroup

	tmplOnce sync.Once
	tmpl     *template.Template

	// mu guards the file tree, the users and the shares.
	mu       sync.RWMutex
	users    map[string]*user
	homes    map[string]*node
	shares   map[string]*share
	shareSeq int
	nextID   int64
	etagSeq  uint64
	etagBase uint64
	salt     string

	// authMu guards OAuth state, brute-force and rate-limit bookkeeping and public link sessions.
	authMu        sync.Mutex
	redirectURI   string
	codes         map[string]*authCode
	access        map[string]*accessToken
	refresh       map[string]*refreshToken
	redemptions   map[string]int
	issued        []string // every code, access token and refresh token handed out, in order
	failures      []time.Time
	requestTokens map[string]time.Time
	shareCreates  map[string][]time.Time
	publicAuth    map[string]string // cookie value -> share token
	sessions      map[string]*flowSession

	// lsMu guards the WebDAV lock systems, one per space.
	lsMu  sync.Mutex
	locks map[string]webdav.LockSystem

	// statMu guards counters and faults.
	statMu       sync.Mutex
	counts       map[string]int
	methodCounts map[[2]string]int
	faults       map[string][]*Fault
}

// user is an account.
type user struct {
	id, password, email, displayName string
	groups                           []string
}

// New starts a server; Close stops it.
func New(opts Options) (*Server, error) {
	if opts.ClientID == "" {
		opts.ClientID = "ocrepo"
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = "secret"
	}
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = time.Hour
	}
	if opts.CodeLifetime <= 0 {
		opts.CodeLifetime = 10 * time.Minute
	}
	if opts.ShareWindow <= 0 {
		opts.ShareWindow = 10 * time.Minute
	}
	if opts.Flavor == "" {
		opts.Flavor = cloud.Nextcloud
	}
	flavor, ok := cloud.FlavorByID(opts.Flavor)
	if !ok {
		return nil, fmt.Errorf("cloudtest: unknown flavour %q", string(opts.Flavor))
	}
	if opts.ShareLimit == 0 && flavor.Has(cloud.QuirkShareRateLimit) {
		opts.ShareLimit = 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	base := opts.BasePath
	if base == "" {
		base = "/"
	}
	if !strings.HasPrefix(base, "/") {
		base = "/" + base
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	if strings.ContainsAny(base, "?#%") || strings.Contains(base, "//") {
		return nil, fmt.Errorf("cloudtest: invalid base path %q", opts.BasePath)
	}
	s := &Server{
		opts:          opts,
		flavor:        flavor,
		base:          base,
		closing:       make(chan struct{}),
		users:         map[string]*user{},
		homes:         map[string]*node{},
		shares:        map[string]*share{},
		nextID:        100,
		etagBase:      uint64(time.Now().UnixNano()) >> 12,
		salt:          randomToken(16),
		redirectURI:   opts.RedirectURI,
		codes:         map[string]*authCode{},
		access:        map[string]*accessToken{},
		refresh:       map[string]*refreshToken{},
		redemptions:   map[string]int{},
		requestTokens: map[string]time.Time{},
		shareCreates:  map[string][]time.Time{},
		publicAuth:    map[string]string{},
		sessions:      map[string]*flowSession{},
		locks:         map[string]webdav.LockSystem{},
		counts:        map[string]int{},
		methodCounts:  map[[2]string]int{},
		faults:        map[string][]*Fault{},
	}
	hs := httptest.NewUnstartedServer(s)
	if opts.Listener != nil {
		if err := hs.Listener.Close(); err != nil {
			return nil, fmt.Errorf("cloudtest: close default listener: %w", err)
		}
		hs.Listener = opts.Listener
	}
	s.gate = newGateListener(hs.Listener)
	hs.Listener = s.gate
	hs.Config.ErrorLog = log.New(io.Discard, "", 0)
	hs.Config.ReadHeaderTimeout = 30 * time.Second
	// URL is set before the first request can arrive (a given listener may already have clients waiting).
	s.URL = "http://" + hs.Listener.Addr().String() + base
	s.hs = hs
	hs.Start()
	return s, nil
}

// NewServer starts a server for a test and closes it when the test ends.
func NewServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatalf("cloudtest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Close stops the server: stalled and delayed requests are released, connections closed, and Close returns
// once every handler has finished. It is safe to call more than once.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closing)
		s.hs.Close()
		s.active.Wait()
	})
}

// Client returns an http.Client for the server (no timeout; set one per request through the context).
func (s *Server) Client() *http.Client { return s.hs.Client() }

// SetRedirectURI sets the registered OAuth redirect URI (known only once the host has started).
func (s *Server) SetRedirectURI(uri string) {
	s.authMu.Lock()
	defer s.authMu.Unlock()
	s.redirectURI = uri
}

func (s *Server) now() time.Time { return s.opts.Now() }

// productName is what status.php and the realm call the product.
func (s *Server) productName() string { return s.flavor.ProductName }

// ServeHTTP routes a request. Exported so that the server can also be mounted in another mux.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.active.Add(1)
	defer s.active.Done()
	select {
	case <-s.closing:
		http.Error(w, "server closing", http.StatusServiceUnavailable)
		return
	default:
	}
	rel, ok := strings.CutPrefix(r.URL.Path, s.base)
	if !ok {
		if r.URL.Path+"/" == s.base {
			rel = ""
		} else {
			s.logRequest(r, "", http.StatusNotFound)
			s.notFoundPage(w)
			return
		}
	}
	ep, handler := s.route(rel)
	if ep == "" {
		s.logRequest(r, "", http.StatusNotFound)
		s.notFoundPage(w)
		return
	}
	s.count(ep, r.Method)
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() { s.logRequest(r, ep, rec.status) }()
	if f, ok := s.takeFault(ep, r.Method, r.URL.Path); ok {
		s.serveFault(rec, r, f, func(w http.ResponseWriter, r *http.Request) { handler(w, r, rel) })
		return
	}
	handler(rec, r, rel)
}

// routeFunc serves one endpoint; rel is the path below the base path.
type routeFunc func(w http.ResponseWriter, r *http.Request, rel string)

// route classifies a path below the base path.
func (s *Server) route(rel string) (string, routeFunc) {
	switch {
	case rel == "status.php":
		return EPStatus, s.serveStatus
	case rel == "index.php/apps/oauth2/authorize":
		return EPAuthorize, s.serveAuthorize
	case rel == "index.php/apps/oauth2/api/v1/token":
		return EPToken, s.serveToken
	case rel == "apps/oauth2/api/v1/token":
		return EPToken, s.redirectToLogin
	case strings.HasPrefix(rel, "apps/oauth2/"):
		return EPAuthorize, s.redirectToLogin
	case rel == "index.php/login" || rel == "login":
		return EPLogin, s.serveLogin
	case rel == "index.php/login/flow":
		return EPAuthorize, s.serveLoginFlow
	case rel == "index.php/login/flow/grant":
		return EPAuthorize, s.serveGrantPage
	case rel == "index.php/core/preview":
		return EPPreview, s.servePreview
	case rel == "ocs/v1.php/cloud/user" || rel == "ocs/v2.php/cloud/user":
		return EPUserinfo, s.serveUserinfo
	case rel == "ocs/v1.php/cloud/capabilities" || rel == "ocs/v2.php/cloud/capabilities":
		return EPCapabilities, s.serveCapabilities
	case strings.HasPrefix(rel, "ocs/v1.php/apps/files_sharing/api/v1/shares"),
		strings.HasPrefix(rel, "ocs/v2.php/apps/files_sharing/api/v1/shares"):
		return EPOCS, s.serveShares
	case rel == "ocs/v2.php/core/apppassword":
		return EPOCS, s.serveAppPassword
	case strings.HasPrefix(rel, "ocs/v1.php/") || strings.HasPrefix(rel, "ocs/v2.php/"):
		return EPOCS, s.serveOCSUnknown
	case rel == "remote.php/webdav" || strings.HasPrefix(rel, "remote.php/webdav/"),
		rel == "remote.php/dav" || strings.HasPrefix(rel, "remote.php/dav/"):
		return EPWebDAV, s.serveWebDAV
	case strings.HasPrefix(rel, "index.php/s/"),
		strings.HasPrefix(rel, "public.php/dav/files/"),
		rel == "public.php/webdav" || strings.HasPrefix(rel, "public.php/webdav/"):
		return EPPublic, s.servePublic
	}
	return "", nil
}

// statusRecorder remembers the status for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.status = code
		r.wroteHeader = true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	r.wroteHeader = true
	return r.ResponseWriter.Write(p)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *statusRecorder) Flush() {
	r.wroteHeader = true
	_ = http.NewResponseController(r.ResponseWriter).Flush()
}

// logRequest writes one line to Logf. Query strings (codes, states) and share tokens never reach it.
func (s *Server) logRequest(r *http.Request, ep string, status int) {
	if s.opts.Logf == nil {
		return
	}
	p := r.URL.Path
	if ep == EPPublic {
		p = redactPublicPath(strings.TrimPrefix(p, s.base))
	}
	s.opts.Logf("cloudtest: %s %s [%s] %d", r.Method, p, ep, status)
}

// redactPublicPath hides the share token in a public link path.
func redactPublicPath(rel string) string {
	for _, pre := range []string{"index.php/s/", "public.php/dav/files/"} {
		if rest, ok := strings.CutPrefix(rel, pre); ok {
			_, after, _ := strings.Cut(rest, "/")
			return pre + "***/" + after
		}
	}
	return rel
}

// lockSystem returns the lock system of one space ("u:alice", "p:token").
func (s *Server) lockSystem(key string) webdav.LockSystem {
	s.lsMu.Lock()
	defer s.lsMu.Unlock()
	ls := s.locks[key]
	if ls == nil {
		ls = webdav.NewMemLS()
		s.locks[key] = ls
	}
	return ls
}
