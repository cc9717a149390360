package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/store/gormstore"
	"github.com/ocrepo/ocrepo/store/gormstore/gormsqlite"
	"github.com/ocrepo/ocrepo/store/seal"
)

// Options configure the demo. The zero value of each field is its documented default.
type Options struct {
	// Addr is where the LMS listens; default 127.0.0.1:8080. Port 0 picks a free one.
	Addr string
	// DataDir holds the SQLite database, the secret key and the imported files; default ./lms-data.
	DataDir string

	// CloudURL points the demo at a real Nextcloud or ownCloud (its base URL). Empty: the built-in test cloud.
	CloudURL string
	// ClientID and ClientSecret are the OAuth client registered at the real cloud.
	ClientID, ClientSecret string
	// Product is the real cloud's kind for the preset endpoints: "nextcloud" (default) or "owncloud".
	Product string

	// TestCloudAddr is where the built-in test cloud listens; default 127.0.0.1:8081.
	TestCloudAddr string
	// NoSeed leaves ocrepo unconfigured on the first start (an admin sets it up on the admin pages).
	NoSeed bool

	// Logger receives the LMS's and ocrepo's logs; default: text to stderr, warnings and errors only.
	Logger *slog.Logger
	// Verbose logs every request to the test cloud.
	Verbose bool
	// Out receives the welcome text; default os.Stdout.
	Out io.Writer
	// Ready, if set, is called once the LMS serves requests.
	Ready func(Info)
	// Now is the clock; default time.Now.
	Now func() time.Time

	// testCloud, if set, receives the built-in test cloud once it runs (tests inject faults through it).
	testCloud func(*cloudtest.Server)
}

// Info describes a running demo.
type Info struct {
	URL          string // the LMS, e.g. http://127.0.0.1:8080
	CloudURL     string // the cloud's base URL, with a trailing slash
	TestCloud    bool   // the cloud is the built-in test cloud
	ClientID     string // the OAuth client at the test cloud (to set ocrepo up by hand)
	ClientSecret string
	CallbackURL  string // the OAuth redirect URI to register at the cloud
	DataDir      string
	Seeded       bool // ocrepo was set up on this start
}

func (o *Options) defaults() {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:8080"
	}
	if o.TestCloudAddr == "" {
		o.TestCloudAddr = "127.0.0.1:8081"
	}
	if o.DataDir == "" {
		o.DataDir = "lms-data"
	}
	if o.Product == "" {
		o.Product = string(cloud.Nextcloud)
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Run starts the demo LMS and serves until ctx ends, then shuts down in order: stop taking requests, let
// running imports finish or cancel (repo.Close), stop the test cloud, close the database.
func Run(ctx context.Context, o Options) (err error) {
	o.defaults()
	log := o.Logger
	product := cloud.FlavorID(o.Product)
	if product != cloud.Nextcloud && product != cloud.OwnCloud {
		return fmt.Errorf("lms: unknown product %q (nextcloud or owncloud)", o.Product)
	}
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return fmt.Errorf("lms: data folder: %w", err)
	}
	key, err := loadOrCreateKey(filepath.Join(o.DataDir, "secret.key"))
	if err != nil {
		return err
	}

	gdb, err := gormsqlite.Open(filepath.Join(o.DataDir, "lms.db"))
	if err != nil {
		return fmt.Errorf("lms: %w", err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return fmt.Errorf("lms: %w", err)
	}
	defer func() { err = errors.Join(err, sqlDB.Close()) }()
	db := DB{g: gdb}
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	if err := seedLMS(ctx, db, o.Now()); err != nil {
		return err
	}
	// ocrepo's store on the same database (tables ocrepo_*). The demo keeps a handle on it to set ocrepo up on
	// the first start; a host that sets up by hand passes Config.DB instead.
	keys, err := seal.NewKeyring(key)
	if err != nil {
		return fmt.Errorf("lms: %w", err)
	}
	st, err := gormstore.New(gdb, keys)
	if err != nil {
		return fmt.Errorf("lms: %w", err)
	}
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("lms: %w", err)
	}

	ln, err := listen(o.Addr, "-addr")
	if err != nil {
		return err
	}
	defer ln.Close()
	lmsURL := "http://" + ln.Addr().String()
	publicURL := lmsURL + mountPath
	info := Info{URL: lmsURL, CallbackURL: publicURL + "/callback", DataDir: o.DataDir}

	var fake *cloudtest.Server
	target := cloudTarget{BaseURL: o.CloudURL, ClientID: o.ClientID, ClientSecret: o.ClientSecret, Product: product}
	if o.CloudURL == "" {
		cln, err := listen(o.TestCloudAddr, "-test-cloud-addr")
		if err != nil {
			return err
		}
		var logf func(string, ...any)
		if o.Verbose {
			logf = func(format string, args ...any) { log.Info(fmt.Sprintf(format, args...)) }
		}
		fake, err = startTestCloud(cln, info.CallbackURL, logf)
		if err != nil {
			_ = cln.Close()
			return err
		}
		defer fake.Close()
		if o.testCloud != nil {
			o.testCloud(fake)
		}
		target = cloudTarget{Name: "Demo Nextcloud", BaseURL: fake.URL, ClientID: testClientID, ClientSecret: testClientSecret,
			Product: cloud.Nextcloud}
		info.TestCloud, info.ClientID, info.ClientSecret = true, testClientID, testClientSecret
	} else {
		if !strings.HasSuffix(target.BaseURL, "/") {
			target.BaseURL += "/"
		}
		target.Name = "Your Nextcloud"
		if product == cloud.OwnCloud {
			target.Name = "Your ownCloud"
		}
	}
	info.CloudURL = target.BaseURL

	sink, err := NewDiskSink(filepath.Join(o.DataDir, "files"))
	if err != nil {
		return err
	}
	sess := sessions{key: seal.DeriveKey(key, "lms session v1"), now: o.Now}
	hooks := &Hooks{db: db, sessions: sess}
	// ocrepo counts into a registry of the LMS's own (never the global one), served at /metrics with the Go
	// runtime's and the process's figures.
	reg := prometheus.NewRegistry()
	if err := errors.Join(reg.Register(collectors.NewGoCollector()),
		reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))); err != nil {
		return fmt.Errorf("lms: metrics: %w", err)
	}
	// Every hook but Courses comes from the LMS (hooks.go, sink.go); Courses stays nil, so ocrepo keeps the
	// per-course switches itself, on its course settings page.
	repo, err := repository.New(repository.Config{
		Store:          st,
		SecretKey:      key,
		PublicURL:      publicURL,
		Users:          hooks,
		Admins:         hooks,
		CourseManagers: hooks,
		Files:          sink,
		LinkAccess:     hooks,
		Items:          hooks,
		Logger:         log,
		AllowLoopback:  true, // the test cloud, or a Nextcloud in a container on this machine
		HomeURL:        "/",  // ocrepo's admin and link pages link back here
		HomeName:       "Lakeside LMS",
		Language:       hooks, // the language menu (language.go)
		Now:            o.Now,
		Metrics:        reg,
	})
	if err != nil {
		return fmt.Errorf("lms: %w", err)
	}
	defer repo.Close()

	// After a restart, make up for what the in-memory test cloud forgot; on the first start, set ocrepo up: a
	// cloud server and an instance (with the test cloud also its system account).
	if fake != nil {
		if err := reviveTestCloud(ctx, db, st, fake, log); err != nil {
			return err
		}
	}
	if !o.NoSeed && (fake != nil || (o.ClientID != "" && o.ClientSecret != "")) {
		iss, seeded, err := seedOcrepo(ctx, db, st, target, o.Now())
		if err != nil {
			return err
		}
		if seeded && fake != nil {
			if err := connectTestSystemAccount(ctx, st, fake, iss.ID, systemAccount); err != nil {
				return err
			}
		}
		info.Seeded = seeded
	}

	pages, err := parsePages()
	if err != nil {
		return err
	}
	a := &app{db: db, repo: repo, st: st, sink: sink, sessions: sess, pages: pages, log: log, cloud: fake, now: o.Now,
		metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)})}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Listener = ln
	e.Server.ReadHeaderTimeout = 30 * time.Second
	e.Server.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	a.routes(e)

	served := make(chan error, 1)
	go func() { served <- e.Start("") }()
	printWelcome(ctx, o.Out, a, info)
	if o.Ready != nil {
		o.Ready(info)
	}
	select {
	case err := <-served:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("lms: serve: %w", err)
		}
		return nil
	case <-ctx.Done():
	}
	fmt.Fprintln(o.Out, "Stopping...")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := e.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("lms: shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("lms: serve: %w", err)
	}
	return nil
}

// listen opens a TCP listener with a hint when the port is taken.
func listen(addr, flagName string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("lms: %s is in use by another program; start with %s 127.0.0.1:<another port>: %w", addr, flagName, err)
	}
	if err != nil {
		return nil, fmt.Errorf("lms: listen on %s: %w", addr, err)
	}
	return ln, nil
}

// loadOrCreateKey reads the site's secret key (64 hex digits), creating it with 0600 permissions on the first
// start. It seals ocrepo's tokens at rest and signs sessions: lose it and every stored login is void.
func loadOrCreateKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		key, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("lms: %s is not 64 hex digits; delete the data folder to start over", path)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("lms: read key: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("lms: new key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lms: write key: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("lms: write key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("lms: write key: %w", err)
	}
	return key, nil
}

// printWelcome says where to go and what to do first.
func printWelcome(ctx context.Context, w io.Writer, a *app, info Info) {
	fmt.Fprintf(w, "\nLakeside LMS, a demo of ocrepo, is running.\n\n  Open %s\n\n", info.URL)
	if info.TestCloud {
		setup, err := a.setupStatus(ctx)
		ready := err == nil && setup.Ready
		if ready {
			fmt.Fprintf(w, "First steps:\n"+
				"  1. Sign in as Alice Martin (student) with the switcher at the top: no passwords in the demo.\n"+
				"  2. Open BIO101, then \"Lab report: photosynthesis\", and press \"Choose a file from your cloud\".\n"+
				"  3. Log in to the test cloud as alice / alice, pick \"Lab report - photosynthesis.pdf\", and submit.\n"+
				"  4. Switch to Bob Okafor (teacher) to see the submission; Dana Whitfield (site admin) sees the admin pages.\n\n")
		} else {
			fmt.Fprintf(w, "ocrepo is not set up yet. Sign in as Dana Whitfield (site admin): the start page walks you through it.\n\n")
		}
		fmt.Fprintf(w, "Test cloud (a fake Nextcloud inside this process): %s\n", info.CloudURL)
		fmt.Fprintf(w, "  accounts alice, bob, carol, dana and %s; each password is the account name\n", systemAccount)
		fmt.Fprintf(w, "  OAuth client id %s, secret %s, redirect URI %s\n\n", info.ClientID, info.ClientSecret, info.CallbackURL)
	} else {
		fmt.Fprintf(w, "Cloud: %s\n", info.CloudURL)
		fmt.Fprintf(w, "  Register an OAuth 2 client there (Nextcloud: Administration settings > Security > OAuth 2.0 clients;\n"+
			"  ownCloud: Settings > Admin > User authentication) with this redirect URI:\n\n      %s\n\n", info.CallbackURL)
		setup, err := a.setupStatus(ctx)
		_, known := issuerFor(ctx, a.st, info.CloudURL)
		switch {
		case err == nil && setup.Ready:
			fmt.Fprintf(w, "  ocrepo is set up for this cloud. Sign in, open an assignment and log in to the cloud with a real account.\n\n")
		case known == nil:
			fmt.Fprintf(w, "  The cloud server and an instance are set up. Sign in as Dana Whitfield (site admin), open\n"+
				"  %s/cloud/admin and connect the system account (a dedicated cloud account, not your own).\n\n", info.URL)
		default:
			fmt.Fprintf(w, "  Then sign in as Dana Whitfield (site admin) and add the cloud server at %s/cloud/admin\n"+
				"  (or restart with -client-id and -client-secret to have it added for you).\n\n", info.URL)
		}
	}
	fmt.Fprintf(w, "For the operator: metrics at %s/metrics, cloud health at %s/healthz and on %s/cloud/admin/health.\n",
		info.URL, info.URL, info.URL)
	fmt.Fprintf(w, "Data: %s (delete it to start over). Stop with Ctrl-C.\n\n", info.DataDir)
}
