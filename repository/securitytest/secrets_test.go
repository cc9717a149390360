package securitytest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/store/gormstore"
	"github.com/ocrepo/ocrepo/store/gormstore/gormsqlite"
	"github.com/ocrepo/ocrepo/store/seal"
)

// lockedBuffer is a buffer several goroutines write logs into.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// secretSet collects every secret value seen on the wire, so the suites can search for them.
type secretSet struct {
	mu sync.Mutex
	m  map[string]string // value -> what it is
}

func (s *secretSet) add(kind, v string) {
	if len(v) < 8 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]string{}
	}
	if _, ok := s.m[v]; !ok {
		s.m[v] = kind // what it was first seen as
	}
}

func (s *secretSet) all() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.m))
	for k, v := range s.m {
		out[k] = v
	}
	return out
}

// wireRecorder is the transport ocrepo reaches the cloud through in the secrets suite: it notes every credential
// ocrepo sends (bearer tokens, client credentials, codes, PKCE verifiers, refresh tokens) and every token the
// cloud hands back.
type wireRecorder struct {
	base    http.RoundTripper
	secrets *secretSet
}

func (w *wireRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	auth := req.Header.Get("Authorization")
	if v, ok := strings.CutPrefix(auth, "Bearer "); ok {
		w.secrets.add("bearer token", v)
	}
	if v, ok := strings.CutPrefix(auth, "Basic "); ok {
		w.secrets.add("basic credentials", v)
		if _, pw, ok := req.BasicAuth(); ok {
			w.secrets.add("client secret", pw)
		}
	}
	if req.Body != nil && strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		_ = req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(b))
		if form, err := url.ParseQuery(string(b)); err == nil {
			for _, k := range []string{"code", "code_verifier", "refresh_token", "client_secret"} {
				w.secrets.add(k, form.Get(k))
			}
		}
	}
	resp, err := w.base.RoundTrip(req)
	if err != nil || resp.Body == nil || !strings.Contains(resp.Header.Get("Content-Type"), "json") {
		return resp, err
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	if err != nil {
		return resp, nil
	}
	var tok struct {
		Access  string `json:"access_token"`
		Refresh string `json:"refresh_token"`
	}
	if json.Unmarshal(b, &tok) == nil {
		w.secrets.add("access token", tok.Access)
		w.secrets.add("refresh token", tok.Refresh)
	}
	return resp, nil
}

// secretsWorld is one host with a cloud, everything it logs, every page it served and every secret on the wire.
type secretsWorld struct {
	t       *testing.T
	h       *plainHost
	cloud   *cloudtest.Server
	clock   *repositorytest.Clock
	secrets *secretSet
	pages   *lockedBuffer
	logs    *lockedBuffer
	sql     *lockedBuffer
	dbPath  string
	st      store.Store
	agents  map[string]*agent
}

func (w *secretsWorld) as(user string) *agent {
	if a, ok := w.agents[user]; ok {
		return a
	}
	a := newAgent(w.t, nil, user)
	a.seen = func(status int, body string, h http.Header) {
		fmt.Fprintf(w.pages, "%d %s\n%s\n", status, h.Get("Content-Type"), body)
		loc := h.Get("Location")
		if u, err := url.Parse(loc); err == nil && strings.HasPrefix(loc, w.cloud.URL) {
			w.secrets.add("OAuth state", u.Query().Get("state"))
		} else if loc != "" {
			fmt.Fprintf(w.pages, "Location: %s\n", loc)
		}
	}
	w.agents[user] = a
	return a
}

// login runs a cloud login from a start URL that redirects to the cloud (the picker's login button, the admin's
// connect button) through the callback, and returns the callback's page.
func (w *secretsWorld) login(a *agent, status int, hdr http.Header, cloudUser string) string {
	w.t.Helper()
	if status != http.StatusFound && status != http.StatusSeeOther {
		w.t.Fatalf("%s: login start %d", a.user, status)
	}
	u, err := url.Parse(hdr.Get("Location"))
	if err != nil || !strings.HasPrefix(u.String(), w.cloud.URL) {
		w.t.Fatalf("%s: login goes to %q", a.user, hdr.Get("Location"))
	}
	code := w.cloud.AuthorizeCode(cloudUser, u.Query().Get("state"), u.Query().Get("code_challenge"))
	q := url.Values{"state": {u.Query().Get("state")}, "code": {code}}
	st, body, _ := a.get(w.h.URL + path("callback") + "?" + q.Encode())
	if st != http.StatusOK || !strings.Contains(body, `data-testid="login-ok"`) {
		w.t.Fatalf("%s: callback %d: %s", a.user, st, alert(w.t, body))
	}
	return q.Encode()
}

func newSecretsWorld(t *testing.T) *secretsWorld {
	t.Helper()
	clock := &repositorytest.Clock{}
	w := &secretsWorld{t: t, clock: clock, secrets: &secretSet{}, pages: &lockedBuffer{}, logs: &lockedBuffer{},
		sql: &lockedBuffer{}, agents: map[string]*agent{}}
	w.cloud = cloudtest.NewServer(t, cloudtest.Options{ClientID: repositorytest.ClientID, ClientSecret: repositorytest.ClientSecret,
		Now: clock.Now, TokenLifetime: time.Hour})
	for _, u := range []string{"alice", "bob", "dana", repositorytest.SystemUser} {
		w.cloud.AddUser(u, u, u+"@example.org", strings.ToUpper(u[:1])+u[1:])
	}
	w.cloud.WriteFile("alice", "/report.pdf", []byte("report"))
	w.cloud.WriteFile("alice", "/notes.txt", []byte("notes"))
	w.secrets.add("client secret", repositorytest.ClientSecret)

	w.dbPath = filepath.Join(t.TempDir(), "ocrepo.db")
	db, err := gormsqlite.Open(w.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	closeDB(t, db)
	secret := bytes.Repeat([]byte{7}, 32)
	keys, err := seal.NewKeyring(secret)
	if err != nil {
		t.Fatal(err)
	}
	loud := logger.New(log.New(w.sql, "", 0), logger.Config{LogLevel: logger.Info})
	st, err := gormstore.New(db, keys, gormstore.WithLogger(loud))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.st = st
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	w.h = startHost(t, repository.Config{
		Store:         st,
		SecretKey:     secret,
		Logger:        slog.New(slog.NewJSONHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug, AddSource: true})),
		HTTPTransport: &wireRecorder{base: tr, secrets: w.secrets},
		Timeout:       time.Minute,
		Now:           clock.Now,
	})
	w.cloud.SetRedirectURI(w.h.URL + path("callback"))
	return w
}

// closeDB closes db's connections when the test ends.
func closeDB(t testing.TB, db *gorm.DB) {
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sqlDB.Close() })
}

// issuerForm is the admin's form for a Nextcloud issuer at the cloud.
func issuerForm(t testing.TB, cl *cloudtest.Server, name string) url.Values {
	eps, err := cloud.PresetEndpoints(cloud.Nextcloud, cl.URL)
	if err != nil {
		t.Fatal(err)
	}
	f := url.Values{"name": {name}, "base_url": {cl.URL}, "client_id": {repositorytest.ClientID},
		"client_secret": {repositorytest.ClientSecret}, "basic_auth": {"on"}, "preset": {"nextcloud"}, "action": {"save"}}
	for _, n := range cloud.EndpointNames() {
		f.Add("endpoint_name", n)
		f.Add("endpoint_url", eps[n])
	}
	for _, mp := range [][2]string{{"ocs-data-id", "username"}, {"ocs-data-email", "email"}} {
		f.Add("mapping_external", mp[0])
		f.Add("mapping_internal", mp[1])
	}
	return f
}

// TestSecretsNeverLeak runs the whole life of a site through its pages, as people would: an admin registers the
// cloud, connects the system account and checks the connection; a student logs in through the callback, lists,
// imports, links and makes an access controlled link, which a teacher opens and takes a share of; tokens expire
// and rotate, a refresh fails and recovers, a callback is replayed, a code is wrong, the cloud refuses a bearer
// token, the student logs out. Every secret that crossed the wire (the client secret, codes, states, PKCE
// verifiers, access and refresh tokens, and every value the fake cloud issued) is then searched for in every page
// and fragment served, every log line of ocrepo's logger and of the SQL logger, and every cell of the database.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	w := newSecretsWorld(t)
	h := w.h
	adm, stu, tea := w.as(admin), w.as(student), w.as(teacher)

	status, body, _ := adm.post(h.URL, path("admin", "issuers"), issuerForm(t, w.cloud, "Campus Cloud"))
	if status != http.StatusSeeOther {
		t.Fatalf("create issuer: %d %s", status, body)
	}
	issuers, err := w.st.ListIssuers(context.Background())
	if err != nil || len(issuers) != 1 {
		t.Fatalf("issuers %+v, %v", issuers, err)
	}
	issID := issuers[0].ID
	var hdr http.Header
	status, _, hdr = adm.post(h.URL, path("admin", "issuers", issID, "system", "connect"), nil)
	w.login(adm, status, hdr, repositorytest.SystemUser)
	if status, _, _ := adm.post(h.URL, path("admin", "issuers", issID, "check"), nil, "HX-Request", "true"); status != http.StatusOK {
		t.Fatalf("check: %d", status)
	}
	status, body, _ = adm.post(h.URL, path("admin", "instances"), url.Values{"name": {"Course files"}, "issuer": {fmt.Sprint(issID)},
		"folder": {"LMS files"}, "import": {"on"}, "link": {"on"}, "default_return": {"import"}, "enabled": {"on"}})
	if status != http.StatusSeeOther {
		t.Fatalf("create instance: %d %s", status, body)
	}
	instances, err := w.st.ListInstances(context.Background())
	if err != nil || len(instances) != 1 {
		t.Fatalf("instances %+v, %v", instances, err)
	}
	instID := instances[0].ID

	req := host.PickRequest{User: student, Course: course, Context: []string{"course 42", "assign", "7"}, ReturnTo: "/return",
		Expires: w.clock.Now().Add(24 * time.Hour)}
	picker := h.URL + h.Repo.PickerURL(req)
	pu, _ := url.Parse(picker)
	r := pu.Query().Get("r")
	form := func(kv ...string) url.Values {
		v := url.Values{"r": {r}, "i": {fmt.Sprint(instID)}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	_, body, _ = stu.get(picker)
	loginHref, ok := parse(t, body).Find(`[data-testid="login"]`).Attr("href")
	if !ok {
		t.Fatalf("no login button: %s", body)
	}
	status, _, hdr = stu.get(h.URL + loginHref)
	replay := w.login(stu, status, hdr, "alice")
	stu.get(h.URL + path("picker", "list") + "?" + form("reload", "1").Encode())

	status, body, _ = stu.post(h.URL, path("picker", "pick"), form("as", "import", "path", "/report.pdf"), "HX-Request", "true")
	if status != http.StatusAccepted {
		t.Fatalf("import: %d %s", status, body)
	}
	jobID, _ := parse(t, body).Find(`[id^="status-"]`).Attr("id")
	if j, err := h.Repo.AwaitImport(context.Background(), host.User{ID: student}, strings.TrimPrefix(jobID, "status-")); err != nil || j.State != store.ImportDone {
		t.Fatalf("import: %+v, %v", j, err)
	}
	stu.get(h.URL + path("picker", "import", strings.TrimPrefix(jobID, "status-")) + "?" + form().Encode())
	if status, _, _ := stu.post(h.URL, path("picker", "pick"), form("as", "link", "path", "/report.pdf"), "HX-Request", "true"); status != http.StatusOK {
		t.Fatalf("link: %d", status)
	}
	status, body, _ = stu.post(h.URL, path("picker", "pick"), form("as", "controlled", "path", "/report.pdf"), "HX-Request", "true")
	if status != http.StatusOK {
		t.Fatalf("controlled: %d %s", status, body)
	}
	raw, _ := parse(t, body).Find(`[data-ocrepo-picked]`).Attr("data-ocrepo-picked")
	res, err := h.Repo.PickResult(context.Background(), student, pickID(t, raw))
	if err != nil || len(res.Files) != 1 {
		t.Fatalf("controlled result: %+v, %v", res, err)
	}
	linkID := res.Files[0].ControlledLinkID

	// The teacher logs in from the link's share button and takes an edit share.
	status, _, hdr = tea.post(h.URL, path("link", linkID, "share"), url.Values{"edit": {"1"}})
	w.login(tea, status, hdr, "bob")
	tea.get(h.URL + path("link", linkID))
	if status, body, _ := tea.post(h.URL, path("link", linkID, "share"), url.Values{"edit": {"1"}}); status != http.StatusOK {
		t.Fatalf("teacher's share: %d %s", status, alert(t, body))
	}
	tea.get(h.URL + path("link", linkID, "file"))

	// Tokens expire and rotate; one refresh fails at the cloud and the next succeeds.
	w.clock.Advance(2 * time.Hour)
	stu.get(h.URL + path("picker", "list") + "?" + form("reload", "1").Encode())
	adm.post(h.URL, path("admin", "issuers", issID, "check"), nil, "HX-Request", "true")
	w.clock.Advance(2 * time.Hour)
	w.cloud.Fail(cloudtest.EPToken, cloudtest.Fault{Times: 1, Status: http.StatusBadGateway})
	stu.get(h.URL + path("picker", "list") + "?" + form("reload", "1").Encode())
	stu.get(h.URL + path("picker", "list") + "?" + form("reload", "1").Encode())
	// A refused bearer token, a replayed callback, a wrong code, a token endpoint that answers with HTML.
	w.cloud.Fail(cloudtest.EPWebDAV, cloudtest.Fault{Times: 1, Status: http.StatusUnauthorized})
	stu.get(h.URL + path("picker", "list") + "?" + form("reload", "1").Encode())
	stu.get(h.URL + path("callback") + "?" + replay)
	status, _, hdr = stu.get(h.URL + loginHref)
	if u, err := url.Parse(hdr.Get("Location")); err == nil && status == http.StatusFound {
		stu.get(h.URL + path("callback") + "?" + url.Values{"state": {u.Query().Get("state")}, "code": {"not-the-code-0123456789"}}.Encode())
	}
	status, _, hdr = stu.get(h.URL + loginHref)
	if u, err := url.Parse(hdr.Get("Location")); err == nil && status == http.StatusFound {
		code := w.cloud.AuthorizeCode("alice", u.Query().Get("state"), u.Query().Get("code_challenge"))
		w.cloud.Fail(cloudtest.EPToken, cloudtest.Fault{Times: 1, Status: http.StatusOK, ContentType: "text/html",
			Body: "<html><body>Login<form><input name=password></form></body></html>"})
		stu.get(h.URL + path("callback") + "?" + url.Values{"state": {u.Query().Get("state")}, "code": {code}}.Encode())
	}
	for _, p := range [][]any{{"admin", "issuers"}, {"admin", "issuers", issID}, {"admin", "audit"}, {"admin", "links"},
		{"admin", "instances"}, {"admin", "instances", instID}, {"course", course}, {"course", course, "links"}} {
		adm.get(h.URL + path(p...))
	}
	stu.post(h.URL, path("picker", "logout", instID), form())
	h.Repo.Close()

	secrets := w.secrets.all()
	for _, v := range w.cloud.IssuedSecrets() {
		if _, ok := secrets[v]; !ok {
			secrets[v] = "issued by the cloud"
		}
	}
	kinds := map[string]int{}
	for _, k := range secrets {
		kinds[k]++
	}
	for _, k := range []string{"OAuth state", "code", "code_verifier", "client secret", "basic credentials", "access token",
		"refresh token"} {
		if kinds[k] == 0 {
			t.Errorf("the flow never sent a %s: the search would prove nothing about it (%v)", k, kinds)
		}
	}

	logs, sql := w.logs.String(), w.sql.String()
	if !strings.Contains(logs, `"level":"WARN"`) || !strings.Contains(sql, "INSERT INTO") || !strings.Contains(sql, "ocrepo_tokens") {
		t.Fatalf("the loggers saw too little to prove anything:\n%s\n%s", logs, sql)
	}
	db, err := gormsqlite.Open(w.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	closeDB(t, db)
	var cells strings.Builder
	for _, table := range sqliteTables(t, db) {
		for _, c := range dumpTable(t, db, table) {
			cells.WriteString(c)
			cells.WriteByte('\n')
		}
	}
	if !strings.Contains(cells.String(), "ocrepo_tokens.access_token=") {
		t.Fatalf("the database dump holds no tokens")
	}
	where := map[string]string{"pages and fragments": w.pages.String(), "ocrepo's log": logs, "the SQL log": sql, "the database": cells.String()}
	var leaks []string
	for v, kind := range secrets {
		for name, text := range where {
			if strings.Contains(text, v) {
				leaks = append(leaks, fmt.Sprintf("a %s (%.8s…) is in %s", kind, v, name))
			}
		}
	}
	sort.Strings(leaks)
	for _, l := range leaks {
		t.Error(l)
	}
	t.Logf("searched %d secrets (%v) in %d bytes of pages, %d of logs, %d of SQL log, %d of database cells", len(secrets), kinds,
		len(w.pages.String()), len(logs), len(sql), cells.Len())
}

// sqliteTables lists ocrepo's tables in a SQLite database.
func sqliteTables(t *testing.T, db *gorm.DB) []string {
	t.Helper()
	var names []string
	if err := db.Raw(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'ocrepo%'`).Scan(&names).Error; err != nil {
		t.Fatal(err)
	}
	if len(names) < 5 {
		t.Fatalf("only tables %q", names)
	}
	return names
}

// dumpTable returns every cell of a table as text.
func dumpTable(t *testing.T, db *gorm.DB, table string) []string {
	t.Helper()
	rows, err := db.Raw("SELECT * FROM " + table).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var cells []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			cells = append(cells, fmt.Sprintf("%s.%s=%v", table, cols[i], v))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return cells
}

// TestSealingKeyRotates writes a site's secrets under key A, then runs a Repository configured with SecretKey B
// and OldSecretKeys [A]: it reads everything A sealed (the student lists files with the stored login), writes
// under B (the refreshed token opens with B alone and no longer with A), and after gormstore's Reseal nothing
// needs A any more. Without A in OldSecretKeys, A's values do not open.
func TestSealingKeyRotates(t *testing.T) {
	t.Parallel()
	keyA, keyB := bytes.Repeat([]byte{0xA}, 32), bytes.Repeat([]byte{0xB}, 32)
	clock := &repositorytest.Clock{}
	cl := cloudtest.NewServer(t, cloudtest.Options{ClientID: repositorytest.ClientID, ClientSecret: repositorytest.ClientSecret,
		Now: clock.Now, TokenLifetime: time.Hour})
	cl.AddUser("alice", "alice", "alice@example.org", "Alice")
	cl.WriteFile("alice", "/written-under-a.txt", []byte("a"))
	db, err := gormsqlite.Open(filepath.Join(t.TempDir(), "ocrepo.db"))
	if err != nil {
		t.Fatal(err)
	}
	closeDB(t, db)
	ctx := context.Background()
	storeWith := func(keys ...[]byte) *gormstore.Store {
		t.Helper()
		kr, err := seal.NewKeyring(keys[0], keys[1:]...)
		if err != nil {
			t.Fatal(err)
		}
		st, err := gormstore.New(db, kr)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}

	// Under key A: the issuer (its client secret) and alice's login.
	underA := storeWith(keyA)
	if err := underA.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	eps, err := cloud.PresetEndpoints(cloud.Nextcloud, cl.URL)
	if err != nil {
		t.Fatal(err)
	}
	iss := store.Issuer{Name: "Campus Cloud", BaseURL: cl.URL, ClientID: repositorytest.ClientID, ClientSecret: repositorytest.ClientSecret,
		BasicAuth: true, Preset: "nextcloud"}
	for _, n := range cloud.EndpointNames() {
		iss.Endpoints = append(iss.Endpoints, store.Endpoint{Name: n, URL: eps[n]})
	}
	iss.Mappings = []store.FieldMapping{{External: "ocs-data-id", Internal: "username"}}
	iss, err = underA.CreateIssuer(ctx, iss)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := underA.CreateInstance(ctx, store.Instance{Name: "Files", IssuerID: iss.ID, ControlledLinkFolder: "LMS files",
		Supported: store.ReturnTypes(host.ReturnImport), DefaultReturn: store.ReturnTypes(host.ReturnImport), Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	access, refresh, life := cl.IssueToken("alice")
	now := clock.Now().UTC()
	key := store.TokenKey{IssuerID: iss.ID, UserID: student}
	if _, err := underA.PutToken(ctx, store.Token{Key: key, CloudUser: "alice", AccessToken: access, RefreshToken: refresh,
		Expiry: now.Add(life), Created: now, Refreshed: now}); err != nil {
		t.Fatal(err)
	}

	if _, err := storeWith(keyB).GetToken(ctx, key); err == nil {
		t.Fatal("key B alone opens a value sealed under A")
	}

	h := startHost(t, repository.Config{DB: db, SecretKey: keyB, OldSecretKeys: [][]byte{keyA}, AllowLoopback: true,
		Timeout: time.Minute, Now: clock.Now, Logger: slog.New(slog.DiscardHandler)})
	list := func() string {
		t.Helper()
		req := host.PickRequest{User: student, Expires: clock.Now().Add(time.Hour)}
		u, _ := url.Parse(h.URL + h.Repo.PickerURL(req))
		q := url.Values{"r": {u.Query().Get("r")}, "i": {fmt.Sprint(inst.ID)}, "reload": {"1"}}
		status, body, _ := newAgent(t, nil, student).get(h.URL + path("picker", "list") + "?" + q.Encode())
		if status != http.StatusOK {
			t.Fatalf("listing under key B with A as old key: %d %s", status, alert(t, body))
		}
		return body
	}
	if body := list(); !strings.Contains(body, "written-under-a.txt") {
		t.Fatal("the login sealed under A did not list the files")
	}
	before, err := underA.GetToken(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Hour) // the access token expires: the next listing refreshes and stores the new pair
	list()
	afterB, err := storeWith(keyB).GetToken(ctx, key)
	if err != nil {
		t.Fatalf("the refreshed login does not open with B alone: %v", err)
	}
	if afterB.Version == before.Version || afterB.RefreshToken == refresh {
		t.Fatalf("no refresh happened: version %d -> %d", before.Version, afterB.Version)
	}
	if _, err := underA.GetToken(ctx, key); err == nil {
		t.Error("the login written under B still opens with A alone")
	}
	if _, err := storeWith(keyB).GetIssuer(ctx, iss.ID); err == nil {
		t.Error("the client secret sealed under A opens with B alone before Reseal")
	}
	n, err := storeWith(keyB, keyA).Reseal(ctx)
	if err != nil || n == 0 {
		t.Fatalf("Reseal: %d, %v", n, err)
	}
	if got, err := storeWith(keyB).GetIssuer(ctx, iss.ID); err != nil || got.ClientSecret != repositorytest.ClientSecret {
		t.Errorf("after Reseal, B alone reads the issuer: %v", err)
	}
}
