// Package repository brings ownCloud and Nextcloud files into a Go learning management system.
//
// A host creates one Repository with New, runs Migrate once at start-up, and mounts it on an Echo group:
//
//	repo, err := repository.New(repository.Config{
//		DB:        db,                  // *gorm.DB (gormsqlite.Open("ocrepo.db") or the host's PostgreSQL)
//		SecretKey: key,                 // 32 random bytes, kept secret: seals tokens at rest, signs URLs
//		PublicURL: "https://lms.example.org/cloud",
//		Users:     repository.UsersFunc(currentUser),
//		Admins:    repository.AdminsFunc(isSiteAdmin),
//		Files:     sink,                // receives imported files as streams
//	})
//	if err != nil { ... }
//	if err := repo.Migrate(ctx); err != nil { ... }
//	repo.Mount(e.Group("/cloud", hostAuth))
//
// The mounted group serves the admin pages (cloud servers, their system accounts, repository instances, the audit
// trail), the course settings page, the file picker with its login popup and the URL-resource chooser. Hosts open
// the picker with a signed, expiring URL from PickerURL, and receive what the user picked three ways: an htmx
// event (ocrepo:picked), a postMessage to the opener or parent frame, and a redirect to the request's ReturnTo with
// ?pick=<id>, which PickResult turns into the files.
//
// Everything that must outlive a request lives in the database, so several replicas on one PostgreSQL behave as
// one. Nothing starts in the background until a user imports a file; Close waits for running imports.
package repository

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"github.com/ocrepo/ocrepo/admin"
	"github.com/ocrepo/ocrepo/internal/i18n"
	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/picker"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/store/gormstore"
	"github.com/ocrepo/ocrepo/store/seal"
	"github.com/ocrepo/ocrepo/templates"
)

// The host-facing types, re-exported from package host so that hosts import one package.
type (
	User                     = host.User
	Users                    = host.Users
	UsersFunc                = host.UsersFunc
	Admins                   = host.Admins
	AdminsFunc               = host.AdminsFunc
	CourseManagers           = host.CourseManagers
	CourseManagersFunc       = host.CourseManagersFunc
	CourseSettings           = host.CourseSettings
	FileSink                 = host.FileSink
	FileSinkFunc             = host.FileSinkFunc
	FileRemover              = host.FileRemover
	FileInfo                 = host.FileInfo
	ControlledLinkAccess     = host.ControlledLinkAccess
	ControlledLinkAccessFunc = host.ControlledLinkAccessFunc
	ControlledLinkInfo       = host.ControlledLinkInfo
	Access                   = host.Access
	Items                    = host.Items
	ItemsFunc                = host.ItemsFunc
	ReturnType               = host.ReturnType
	Mode                     = host.Mode
	PickRequest              = host.PickRequest
	PickResult               = host.PickResult
	PickedFile               = host.PickedFile
	Languages                = host.Languages
	LanguagesFunc            = host.LanguagesFunc
	TimeZones                = host.TimeZones
	TimeZonesFunc            = host.TimeZonesFunc
	LinkPolicy               = service.LinkPolicy
	ImportLimits             = service.ImportLimits
)

// Re-exported constants.
const (
	ReturnImport         = host.ReturnImport
	ReturnLink           = host.ReturnLink
	ReturnControlledLink = host.ReturnControlledLink
	ReturnAny            = host.ReturnAny
	ModeFile             = host.ModeFile
	ModeURL              = host.ModeURL
	AccessNone           = host.AccessNone
	AccessView           = host.AccessView
	AccessEdit           = host.AccessEdit
)

// ErrNotSignedIn is what a Users hook returns for an anonymous request.
var ErrNotSignedIn = host.ErrNotSignedIn

// ErrNotFound is returned by lookups (PickResult) for unknown ids or another user's records.
var ErrNotFound = store.ErrNotFound

// Config configures a Repository. Fields marked required must be set; every other field documents its default.
type Config struct {
	// DB is the database (required unless Store is set). ocrepo's tables carry the prefix ocrepo_.
	DB *gorm.DB
	// Store replaces the GORM store with another implementation of store.Store (DB is then ignored, and
	// Migrate does nothing).
	Store store.Store
	// SecretKey (required, at least 32 bytes) seals client secrets and tokens at rest and signs picker URLs,
	// OAuth state and CSRF tokens. Keep it secret and stable; rotate with OldSecretKeys.
	SecretKey []byte
	// OldSecretKeys are earlier secret keys: values sealed with them still open; new values use SecretKey.
	OldSecretKeys [][]byte
	// PublicURL (required) is the absolute URL where the group is mounted, e.g. "https://lms.example.org/cloud".
	// The OAuth redirect URI to register at every cloud is PublicURL + "/callback".
	PublicURL string
	// Users (required) says who is signed in.
	Users host.Users
	// Admins (required) says who may manage cloud servers and instances.
	Admins host.Admins
	// CourseManagers says who may enable or disable instances for a course and see its controlled links;
	// default: site admins only.
	CourseManagers host.CourseManagers
	// Courses keeps per-course enablement; default: stored by ocrepo (every instance enabled until a course
	// manager disables it).
	Courses host.CourseSettings
	// Files (required) receives imported files.
	Files host.FileSink
	// LinkAccess decides who may open an access controlled link and who may edit it; default: only its owner,
	// read-only.
	LinkAccess host.ControlledLinkAccess
	// Items reports whether the LMS item of a controlled link still exists, for orphan detection; default: all do.
	Items host.Items
	// Logger receives operator logs; default slog.Default(). No secret is ever logged.
	Logger *slog.Logger
	// Timeout bounds every call to a cloud (for downloads: the wait for headers and any stall); default 30 s.
	Timeout time.Duration
	// PickerTTL is how long a picker URL stays valid; default 2 hours.
	PickerTTL time.Duration
	// HomeURL is the host's page that ocrepo's full pages (admin pages, course settings, controlled links, error
	// pages) link back to, a path on the host's origin such as "/"; default: no link. The picker, which lives in a
	// popup or an iframe, never shows it.
	HomeURL string
	// HomeName names the host in that link ("Back to Lakeside LMS"); default: the words for "the site" in the
	// user's language.
	HomeName string
	// FrameAncestors lists the origins allowed to embed the picker in an iframe (CSP frame-ancestors), one CSP
	// source each ("https://lms.example.org", "https://*.example.org", "'self'"); New refuses entries with spaces,
	// separators or quotes. Default: the host's own origin only.
	FrameAncestors []string
	// AllowLoopback lets cloud servers live on 127.0.0.1 / ::1 (tests, the demo); without it loopback is refused
	// even for issuers that allow private networks. Private, link-local and cloud-metadata addresses need the
	// issuer's own "allow private networks" setting; default: refused.
	AllowLoopback bool
	// HTTPTransport replaces the transport for cloud calls (the host then owns the network policy).
	HTTPTransport http.RoundTripper
	// LinkPolicy sets rules for public links; default: links do not expire.
	LinkPolicy LinkPolicy
	// ImportLimits bound what each user's imports may hold of the host's storage: imports running at once
	// (default 3), bytes of imports the host has not claimed yet (default 1 GiB), and how long an unclaimed
	// import is kept before its files are removed through Files' FileRemover (default 24 hours). PickResult
	// claims an import. A user over a limit is told so in the picker.
	ImportLimits ImportLimits
	// ListingTTL is how long a folder listing is reused for paging, sorting and going back; default 60 s.
	ListingTTL time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Metrics receives ocrepo's Prometheus collectors (ocrepo_*: cloud requests and their latency, token refreshes,
	// logins, imports, the listing cache, controlled links, connection checks); default nil: no metrics. Pass the
	// host's own registry; ocrepo never registers anything globally. New fails if a name is already registered.
	Metrics prometheus.Registerer
	// HealthInterval is how recent an answer from a cloud must be for Health to take the cloud for up without
	// asking, and how often at most Health reads an issuer's status.php; default 1 minute.
	HealthInterval time.Duration
	// Language says which language each user reads ocrepo's pages in (the language chosen in the LMS); default:
	// the browser's Accept-Language. Without a catalog for the language ocrepo falls back to the nearest one,
	// then to English. Shipped: English, German, French, Spanish, Brazilian Portuguese, Arabic.
	Language host.Languages
	// TimeZone says which time zone each user reads dates and times in; default: the server's.
	TimeZone host.TimeZones
	// Messages adds languages and overrides ocrepo's words: JSON catalog files at the root of the FS, named for
	// their language ("nl.json", "de.json"), in go-i18n's format ({"id": "text"}, plural forms as
	// {"id": {"one": "...", "other": "..."}}); the ids are those of ocrepo's English catalog. Default: none.
	Messages fs.FS
}

// ConfigError is a Config that New cannot use.
type ConfigError struct {
	Field   string
	Problem string
}

func (e *ConfigError) Error() string { return "repository: Config." + e.Field + ": " + e.Problem }

// Repository is a configured ocrepo. Safe for concurrent use.
type Repository struct {
	cfg       Config
	store     store.Store
	gorm      *gormstore.Store
	svc       *service.Service
	env       *web.Env
	publicURL *url.URL
	pickerTTL time.Duration
	now       func() time.Time
}

// New checks cfg and returns a Repository. It starts nothing and touches no network; run Migrate before
// serving.
func New(cfg Config) (*Repository, error) {
	if len(cfg.SecretKey) < 32 {
		return nil, &ConfigError{"SecretKey", "must be at least 32 bytes (for example 32 random bytes, kept secret)"}
	}
	pu, err := url.Parse(strings.TrimRight(cfg.PublicURL, "/"))
	if err != nil || !pu.IsAbs() || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return nil, &ConfigError{"PublicURL", "must be the absolute http(s) URL where the group is mounted"}
	}
	if pu.RawQuery != "" || pu.Fragment != "" {
		return nil, &ConfigError{"PublicURL", "must not carry a query or fragment"}
	}
	home := ""
	if cfg.HomeURL != "" {
		home = (&web.Env{HostOrigin: pu.Scheme + "://" + pu.Host}).SafeReturn(cfg.HomeURL, "")
		if home == "" {
			return nil, &ConfigError{"HomeURL", "must be a path or URL on the host's own origin"}
		}
	}
	if cfg.Users == nil {
		return nil, &ConfigError{"Users", "is required: it tells ocrepo who is signed in"}
	}
	if cfg.Admins == nil {
		return nil, &ConfigError{"Admins", "is required: it tells ocrepo who may manage cloud servers"}
	}
	if cfg.Files == nil {
		return nil, &ConfigError{"Files", "is required: it receives imported files"}
	}
	catalog, err := i18n.New(cfg.Messages)
	if err != nil {
		return nil, &ConfigError{"Messages", err.Error()}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PickerTTL <= 0 {
		cfg.PickerTTL = 2 * time.Hour
	}
	for i, fa := range cfg.FrameAncestors {
		if !validFrameAncestor(fa) {
			return nil, &ConfigError{fmt.Sprintf("FrameAncestors[%d]", i),
				"must be one origin or pattern such as https://lms.example.org, *.example.org, 'self' or 'none'"}
		}
	}
	for i, k := range cfg.OldSecretKeys {
		if len(k) < 32 {
			return nil, &ConfigError{fmt.Sprintf("OldSecretKeys[%d]", i), "must be at least 32 bytes"}
		}
	}
	r := &Repository{cfg: cfg, publicURL: pu, pickerTTL: cfg.PickerTTL, now: cfg.Now}
	if cfg.Store != nil {
		r.store = cfg.Store
	} else {
		if cfg.DB == nil {
			return nil, &ConfigError{"DB", "is required (or set Store)"}
		}
		keys, err := seal.NewKeyring(cfg.SecretKey, cfg.OldSecretKeys...)
		if err != nil {
			return nil, &ConfigError{"SecretKey", err.Error()}
		}
		gs, err := gormstore.New(cfg.DB, keys, gormstore.WithClock(cfg.Now))
		if err != nil {
			return nil, fmt.Errorf("repository: store: %w", err)
		}
		r.store, r.gorm = gs, gs
	}
	// The route table knows the entry points before Mount adds them: the URLs handed to hosts come from it.
	routes := web.NewRoutes()
	mount := strings.TrimSuffix(pu.Path, "/")
	routes.Declare("picker", mount+web.RoutePicker)
	routes.Declare("link", mount+web.RouteLink)
	routes.Declare("static", mount+web.RouteStatic)
	svc, err := service.New(service.Config{
		Store:          r.store,
		SigningKey:     seal.DeriveKey(cfg.SecretKey, "ocrepo sign v1"),
		CallbackURL:    pu.String() + "/callback",
		Files:          cfg.Files,
		Courses:        cfg.Courses,
		LinkAccess:     cfg.LinkAccess,
		Items:          cfg.Items,
		Logger:         cfg.Logger,
		Timeout:        cfg.Timeout,
		AllowLoopback:  cfg.AllowLoopback,
		HTTPTransport:  cfg.HTTPTransport,
		ListingTTL:     cfg.ListingTTL,
		LinkPolicy:     cfg.LinkPolicy,
		ImportLimits:   cfg.ImportLimits,
		LinkURL:        func(id int64) string { return routes.URL("link", id) },
		Now:            cfg.Now,
		Metrics:        cfg.Metrics,
		HealthInterval: cfg.HealthInterval,
	})
	if err != nil {
		return nil, fmt.Errorf("repository: %w", err)
	}
	r.svc = svc
	path := pu.Path
	if path == "" {
		path = "/"
	}
	r.env = &web.Env{
		Service:        svc,
		Users:          cfg.Users,
		Admins:         cfg.Admins,
		Managers:       cfg.CourseManagers,
		Logger:         cfg.Logger,
		CSRFKey:        seal.DeriveKey(cfg.SecretKey, "ocrepo csrf v1"),
		FrameAncestors: cfg.FrameAncestors,
		SecureCookies:  pu.Scheme == "https",
		CookiePath:     path,
		HostOrigin:     pu.Scheme + "://" + pu.Host,
		Routes:         routes,
		SiteName:       cfg.HomeName,
		Catalog:        catalog,
		Languages:      cfg.Language,
		TimeZones:      cfg.TimeZone,
	}
	if home != "" {
		r.env.Home = templates.HomeLink{URL: home, Name: cfg.HomeName}
	}
	return r, nil
}

// validFrameAncestor reports whether s is one CSP source expression that cannot add anything else to the
// policy: a keyword, or a scheme, host or origin without spaces, separators or quotes.
func validFrameAncestor(s string) bool {
	if s == "'self'" || s == "'none'" {
		return true
	}
	if s == "" {
		return false
	}
	for _, c := range s {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune(";,'\"\\", c) {
			return false
		}
	}
	return true
}

// Migrate creates or updates ocrepo's tables. Safe to run from several replicas at once.
func (r *Repository) Migrate(ctx context.Context) error {
	if r.gorm == nil {
		return nil
	}
	if err := r.gorm.Migrate(ctx); err != nil {
		return fmt.Errorf("repository: migrate: %w", err)
	}
	return nil
}

// Mount registers every route on g: the admin pages under /admin, the course settings under /course, the
// picker under /picker, the OAuth callback at /callback, access controlled links under /link and the assets
// under /static. g must be mounted at Config.PublicURL's path. Mount adds no middleware to g itself: every
// route carries its own (security headers, a body limit, the user, CSRF), GET routes answer HEAD, and what no
// route handles under the mount (an unknown path, a wrong method, OPTIONS) is answered by not-found routes on the
// mount's own paths, with the same security headers; the host's routes outside the mount are untouched.
func (r *Repository) Mount(g *echo.Group) {
	static := r.env.Static(r.env.Routes.Prefix("static"), templates.Static())
	r.env.HandlePublic(g, http.MethodGet, web.RouteStatic, "static", static)
	picker.Register(g, r.env)
	admin.Register(g, r.env)
	r.env.Fallbacks(g)
}

// PickerURL returns the signed, expiring URL (relative to the host's origin) that opens the picker for req.
// Expires defaults to now + Config.PickerTTL; Want to ReturnAny.
func (r *Repository) PickerURL(req PickRequest) string {
	if req.Expires.IsZero() {
		req.Expires = r.now().Add(r.pickerTTL)
	}
	if req.Want == 0 {
		req.Want = host.ReturnAny
	}
	return web.WithQuery(r.env.Routes.URL("picker"), "r", r.svc.SignPick(req))
}

// PickResult returns a completed pick by the id the picker handed back, if it belongs to userID. Looking it up
// claims it: its imported files are the host's from then on (they no longer count against the user's
// ImportLimits and are never removed as unclaimed).
func (r *Repository) PickResult(ctx context.Context, userID, id string) (PickResult, error) {
	res, err := r.svc.PickResult(ctx, userID, id)
	if err != nil {
		return PickResult{}, fmt.Errorf("repository: %w", err)
	}
	if err := r.svc.ClaimPick(ctx, id); err != nil {
		return PickResult{}, fmt.Errorf("repository: %w", err)
	}
	return res, nil
}

// SweepImports removes the imports nobody claimed within ImportLimits.UnclaimedTTL (their files through the
// FileRemover) and returns how many went. Starting imports sweeps now and then anyway; hosts with few imports may
// call it from a periodic job of their own. Replicas sweeping at once share the work.
func (r *Repository) SweepImports(ctx context.Context) (int, error) {
	n, err := r.svc.SweepImports(ctx)
	if err != nil {
		return n, fmt.Errorf("repository: %w", err)
	}
	return n, nil
}

// ControlledLinkURL is where the host links viewers to for an access controlled link (a path on the host's
// origin). Opening it asks the LinkAccess hook what the viewer may do.
func (r *Repository) ControlledLinkURL(id int64) string { return r.env.Routes.URL("link", id) }

// ControlledLink describes an access controlled link, for hosts that show it in their pages.
func (r *Repository) ControlledLink(ctx context.Context, id int64) (ControlledLinkInfo, error) {
	l, err := r.store.GetControlledLink(ctx, id)
	if err != nil {
		return ControlledLinkInfo{}, fmt.Errorf("repository: controlled link %d: %w", id, err)
	}
	return service.LinkInfo(l), nil
}

// MarkSubmitted locks an access controlled link once the host counts it as submitted: the student who picked it
// keeps read access only (an edit share they hold turns read-only at once); editors the host's LinkAccess allows
// keep edit access. Every other share of the copy that writes (re-shares, public links, shares made at the cloud)
// is removed. It waits for a grant of the same link in progress (on any replica) and is safe to call again; an
// error means the cloud's shares were not all checked, although the link is recorded as submitted.
func (r *Repository) MarkSubmitted(ctx context.Context, id int64) error {
	if err := r.svc.MarkSubmitted(ctx, id); err != nil {
		return fmt.Errorf("repository: %w", err)
	}
	return nil
}

// ImportStatus is an import job's state, as the picker shows it.
type ImportStatus = store.ImportJob

// AwaitImport waits until an import the user started has ended and returns its final state (hosts that want a
// synchronous import; tests). Its Name and Error are in English, the host's messages included (the picker says
// them in each viewer's language).
func (r *Repository) AwaitImport(ctx context.Context, u User, id string) (ImportStatus, error) {
	j, err := r.svc.AwaitImport(ctx, u, id)
	en := r.env.Catalog.For("en", "", time.UTC)
	j.Name, j.Error = web.SayStored(en, j.Name), web.SayStored(en, j.Error)
	if err != nil {
		return j, fmt.Errorf("repository: %w", err)
	}
	return j, nil
}

// CallbackURL is the OAuth redirect URI to register at every cloud server.
func (r *Repository) CallbackURL() string { return r.svc.CallbackURL() }

// Close stops running imports (they leave nothing behind) and waits for them.
func (r *Repository) Close() { r.svc.Close() }

// Static returns the embedded assets, for hosts that serve them from a CDN-free path of their own.
func Static() fs.FS { return templates.Static() }
