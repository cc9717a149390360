// Package service is ocrepo's application layer: the flows that span the store and the cloud. It logs users in
// to their cloud (OAuth state, PKCE, token persistence), keeps one token source per (user, issuer) that refreshes
// at most once per expiry across goroutines and replicas, lists folders through a short-lived bounded cache,
// streams imports into the host's file sink with progress, makes public links, manages access controlled links
// and the admin's issuers, instances and system accounts.
//
// It lives under internal/ so that hosts build on the repository facade only (ARCHITECTURE.md). Handlers
// (packages admin and picker) call the service and never the store; the service calls the store and the cloud client; nothing
// here knows about HTTP requests or templates. Every value a request needs comes from the store, so two replicas on
// one database behave as one.
package service

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
)

// Config wires a Service. Store, SigningKey, CallbackURL and Files are required; everything else has a default.
type Config struct {
	Store store.Store
	// SigningKey signs picker requests and controlled-link URLs (32 bytes or more).
	SigningKey []byte
	// CallbackURL is the absolute OAuth redirect URI admins register at every cloud.
	CallbackURL string
	// Files receives imported bytes.
	Files host.FileSink
	// Courses decides per-course enablement; nil: the store-backed default.
	Courses host.CourseSettings
	// LinkAccess decides who may open an access controlled link and who may edit it; nil: only the owner, read-only.
	LinkAccess host.ControlledLinkAccess
	// Items reports whether an LMS item still exists (orphan detection); nil: never orphaned.
	Items host.Items
	// Logger receives operator logs; nil: slog.Default(). No secret is ever logged.
	Logger *slog.Logger
	// Timeout bounds every call to a cloud (streams: the wait for headers and any stall); 0 means 30 s.
	Timeout time.Duration
	// AllowLoopback lets issuers point at 127.0.0.1 / ::1 (tests and the demo); without it loopback is refused
	// even for issuers with AllowPrivateNetwork. Private, link-local and cloud-metadata addresses need the
	// issuer's own AllowPrivateNetwork setting.
	AllowLoopback bool
	// HTTPTransport is the base transport for cloud calls; nil: a transport sized for many users. The service
	// wraps its dialer with the network guard unless it is set.
	HTTPTransport http.RoundTripper
	// ListingTTL is how long a folder listing is reused for paging, sorting, filtering and going back; 0 means
	// 60 s; negative disables the cache.
	ListingTTL time.Duration
	// ListingCacheEntries bounds the cache by the total number of entries held; 0 means 200,000.
	ListingCacheEntries int
	// LoginTTL is how long a login may take from the button to the callback; 0 means 15 minutes.
	LoginTTL time.Duration
	// MaxConcurrentImports bounds imports running at once in this process; 0 means 16.
	MaxConcurrentImports int
	// ImportLimits bound each user's running and unclaimed imports; zero fields take their defaults.
	ImportLimits ImportLimits
	// LinkURL is where the host links viewers to for an access controlled link (the mounted /link/{id} route).
	LinkURL func(id int64) string
	// LinkPolicy sets expiry and password rules for public links.
	LinkPolicy LinkPolicy
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// Metrics, when set, receives the service's Prometheus collectors (see metrics.go); nil: none registered.
	Metrics prometheus.Registerer
	// HealthInterval is how recent an answer must be for Health, and how often at most it probes an issuer; 0
	// means DefaultHealthInterval.
	HealthInterval time.Duration
}

// LinkPolicy is the admin's rule for public links made by the picker.
type LinkPolicy struct {
	ExpireAfter time.Duration // 0: links do not expire
}

// Service runs the flows. Safe for concurrent use.
type Service struct {
	cfg      Config
	store    store.Store
	log      *slog.Logger
	now      func() time.Time
	courses  host.CourseSettings
	guarded  *http.Client // refuses private networks
	open     *http.Client // for issuers that allow private networks
	holderID string       // this process, in token leases

	refreshes singleflight.Group
	revoking  singleflight.Group // pending revocation retries, one per issuer
	listings  *listingCache
	issuers   issuerCache

	importSlots chan struct{}
	importsMu   sync.Mutex
	imports     map[string]*runningImport
	importsWG   sync.WaitGroup
	background  sync.WaitGroup // revocation retries; guarded by importsMu with closed
	closed      bool
	lastSweep   atomic.Int64 // when this process last swept expired imports (Unix nanoseconds)

	metrics *metrics
	health  *healthTracker
}

// New checks cfg and returns a Service. It starts nothing.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("service: Config.Store is required")
	}
	if len(cfg.SigningKey) < 32 {
		return nil, errors.New("service: Config.SigningKey must be at least 32 bytes")
	}
	if cfg.Files == nil {
		return nil, errors.New("service: Config.Files is required")
	}
	u, err := url.Parse(cfg.CallbackURL)
	if err != nil || !u.IsAbs() || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("service: Config.CallbackURL %q must be an absolute http(s) URL", cfg.CallbackURL)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.ListingTTL == 0 {
		cfg.ListingTTL = 60 * time.Second
	}
	if cfg.ListingCacheEntries <= 0 {
		cfg.ListingCacheEntries = 200_000
	}
	if cfg.LoginTTL <= 0 {
		cfg.LoginTTL = 15 * time.Minute
	}
	if cfg.HealthInterval <= 0 {
		cfg.HealthInterval = DefaultHealthInterval
	}
	if cfg.MaxConcurrentImports <= 0 {
		cfg.MaxConcurrentImports = 16
	}
	cfg.ImportLimits = cfg.ImportLimits.withDefaults()
	s := &Service{
		cfg:         cfg,
		store:       cfg.Store,
		log:         cfg.Logger,
		now:         cfg.Now,
		courses:     cfg.Courses,
		holderID:    randomID(12),
		listings:    newListingCache(cfg.ListingCacheEntries, cfg.ListingTTL, cfg.Now),
		importSlots: make(chan struct{}, cfg.MaxConcurrentImports),
		imports:     map[string]*runningImport{},
		metrics:     newMetrics(),
		health:      newHealthTracker(),
	}
	if cfg.Metrics != nil {
		if err := s.metrics.register(cfg.Metrics); err != nil {
			return nil, fmt.Errorf("service: register metrics: %w", err)
		}
	}
	if s.courses == nil {
		s.courses = storeCourses{cfg.Store}
	}
	s.guarded, s.open = newHTTPClients(cfg.HTTPTransport, cfg.AllowLoopback)
	return s, nil
}

// Close cancels running imports and waits for them (and any revocation retry) to finish.
func (s *Service) Close() {
	s.importsMu.Lock()
	s.closed = true
	for _, r := range s.imports {
		r.cancel()
	}
	s.importsMu.Unlock()
	s.importsWG.Wait()
	s.background.Wait()
}

// CallbackURL is the OAuth redirect URI to register at every cloud.
func (s *Service) CallbackURL() string { return s.cfg.CallbackURL }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// Logger is the operator log.
func (s *Service) Logger() *slog.Logger { return s.log }

// clientFor builds the cloud client of an issuer. Clients are cheap (no network); the HTTP clients underneath are
// shared, so connections are reused across issuers and users.
func (s *Service) clientFor(iss store.Issuer) (*cloud.Client, error) {
	return s.clientWith(iss, s.httpClientFor(iss))
}

// httpClientFor is the shared HTTP client an issuer's calls go through: the guarded one unless the issuer allows
// private networks.
func (s *Service) httpClientFor(iss store.Issuer) *http.Client {
	if iss.AllowPrivateNetwork {
		return s.open
	}
	return s.guarded
}

// clientWith builds the cloud client of an issuer on hc. Endpoints the client does not use (an admin may keep
// others in the issuer's table) are left out.
func (s *Service) clientWith(iss store.Issuer, hc *http.Client) (*cloud.Client, error) {
	mappings := map[string]string{}
	for _, m := range iss.Mappings {
		mappings[m.External] = m.Internal
	}
	endpoints := map[string]string{}
	for _, e := range iss.Endpoints {
		if slices.Contains(cloud.EndpointNames(), e.Name) {
			endpoints[e.Name] = e.URL
		}
	}
	c, err := cloud.New(cloud.Config{
		BaseURL:      iss.BaseURL,
		ClientID:     iss.ClientID,
		ClientSecret: iss.ClientSecret,
		BasicAuth:    iss.BasicAuth,
		Endpoints:    endpoints,
		Mappings:     mappings,
		HTTPClient:   hc,
		Timeout:      s.cfg.Timeout,
		Observer:     s.observer(iss.ID),
	})
	if err != nil {
		return nil, fmt.Errorf("service: issuer %d: %w", iss.ID, err)
	}
	return c, nil
}

// issuerClient loads an issuer and builds its client.
func (s *Service) issuerClient(ctx context.Context, issuerID int64) (store.Issuer, *cloud.Client, error) {
	iss, err := s.issuerFor(ctx, issuerID)
	if err != nil {
		return store.Issuer{}, nil, fmt.Errorf("service: issuer %d: %w", issuerID, err)
	}
	c, err := s.clientFor(iss)
	if err != nil {
		return store.Issuer{}, nil, err
	}
	return iss, c, nil
}

// audit records an admin action; a failure to record is logged, not returned (the action itself succeeded).
func (s *Service) audit(ctx context.Context, actor host.User, action, target string, detail ...Message) {
	s.auditText(ctx, actor, action, target, StoreMessages(detail...))
}

// auditText records an action whose detail is text of its own format (a failed login's kind, read back by
// LastLoginFailure).
func (s *Service) auditText(ctx context.Context, actor host.User, action, target, detail string) {
	err := s.store.AddAudit(ctx, store.AuditEntry{At: s.now().UTC(), Actor: actor.ID, Action: action, Target: target, Detail: detail})
	if err != nil {
		s.log.ErrorContext(ctx, "ocrepo: audit entry not recorded", "action", action, "target", target, "err", err)
	}
}

// randomID returns n random bytes as base64url text (crypto/rand never fails since Go 1.24).
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// cleanPath makes a user-relative cloud path: a leading slash, no trailing slash (but "/"), no dot segments, no
// ".." above the root.
func cleanPath(p string) string { return path.Clean("/" + p) }

// storeCourses is the default course-level enablement, kept in the store.
type storeCourses struct{ st store.Store }

func (c storeCourses) InstanceEnabled(ctx context.Context, course string, instanceID int64) (bool, error) {
	return c.st.CourseInstanceEnabled(ctx, course, instanceID)
}

func (c storeCourses) SetInstanceEnabled(ctx context.Context, course string, instanceID int64, enabled bool) error {
	return c.st.SetCourseInstanceEnabled(ctx, course, instanceID, enabled)
}
