// Package repositorytest runs a small host application with ocrepo mounted, against an in-process fake cloud,
// for tests: ocrepo's own, and a host's tests of its integration. Like net/http/httptest it binds random loopback
// ports and cleans up after the test.
//
// The host knows the users "admin" (a site admin), "teacher" (manages every course), "student" and "student2",
// and any number of further students "student3", "student4", ... without cloud accounts.
// A client for a user carries that user's sign-in cookie and the CSRF token the pages hand out. The fake cloud
// knows matching accounts "alice" (student), "bob" (teacher), "carol" (student2), "dana" (admin) and
// "lms-system" (the system account), with passwords equal to their names.
package repositorytest

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/store/gormstore"
	"github.com/ocrepo/ocrepo/store/gormstore/gormsqlite"
	"github.com/ocrepo/ocrepo/store/gormstore/gormtest"
	"github.com/ocrepo/ocrepo/store/seal"
)

// The host users and their cloud accounts.
var cloudUsers = map[string]string{"admin": "dana", "teacher": "bob", "student": "alice", "student2": "carol"}

// CloudUser is the cloud account that belongs to a host user ("student" -> "alice").
func CloudUser(hostUser string) string { return cloudUsers[hostUser] }

// SystemUser is the cloud account used as the system account.
const SystemUser = "lms-system"

// Mount is where the host mounts ocrepo.
const Mount = "/cloud"

// ClientID and ClientSecret are the OAuth client registered at the fake cloud.
const (
	ClientID     = "ocrepo-test"
	ClientSecret = "s3cret-client-value"
)

// Options adjust a Host.
type Options struct {
	Cloud cloudtest.Options // ClientID, ClientSecret, RedirectURI and Now are set by New
	// Config adjusts the repository configuration before New.
	Config func(*repository.Config)
	// Logger receives ocrepo's logs; default: discarded.
	Logger *slog.Logger
	// Postgres runs the host on a PostgreSQL schema of its own (gormtest.PostgresSchema) instead of SQLite; the
	// test is skipped, saying so, when OCREPO_TEST_POSTGRES_DSN is not set.
	Postgres bool
	// Budget is how long the test may take from New before requests through the Host's clients fail; default
	// TestBudget.
	Budget time.Duration
}

// Host is a running host application with ocrepo mounted.
type Host struct {
	URL   string // the host's base URL
	Repo  *repository.Repository
	Cloud *cloudtest.Server
	Store store.Store
	// DB is the host's database handle (for tests that watch the queries ocrepo sends).
	DB     *gorm.DB
	Files  *MemorySink
	Clock  *Clock
	Echo   *echo.Echo
	Access *AccessRules
	flavor cloud.FlavorID
	srv    *httptest.Server
	// deadline ends every request of the Host's clients (zero for benchmarks: none).
	deadline time.Time
	testName string
}

// New starts a host with a fresh SQLite database in t.TempDir().
func New(t testing.TB, opts Options) *Host {
	t.Helper()
	clock := &Clock{}
	copts := opts.Cloud
	copts.ClientID, copts.ClientSecret, copts.Now = ClientID, ClientSecret, clock.Now
	cl := cloudtest.NewServer(t, copts)
	for hostUser, u := range cloudUsers {
		cl.AddUser(u, u, u+"@example.org", strings.ToUpper(u[:1])+u[1:]+" ("+hostUser+")")
	}
	cl.AddUser(SystemUser, SystemUser, "", "LMS system")

	var db *gorm.DB
	if opts.Postgres {
		db = gormtest.OpenPostgres(t, gormtest.PostgresSchema(t))
	} else {
		var err error
		if db, err = gormsqlite.Open(filepath.Join(t.TempDir(), "ocrepo.db")); err != nil {
			t.Fatalf("repositorytest: open sqlite: %v", err)
		}
	}
	if sqlDB, err := db.DB(); err == nil && !opts.Postgres {
		// Registered before the host's own cleanups, so it runs after they have stopped using the database.
		t.Cleanup(func() { _ = sqlDB.Close() })
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	keys, err := seal.NewKeyring(secret)
	if err != nil {
		t.Fatalf("repositorytest: keyring: %v", err)
	}
	st, err := gormstore.New(db, keys)
	if err != nil {
		t.Fatalf("repositorytest: store: %v", err)
	}
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatalf("repositorytest: migrate: %v", err)
	}

	h := &Host{Cloud: cl, Store: st, DB: db, Files: NewMemorySink(), Clock: clock, Access: &AccessRules{}, flavor: copts.Flavor,
		testName: t.Name()}
	budget := opts.Budget
	if budget <= 0 {
		budget = TestBudget
	}
	if at, ok := deadlineOf(t, budget); ok {
		h.deadline = at
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	h.Echo = e
	h.srv = httptest.NewUnstartedServer(e)
	h.srv.Start()
	t.Cleanup(func() { closeServer(t, h.srv) })
	h.URL = h.srv.URL
	cl.SetRedirectURI(h.URL + Mount + "/callback")

	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg := repository.Config{
		Store:          st,
		SecretKey:      secret,
		PublicURL:      h.URL + Mount,
		Users:          host.UsersFunc(currentUser),
		Admins:         host.AdminsFunc(func(_ context.Context, u host.User) (bool, error) { return u.ID == "admin", nil }),
		CourseManagers: host.CourseManagersFunc(func(_ context.Context, u host.User, _ string) (bool, error) { return u.ID == "teacher", nil }),
		Files:          h.Files,
		LinkAccess:     h.Access,
		Logger:         logger,
		AllowLoopback:  true,
		Timeout:        time.Minute, // generous: the race detector slows the fake cloud's XML encoding a lot
		Now:            clock.Now,
	}
	if opts.Config != nil {
		opts.Config(&cfg)
	}
	repo, err := repository.New(cfg)
	if err != nil {
		t.Fatalf("repositorytest: repository.New: %v", err)
	}
	t.Cleanup(repo.Close)
	h.Repo = repo
	repo.Mount(e.Group(Mount))
	e.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "host home") })
	e.GET("/return", func(c echo.Context) error { return c.String(http.StatusOK, "returned "+c.QueryParam("pick")) })
	return h
}

// UserCookie carries the signed-in host user (the test host trusts it: it is a test).
const UserCookie = "host_user"

func currentUser(r *http.Request) (host.User, error) {
	ck, err := r.Cookie(UserCookie)
	if err != nil || !knownUser(ck.Value) {
		return host.User{}, host.ErrNotSignedIn
	}
	return host.User{ID: ck.Value, Name: strings.ToUpper(ck.Value[:1]) + ck.Value[1:], Email: ck.Value + "@lms.example"}, nil
}

// knownUser accepts the four named users and any number of extra students "student1", "student2", ...
func knownUser(id string) bool {
	if cloudUsers[id] != "" {
		return true
	}
	n, ok := strings.CutPrefix(id, "student")
	if !ok || n == "" {
		return false
	}
	for _, c := range n {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Client is an HTTP client signed in as one host user (or anonymous).
type Client struct {
	*http.Client
	h    *Host
	User string
	csrf string
}

// Client returns a client signed in as user ("" for anonymous). It does not follow redirects, so tests see them.
func (h *Host) Client(user string) *Client {
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(h.URL)
	if user != "" {
		jar.SetCookies(u, []*http.Cookie{{Name: UserCookie, Value: user, Path: "/"}})
	}
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if !h.deadline.IsZero() {
		// Requests sent through the embedded client directly end with the test's budget too.
		hc.Timeout = max(time.Until(h.deadline), time.Millisecond)
	}
	return &Client{Client: hc, h: h, User: user}
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)"`)

// Get fetches a path (relative to the host) and returns the status and body.
func (c *Client) Get(t testing.TB, path string, header ...string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.abs(path), nil)
	if err != nil {
		t.Fatalf("repositorytest: %v", err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(t, req)
}

// Post sends a form with the CSRF token (fetched from a page first when the client has none).
func (c *Client) Post(t testing.TB, path string, form url.Values, header ...string) (int, string, http.Header) {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("csrf_token") == "" {
		form.Set("csrf_token", c.CSRF(t))
	}
	req, err := http.NewRequest(http.MethodPost, c.abs(path), strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatalf("repositorytest: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(t, req)
}

// CSRF returns the CSRF token the pages give this client.
func (c *Client) CSRF(t testing.TB) string {
	t.Helper()
	if c.csrf != "" {
		return c.csrf
	}
	// Any page of the mount renders the token; a 404 page too.
	_, body, _ := c.Get(t, Mount+"/picker")
	m := csrfMeta.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("repositorytest: no CSRF token in the page for %q", c.User)
	}
	c.csrf = m[1]
	return c.csrf
}

func (c *Client) abs(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return c.h.URL + path
}

func (c *Client) do(t testing.TB, req *http.Request) (int, string, http.Header) {
	t.Helper()
	if !c.h.deadline.IsZero() {
		ctx, cancel := context.WithDeadlineCause(req.Context(), c.h.deadline,
			fmt.Errorf("repositorytest: %s ran past its own deadline", c.h.testName))
		defer cancel()
		req = req.WithContext(ctx)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("repositorytest: %s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("repositorytest: read %s: %v", req.URL.Path, withCause(req.Context(), err))
	}
	return resp.StatusCode, string(b), resp.Header
}

// AddIssuer registers the fake cloud as an issuer with the preset for its flavour.
func (h *Host) AddIssuer(t testing.TB, name string) store.Issuer {
	t.Helper()
	product := cloud.Nextcloud
	if h.flavor == cloud.OwnCloud {
		product = cloud.OwnCloud
	}
	eps, err := cloud.PresetEndpoints(product, h.Cloud.URL)
	if err != nil {
		t.Fatalf("repositorytest: preset: %v", err)
	}
	iss := store.Issuer{Name: name, BaseURL: h.Cloud.URL, ClientID: ClientID, ClientSecret: ClientSecret, BasicAuth: true,
		Preset: string(product)}
	for _, n := range slices.Sorted(maps.Keys(eps)) {
		iss.Endpoints = append(iss.Endpoints, store.Endpoint{Name: n, URL: eps[n]})
	}
	dm := cloud.DefaultMappings()
	for _, ext := range slices.Sorted(maps.Keys(dm)) {
		iss.Mappings = append(iss.Mappings, store.FieldMapping{External: ext, Internal: dm[ext]})
	}
	iss, err = h.Store.CreateIssuer(context.Background(), iss)
	if err != nil {
		t.Fatalf("repositorytest: create issuer: %v", err)
	}
	return iss
}

// AddInstance adds an enabled repository instance of an issuer.
func (h *Host) AddInstance(t testing.TB, issuerID int64, name string, supported host.ReturnType, def host.ReturnType) store.Instance {
	t.Helper()
	in, err := h.Store.CreateInstance(context.Background(), store.Instance{Name: name, IssuerID: issuerID, ControlledLinkFolder: "LMS files",
		Supported: store.ReturnTypes(supported), DefaultReturn: store.ReturnTypes(def), Enabled: true})
	if err != nil {
		t.Fatalf("repositorytest: create instance: %v", err)
	}
	return in
}

// Connect logs a host user in to the fake cloud without the browser (the quick path) and stores their token.
func (h *Host) Connect(t testing.TB, issuerID int64, hostUser string) {
	t.Helper()
	h.putToken(t, store.TokenKey{IssuerID: issuerID, UserID: hostUser}, CloudUser(hostUser))
}

// ConnectSystem connects the issuer's system account without the browser.
func (h *Host) ConnectSystem(t testing.TB, issuerID int64) {
	t.Helper()
	h.putToken(t, store.TokenKey{IssuerID: issuerID, System: true}, SystemUser)
}

func (h *Host) putToken(t testing.TB, key store.TokenKey, cloudUser string) {
	access, refresh, life := h.Cloud.IssueToken(cloudUser)
	now := h.Clock.Now().UTC()
	_, err := h.Store.PutToken(context.Background(), store.Token{Key: key, CloudUser: cloudUser, AccessToken: access,
		RefreshToken: refresh, Expiry: now.Add(life), Created: now, Refreshed: now})
	if err != nil {
		t.Fatalf("repositorytest: store token: %v", err)
	}
}

// PickerURL is the absolute URL of a picker for req (User defaults to "student", Expires to an hour).
func (h *Host) PickerURL(req host.PickRequest) string {
	if req.User == "" {
		req.User = "student"
	}
	if req.Expires.IsZero() {
		req.Expires = h.Clock.Now().Add(time.Hour)
	}
	return h.URL + h.Repo.PickerURL(req)
}

// Clock is a clock tests move forward without sleeping: real time plus an offset.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the current time of the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// AccessRules is the test host's controlled-link hook: teachers edit, the owner and listed students view.
type AccessRules struct {
	mu      sync.Mutex
	viewers map[string]bool
}

// AllowViewer lets a host user view every controlled link.
func (a *AccessRules) AllowViewer(user string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.viewers == nil {
		a.viewers = map[string]bool{}
	}
	a.viewers[user] = true
}

// ControlledLinkAccess implements host.ControlledLinkAccess.
func (a *AccessRules) ControlledLinkAccess(_ context.Context, viewer host.User, l host.ControlledLinkInfo) (host.Access, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case viewer.ID == "teacher" || viewer.ID == "admin":
		return host.AccessEdit, nil
	case viewer.ID == l.Owner:
		return host.AccessEdit, nil
	case a.viewers[viewer.ID] || strings.HasPrefix(viewer.ID, "student"):
		return host.AccessView, nil
	}
	return host.AccessNone, nil
}

// MemorySink is a file sink that keeps imported files in memory and counts what was discarded.
type MemorySink struct {
	mu        sync.Mutex
	files     map[string]StoredFile
	next      int
	discarded int
	open      int
}

// StoredFile is a file the sink received.
type StoredFile struct {
	Info host.FileInfo
	Data []byte
}

// NewMemorySink returns an empty sink.
func NewMemorySink() *MemorySink { return &MemorySink{files: map[string]StoredFile{}} }

// Store implements host.FileSink: it keeps the file only when the stream ended cleanly.
func (m *MemorySink) Store(_ context.Context, fi host.FileInfo, r io.Reader) (string, error) {
	m.mu.Lock()
	m.open++
	m.mu.Unlock()
	data, err := io.ReadAll(r)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.open--
	if err != nil {
		m.discarded++
		return "", err
	}
	m.next++
	ref := fmt.Sprintf("mem-%d", m.next)
	m.files[ref] = StoredFile{Info: fi, Data: data}
	return ref, nil
}

// Remove implements host.FileRemover.
func (m *MemorySink) Remove(_ context.Context, ref string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.files[ref]; ok {
		delete(m.files, ref)
		m.discarded++
	}
	return nil
}

// File returns a stored file.
func (m *MemorySink) File(ref string) (StoredFile, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.files[ref]
	return f, ok
}

// Count is how many files the sink holds; Discarded how many streams it threw away; Open how many are being
// written now.
func (m *MemorySink) Count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.files)
}

// Discarded is how many streams were thrown away.
func (m *MemorySink) Discarded() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.discarded
}

// Open is how many files are being written now.
func (m *MemorySink) Open() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.open
}
