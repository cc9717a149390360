// Command load drives simulated users against one ocrepo process and reports throughput and latency per action.
//
// It starts everything in this process on random loopback ports: a fake Nextcloud (cloudtest) with one account
// per user, each holding a folder of small files; a host with ocrepo mounted on Echo over SQLite (or PostgreSQL
// with -postgres); and the users, each with their own cookies, who first log in through the popup flow (picker,
// login button, consent at the cloud, callback) and then, until the time is up, repeat one session:
//
//	list     reload the folder (GET /picker/list?reload=1: one PROPFIND)
//	page     three other pages of it (served from the listing cache)
//	sort     sort by size, descending (cache)
//	filter   filter by a name fragment (cache)
//	import   pick one small file to import (POST /picker/pick) and wait until it is stored
//
//	go run ./examples/load -users 50 -duration 30s
//	go run ./examples/load -users 200 -duration 30s -think 1s
//
// -postgres or -mysql put ocrepo's store on PostgreSQL or MariaDB (in a schema or database of its own, dropped at
// the end) instead of a SQLite file. -lms drives the demo LMS (go run ./examples/lms) running as another process
// instead, over HTTP only (see runRemote). A progress line on stderr shows time, actions, rate and errors while
// the users work; the summary gives throughput and p50/p95/p99 per action.
//
//	go run ./examples/load -users 50 -duration 20s -mysql "root@tcp(127.0.0.1:3306)/test"
//	go run ./examples/load -lms http://127.0.0.1:8080 -lms-cloud http://127.0.0.1:8081/ -users 10
//
// -host-process runs the host (ocrepo on Echo with its store) in a child process, this command in its -serve-host
// mode or the build -host-bin names (the same command built against another version of the library), and
// reports the actions per CPU-second of that process alone; the users and the fake cloud stay in this one:
//
//	go run ./examples/load -users 50 -duration 20s -host-process -cpuprofile host.prof
//	/tmp/load-new -users 50 -duration 20s -host-bin /tmp/load-old
//
// Users, the fake cloud and ocrepo share the machine, so the figures are a lower bound for ocrepo alone; the
// report names the machine (CPUs, Go version) and the CPU time each process used.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/store/gormstore"
	"github.com/ocrepo/ocrepo/store/gormstore/gormpostgres"
	"github.com/ocrepo/ocrepo/store/gormstore/gormsqlite"
	"github.com/ocrepo/ocrepo/store/seal"
)

// options are the command's flags.
type options struct {
	users      int
	duration   time.Duration
	files      int
	importSize int
	think      time.Duration
	postgres   string
	mysql      string
	lms        string
	lmsCloud   string
	lmsUsers   string
	timeout    time.Duration
	cpuProfile string
	// hostProcess runs the host in a child process: hostBin, or this command in its serveHost mode, which serves
	// the host alone against the fake cloud at cloudURL.
	hostProcess bool
	hostBin     string
	serveHost   bool
	cloudURL    string
}

func main() {
	var o options
	flag.IntVar(&o.users, "users", 50, "concurrent simulated users")
	flag.DurationVar(&o.duration, "duration", 30*time.Second, "how long the users work after logging in")
	flag.IntVar(&o.files, "files", 200, "files in each user's folder (50 to a page)")
	flag.IntVar(&o.importSize, "import-size", 64<<10, "bytes of each file the users import")
	flag.DurationVar(&o.think, "think", 0, "pause between a user's actions (0: none, the users go flat out)")
	flag.StringVar(&o.postgres, "postgres", "", "PostgreSQL DSN to use instead of a SQLite file (in a schema of its own, dropped at the end)")
	flag.StringVar(&o.mysql, "mysql", "", "MariaDB (or MySQL) DSN to use instead of a SQLite file, e.g. root@tcp(127.0.0.1:3306)/test (in a database of its own, dropped at the end)")
	flag.StringVar(&o.lms, "lms", "", "drive the demo LMS (go run ./examples/lms) running at this URL instead of a host in this process")
	flag.StringVar(&o.lmsCloud, "lms-cloud", "http://127.0.0.1:8081/", "with -lms: the base URL of the LMS's built-in test cloud")
	flag.StringVar(&o.lmsUsers, "lms-users", "alice", "with -lms: the demo accounts the users sign in as, in turn, comma separated (the session uses alice's files)")
	flag.DurationVar(&o.timeout, "timeout", time.Minute, "per-action timeout")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the work phase to this file (of the host process with -host-process)")
	flag.BoolVar(&o.hostProcess, "host-process", false, "run the host (ocrepo, Echo, the store) in a child process and measure its CPU alone; the users and the fake cloud stay in this one")
	flag.StringVar(&o.hostBin, "host-bin", "", "with -host-process: the binary to run as the host, another build of this command (default: this one)")
	flag.BoolVar(&o.serveHost, "serve-host", false, "serve the host alone against the fake cloud at -cloud-url (what -host-process starts)")
	flag.StringVar(&o.cloudURL, "cloud-url", "", "with -serve-host: the fake cloud's base URL")
	flag.Parse()
	if o.hostBin != "" {
		o.hostProcess = true
	}
	if o.users < 1 || o.files < 1 || o.duration <= 0 || o.importSize < 1 {
		log.Fatal("load: -users, -files, -duration and -import-size must be positive")
	}
	if o.postgres != "" && o.mysql != "" {
		log.Fatal("load: -postgres and -mysql exclude each other")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// host is ocrepo mounted on Echo, in this process or in a child process (-host-process), with the fake cloud it
// talks to, which always lives in this process.
type host struct {
	url   string // the host's base URL
	bin   string // the binary the host runs in, with -host-process
	cloud *cloudtest.Server
	inst  int64 // the repository instance the picker shows
	// token signs a pick request for the user; await waits until the user's import id has ended.
	token func(ctx context.Context, userID string) (string, error)
	await func(ctx context.Context, userID, id string) error
}

// userCookie names the signed-in host user; the load host trusts it.
const userCookie = "load_user"

// mount is where the host mounts ocrepo.
const mount = "/cloud"

// The fake cloud's OAuth client, registered as the host's issuer.
const clientID, clientSecret = "ocrepo-load", "load-client-secret"

// startCloud starts the fake cloud.
func startCloud() (*cloudtest.Server, error) {
	cl, err := cloudtest.New(cloudtest.Options{ClientID: clientID, ClientSecret: clientSecret, DisableBruteForce: true})
	if err != nil {
		return nil, fmt.Errorf("load: fake cloud: %w", err)
	}
	return cl, nil
}

// startHost starts the fake cloud and the host in this process; closeAll stops both and removes what they left.
func startHost(ctx context.Context, o options) (h *host, closeAll func(), err error) {
	cl, err := startCloud()
	if err != nil {
		return nil, nil, err
	}
	lh, closeHost, err := startLocalHost(ctx, o, cl.URL)
	if err != nil {
		cl.Close()
		return nil, nil, err
	}
	cl.SetRedirectURI(lh.url + mount + "/callback")
	closeAll = func() {
		closeHost()
		cl.Close()
	}
	return &host{url: lh.url, cloud: cl, inst: lh.inst.ID, token: lh.token, await: lh.await}, closeAll, nil
}

// localHost is ocrepo mounted on Echo in this process.
type localHost struct {
	url  string
	repo *repository.Repository
	inst store.Instance
}

// token is the signed pick request (the picker URL's r parameter) of a user of the course "load".
func (lh *localHost) token(_ context.Context, userID string) (string, error) {
	pu, err := url.Parse(lh.repo.PickerURL(repository.PickRequest{User: userID, Course: "load", Expires: time.Now().Add(24 * time.Hour)}))
	if err != nil {
		return "", err
	}
	return pu.Query().Get("r"), nil
}

// await waits until the user's import has ended; it is an error unless the import is done.
func (lh *localHost) await(ctx context.Context, userID, id string) error {
	j, err := lh.repo.AwaitImport(ctx, repository.User{ID: userID}, id)
	if err != nil {
		return err
	}
	if j.State != store.ImportDone {
		return fmt.Errorf("import ended %s: %s", j.State, j.Error)
	}
	return nil
}

// startLocalHost starts the host in this process, with the fake cloud at cloudURL as its issuer; closeAll stops it
// and removes what it left. The caller registers the host's callback at the cloud.
func startLocalHost(ctx context.Context, o options, cloudURL string) (lh *localHost, closeAll func(), err error) {
	var closers []func()
	closeAll = func() {
		for _, c := range slices.Backward(closers) {
			c()
		}
	}
	defer func() {
		if err != nil {
			closeAll()
		}
	}()
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	keys, err := seal.NewKeyring(secret)
	if err != nil {
		return nil, nil, fmt.Errorf("load: keyring: %w", err)
	}
	gdb, err := openDB(o, &closers)
	if err != nil {
		return nil, nil, err
	}
	if sqlDB, err := gdb.DB(); err == nil {
		closers = append(closers, func() { _ = sqlDB.Close() })
	}
	st, err := gormstore.New(gdb, keys)
	if err != nil {
		return nil, nil, fmt.Errorf("load: store: %w", err)
	}
	if err := st.Migrate(ctx); err != nil {
		return nil, nil, fmt.Errorf("load: migrate: %w", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("load: listen: %w", err)
	}
	base := "http://" + ln.Addr().String()
	repo, err := repository.New(repository.Config{
		Store:     st,
		SecretKey: secret,
		PublicURL: base + mount,
		Users:     repository.UsersFunc(currentUser),
		Admins:    repository.AdminsFunc(func(context.Context, repository.User) (bool, error) { return false, nil }),
		Files:     repository.FileSinkFunc(discard),
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		// The fake cloud lives on loopback.
		AllowLoopback: true,
	})
	if err != nil {
		_ = ln.Close()
		return nil, nil, fmt.Errorf("load: repository: %w", err)
	}
	closers = append(closers, repo.Close)
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	repo.Mount(e.Group(mount))
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	closers = append(closers, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	})

	iss, err := addIssuer(ctx, st, cloudURL, clientID, clientSecret)
	if err != nil {
		return nil, nil, err
	}
	inst, err := st.CreateInstance(ctx, store.Instance{Name: "Cloud files", IssuerID: iss.ID, ControlledLinkFolder: "LMS files",
		Supported: store.ReturnTypes(repository.ReturnImport | repository.ReturnLink), DefaultReturn: store.ReturnTypes(repository.ReturnImport),
		Enabled: true})
	if err != nil {
		return nil, nil, fmt.Errorf("load: instance: %w", err)
	}
	return &localHost{url: base, repo: repo, inst: inst}, closeAll, nil
}

// pgConns is the PostgreSQL connection pool: enough for two CPUs' worth of queries in flight, well under the
// server's default limit of 100 connections.
const pgConns = 32

// openDB opens a fresh schema in PostgreSQL when a DSN is given (dropped again by closers), else a fresh SQLite
// file in a temporary directory.
func openDB(o options, closers *[]func()) (*gorm.DB, error) {
	if o.postgres != "" {
		return openPostgres(o.postgres, closers)
	}
	if o.mysql != "" {
		return openMySQL(o.mysql, closers)
	}
	dir, err := os.MkdirTemp("", "ocrepo-load-")
	if err != nil {
		return nil, fmt.Errorf("load: temporary directory: %w", err)
	}
	*closers = append(*closers, func() { _ = os.RemoveAll(dir) })
	db, err := gormsqlite.Open(filepath.Join(dir, "ocrepo.db"))
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	return db, nil
}

// openPostgres creates a schema of its own in the database dsn names and opens a pool that uses it.
func openPostgres(dsn string, closers *[]func()) (*gorm.DB, error) {
	admin, err := gormpostgres.Open(dsn)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	adminSQL, err := admin.DB()
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "ocrepo_load_" + hex.EncodeToString(b)
	if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		_ = adminSQL.Close()
		return nil, fmt.Errorf("load: create schema: %w", err)
	}
	*closers = append(*closers, func() {
		_ = admin.Exec("DROP SCHEMA " + schema + " CASCADE").Error
		_ = adminSQL.Close()
	})
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		dsn += sep + "search_path=" + schema
	} else {
		dsn += " search_path=" + schema
	}
	db, err := gormpostgres.Open(dsn)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	// database/sql keeps 2 idle connections by default: under concurrent users every other query would open a
	// new PostgreSQL connection (a new server process). Keep a pool sized for the load.
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	sqlDB.SetMaxOpenConns(pgConns)
	sqlDB.SetMaxIdleConns(pgConns)
	return db, nil
}

// addIssuer registers the fake cloud with the Nextcloud preset.
func addIssuer(ctx context.Context, st store.Store, baseURL, clientID, clientSecret string) (store.Issuer, error) {
	eps, err := cloud.PresetEndpoints(cloud.Nextcloud, baseURL)
	if err != nil {
		return store.Issuer{}, fmt.Errorf("load: preset: %w", err)
	}
	iss := store.Issuer{Name: "Load cloud", BaseURL: baseURL, ClientID: clientID, ClientSecret: clientSecret, BasicAuth: true,
		Preset: string(cloud.Nextcloud)}
	for _, n := range slices.Sorted(maps.Keys(eps)) {
		iss.Endpoints = append(iss.Endpoints, store.Endpoint{Name: n, URL: eps[n]})
	}
	dm := cloud.DefaultMappings()
	for _, ext := range slices.Sorted(maps.Keys(dm)) {
		iss.Mappings = append(iss.Mappings, store.FieldMapping{External: ext, Internal: dm[ext]})
	}
	iss, err = st.CreateIssuer(ctx, iss)
	if err != nil {
		return store.Issuer{}, fmt.Errorf("load: issuer: %w", err)
	}
	return iss, nil
}

// currentUser trusts the load_user cookie: the users are simulated.
func currentUser(r *http.Request) (repository.User, error) {
	ck, err := r.Cookie(userCookie)
	if err != nil || ck.Value == "" {
		return repository.User{}, repository.ErrNotSignedIn
	}
	return repository.User{ID: ck.Value, Name: ck.Value}, nil
}

// discard is the host's file sink: it reads every byte and keeps none.
func discard(_ context.Context, _ repository.FileInfo, r io.Reader) (string, error) {
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		return "", err
	}
	return "discarded:" + strconv.FormatInt(n, 10), nil
}

// user is one simulated user: their host identity, their cloud account and their browser.
type user struct {
	id, cloudUser string
	c             *http.Client
	h             *host      // the host this command started; nil when driving a running LMS
	remote        *remoteLMS // the running LMS; nil in process
	base          string     // the host's base URL
	instID        int64      // the repository instance the picker shows
	token         string     // the signed pick request
	csrf          string
	imports       int
}

func newUser(ctx context.Context, h *host, n int, tr http.RoundTripper) (*user, error) {
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(h.url)
	id := "user" + strconv.Itoa(n)
	jar.SetCookies(u, []*http.Cookie{{Name: userCookie, Value: id, Path: "/"}})
	token, err := h.token(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("load: pick request of %s: %w", id, err)
	}
	return &user{id: id, cloudUser: "cloud" + strconv.Itoa(n), h: h, base: h.url, instID: h.inst, token: token,
		c: &http.Client{Transport: tr, Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}, nil
}

// do sends a request and reads the answer; a status other than want is an error.
func (u *user) do(ctx context.Context, method, path string, form url.Values, want int) (string, http.Header, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	target := path
	if !strings.HasPrefix(path, "http://") && !strings.HasPrefix(path, "https://") {
		target = u.base + path
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return "", nil, err
	}
	req.Header.Set("HX-Request", "true")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", u.csrf)
	}
	resp, err := u.c.Do(req)
	if err != nil {
		return "", nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", nil, err
	}
	if resp.StatusCode != want {
		return "", nil, fmt.Errorf("%s %s: status %d, want %d", method, strings.SplitN(path, "?", 2)[0], resp.StatusCode, want)
	}
	return string(b), resp.Header, nil
}

// query is the picker's r and i parameters with more pairs.
func (u *user) query(kv ...string) string {
	q := url.Values{"r": {u.token}, "i": {strconv.FormatInt(u.instID, 10)}}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return q.Encode()
}

// login goes through the popup flow: the picker, its login button, consent at the cloud, the callback.
func (u *user) login(ctx context.Context) error {
	page, _, err := u.do(ctx, http.MethodGet, mount+"/picker?"+u.query(), nil, http.StatusOK)
	if err != nil {
		return err
	}
	d, err := goquery.NewDocumentFromReader(strings.NewReader(page))
	if err != nil {
		return err
	}
	href, ok := d.Find(`[data-testid="login"]`).Attr("href")
	if !ok {
		return errors.New("the picker shows no login button")
	}
	_, hdr, err := u.do(ctx, http.MethodGet, href, nil, http.StatusFound)
	if err != nil {
		return err
	}
	to, err := url.Parse(hdr.Get("Location"))
	if err != nil {
		return err
	}
	callback := mount + "/callback?"
	if u.remote != nil {
		// Another process's test cloud: walk its login pages as a browser does (the demo's passwords are the names).
		back, err := cloudtest.WalkLogin(ctx, u.c, u.remote.cloudURL, to.String(), u.cloudUser, u.cloudUser)
		if err != nil {
			return err
		}
		callback = back.String()
	} else {
		state := to.Query().Get("state")
		code := u.h.cloud.AuthorizeCode(u.cloudUser, state, to.Query().Get("code_challenge"))
		callback += url.Values{"state": {state}, "code": {code}}.Encode()
	}
	body, _, err := u.do(ctx, http.MethodGet, callback, nil, http.StatusOK)
	if err != nil {
		return err
	}
	if !strings.Contains(body, `data-testid="login-ok"`) {
		return errors.New("the callback did not confirm the login")
	}
	page, _, err = u.do(ctx, http.MethodGet, mount+"/picker?"+u.query(), nil, http.StatusOK)
	if err != nil {
		return err
	}
	csrf, ok := between(page, `<meta name="csrf-token" content="`, `"`)
	if !ok {
		return errors.New("no CSRF token in the picker")
	}
	u.csrf = csrf
	return nil
}

// The actions of a session.

func (u *user) list(ctx context.Context, kv ...string) error {
	folder := "/Docs"
	if u.remote != nil {
		folder = u.remote.folder
	}
	body, _, err := u.do(ctx, http.MethodGet, mount+"/picker/list?"+u.query(append([]string{"path", folder}, kv...)...), nil, http.StatusOK)
	if err == nil && !strings.Contains(body, `data-testid="row"`) {
		err = errors.New("a listing without rows")
	}
	return err
}

// between returns the text of s between the first before and the after that follows it.
func between(s, before, after string) (string, bool) {
	_, rest, ok := strings.Cut(s, before)
	if !ok {
		return "", false
	}
	v, _, ok := strings.Cut(rest, after)
	return v, ok && v != ""
}

func (u *user) importOne(ctx context.Context) error {
	u.imports++
	p := fmt.Sprintf("/Docs/import-%02d.pdf", u.imports%importFiles)
	if u.remote != nil {
		p = u.remote.importPath
	}
	form := url.Values{"r": {u.token}, "i": {strconv.FormatInt(u.instID, 10)}, "as": {"import"}, "path": {p}}
	body, _, err := u.do(ctx, http.MethodPost, mount+"/picker/pick", form, http.StatusAccepted)
	if err != nil {
		return err
	}
	id, ok := between(body, `id="status-`, `"`)
	if !ok {
		return errors.New("no import status in the answer")
	}
	if u.remote != nil {
		return u.awaitRemote(ctx, id)
	}
	return u.h.await(ctx, u.id, id)
}

// importFiles is how many distinct files each user imports in turn.
const importFiles = 5

// action is one measured step of a session.
type action struct {
	name string
	run  func(ctx context.Context, u *user) error
}

func session(o options) []action {
	pages := max(1, (o.files+importFiles+49)/50)
	var acts []action
	acts = append(acts, action{"list", func(ctx context.Context, u *user) error { return u.list(ctx, "reload", "1") }})
	for i := range 3 {
		pg := strconv.Itoa(2 + i%max(1, pages-1))
		acts = append(acts, action{"page", func(ctx context.Context, u *user) error { return u.list(ctx, "page", pg) }})
	}
	acts = append(acts,
		action{"sort", func(ctx context.Context, u *user) error { return u.list(ctx, "sort", "size", "desc", "1") }},
		action{"filter", func(ctx context.Context, u *user) error { return u.list(ctx, "filter", "file-0000") }},
		action{"import", func(ctx context.Context, u *user) error { return u.importOne(ctx) }},
	)
	return acts
}

// stats collects latencies per action.
type stats struct {
	mu     sync.Mutex
	lat    map[string][]time.Duration
	errs   map[string]int
	sample []string
}

func (s *stats) add(name string, d time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.errs[name]++
		if len(s.sample) < 5 {
			s.sample = append(s.sample, name+": "+err.Error())
		}
		return
	}
	s.lat[name] = append(s.lat[name], d)
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// ms formats a duration in milliseconds.
func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) }

// table writes one Markdown row per action and a total, in the order given.
func (s *stats) table(w io.Writer, names []string, window time.Duration) {
	fmt.Fprintln(w, "| action | done | errors | per second | p50 ms | p95 ms | p99 ms | max ms |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
	total, totalErrs := 0, 0
	for _, n := range names {
		l := slices.Clone(s.lat[n])
		slices.Sort(l)
		total += len(l)
		totalErrs += s.errs[n]
		rate := "-"
		if window > 0 {
			rate = strconv.FormatFloat(float64(len(l))/window.Seconds(), 'f', 1, 64)
		}
		fmt.Fprintf(w, "| %s | %d | %d | %s | %s | %s | %s | %s |\n", n, len(l), s.errs[n], rate,
			ms(percentile(l, 0.5)), ms(percentile(l, 0.95)), ms(percentile(l, 0.99)), ms(percentile(l, 1)))
	}
	if window > 0 {
		fmt.Fprintf(w, "| all | %d | %d | %.1f | | | | |\n", total, totalErrs, float64(total)/window.Seconds())
	}
}

func run(ctx context.Context, o options, w io.Writer) error {
	if o.serveHost {
		return serveHost(ctx, o, os.Stdin, os.Stdout)
	}
	if o.lms != "" {
		return runRemote(ctx, o, w)
	}
	var (
		h        *host
		closeAll func()
		m        meter
		err      error
	)
	if o.hostProcess {
		h, m, closeAll, err = startChildHost(ctx, o)
	} else {
		h, closeAll, err = startHost(ctx, o)
		m = newSelfMeter("process (host, fake cloud and users)", "whole process", o.cpuProfile)
	}
	if err != nil {
		return err
	}
	defer closeAll()
	for n := range o.users {
		cu := "cloud" + strconv.Itoa(n)
		h.cloud.AddUser(cu, cu, "", "Load user "+strconv.Itoa(n))
		h.cloud.SeedFolder(cu, "/Docs", o.files)
		for k := range importFiles {
			// Generated content: the fake cloud holds no bytes for it, so the process's heap is ocrepo's.
			h.cloud.SeedGeneratedFile(cu, fmt.Sprintf("/Docs/import-%02d.pdf", k), int64(o.importSize))
		}
	}
	tr := &http.Transport{MaxIdleConns: 2 * o.users, MaxIdleConnsPerHost: 2 * o.users, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	users := make([]*user, o.users)
	for n := range users {
		if users[n], err = newUser(ctx, h, n, tr); err != nil {
			return err
		}
	}

	db := "SQLite (WAL, one file)"
	switch {
	case o.postgres != "":
		db = "PostgreSQL"
	case o.mysql != "":
		db = "MariaDB/MySQL"
	}
	fmt.Fprintf(w, "ocrepo load: %d users, %s, %d files a folder, %d-byte imports, think %s, %s\n",
		o.users, o.duration, o.files, o.importSize, o.think, db)
	shared := "users, fake cloud and ocrepo share it in one process"
	if o.hostProcess {
		shared = "ocrepo runs in a process of its own (" + h.bin + "); the users and the fake cloud in this one"
	}
	fmt.Fprintf(w, "machine: %d CPUs (GOMAXPROCS %d), %s %s/%s; %s\n\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), runtime.GOOS, runtime.GOARCH, shared)
	return work(ctx, o, w, users, m, h.cloud.ResetCounts, func(w io.Writer, window time.Duration) {
		fmt.Fprintf(w, "\ncloud requests: %d PROPFIND, %d GET, %d token (%.1f a second)\n",
			h.cloud.CountMethod(cloudtest.EPWebDAV, "PROPFIND"), h.cloud.CountMethod(cloudtest.EPWebDAV, http.MethodGet),
			h.cloud.Count(cloudtest.EPToken), float64(h.cloud.Count(cloudtest.EPWebDAV))/window.Seconds())
	})
}

// work logs every user in at once, then lets them repeat the session until the time is up, and writes the
// summary: per action throughput, p50/p95/p99 and errors, then what cloudReport adds, then the CPU and memory m
// measured over the work and the actions per CPU-second of it. beforeWork runs between the logins and the work.
func work(ctx context.Context, o options, w io.Writer, users []*user, m meter, beforeWork func(),
	cloudReport func(w io.Writer, window time.Duration)) error {
	// Everybody logs in at once.
	logins := &stats{lat: map[string][]time.Duration{}, errs: map[string]int{}}
	start := time.Now()
	var wg sync.WaitGroup
	for _, u := range users {
		wg.Go(func() {
			actx, cancel := context.WithTimeout(ctx, o.timeout)
			defer cancel()
			t0 := time.Now()
			err := u.login(actx)
			logins.add("login", time.Since(t0), err)
		})
	}
	wg.Wait()
	loginWall := time.Since(start)
	if n := logins.errs["login"]; n > 0 {
		return fmt.Errorf("load: %d of %d logins failed: %s", n, o.users, strings.Join(logins.sample, "; "))
	}
	fmt.Fprintf(w, "logins: %d users in %s (all at once)\n\n", o.users, loginWall.Round(time.Millisecond))
	logins.table(w, []string{"login"}, 0)
	fmt.Fprintln(w)

	// Then they work until the time is up.
	beforeWork()
	acts := session(o)
	st := &stats{lat: map[string][]time.Duration{}, errs: map[string]int{}}
	if err := m.begin(ctx); err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	start = time.Now()
	shown := showProgress(wctx, os.Stderr, st, start, o.duration, 2*time.Second)
	for _, u := range users {
		wg.Go(func() {
			for {
				for _, a := range acts {
					if wctx.Err() != nil {
						return
					}
					actx, cancel := context.WithTimeout(ctx, o.timeout)
					t0 := time.Now()
					err := a.run(actx, u)
					cancel()
					if wctx.Err() != nil && err != nil {
						return // cut off by the end of the window: neither a result nor an error
					}
					st.add(a.name, time.Since(t0), err)
					if o.think > 0 {
						select {
						case <-wctx.Done():
							return
						case <-time.After(o.think):
						}
					}
				}
			}
		})
	}
	wg.Wait()
	window := time.Since(start)
	<-shown
	use, err := m.end(ctx)
	if err != nil {
		return err
	}

	fmt.Fprintf(w, "work: %s\n\n", window.Round(time.Millisecond))
	st.table(w, []string{"list", "page", "sort", "filter", "import"}, window)
	cloudReport(w, window)
	done := 0
	for _, l := range st.lat {
		done += len(l)
	}
	use.report(w, window, done)
	if len(st.sample) > 0 {
		fmt.Fprintf(w, "first errors: %s\n", strings.Join(st.sample, "; "))
	}
	return nil
}
