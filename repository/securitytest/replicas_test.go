package securitytest

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/store/gormstore"
	"github.com/ocrepo/ocrepo/store/gormstore/gormtest"
	"github.com/ocrepo/ocrepo/store/seal"
)

// The load of TestTwoReplicasOnPostgres.
const (
	replicaUsers    = 200
	replicaDuration = 30 * time.Second
	replicaTokenTTL = 8 * time.Second // cloud time; the test clock runs twice as fast as real time
	replicaFiles    = 60              // two pages of listing
)

// outcome counts what the simulated users saw.
type outcome struct {
	mu       sync.Mutex
	requests int
	imports  int
	byStatus map[int]int
	failures []string
}

func (o *outcome) saw(user, what string, status int, body string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.requests++
	if o.byStatus == nil {
		o.byStatus = map[int]int{}
	}
	o.byStatus[status]++
	if status >= 500 && len(o.failures) < 20 {
		o.failures = append(o.failures, fmt.Sprintf("%s %s: %d %s", user, what, status, strings.Join(strings.Fields(body), " ")[:min(300, len(strings.Join(strings.Fields(body), " ")))]))
	}
}

func (o *outcome) fail(format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.failures) < 20 {
		o.failures = append(o.failures, fmt.Sprintf(format, args...))
	}
}

// TestTwoReplicasOnPostgres runs two Repository values on one PostgreSQL database, each on its own server, with
// 200 simulated students for 30 seconds. Each student alternates between the replicas: lists (reloading, so the
// cloud is asked), pages, lists a folder, and imports a small file whose progress it reads from the other
// replica. Access tokens live eight seconds of cloud time and the shared clock runs at twice real time, so every
// login is refreshed many times, often by both replicas at once. At the end: no answer was a 5xx, every import finished,
// no refresh token was presented twice (the fake cloud counts), and every student can still list on both replicas
// (no login was lost).
func TestTwoReplicasOnPostgres(t *testing.T) {
	t.Parallel()
	dsn := gormtest.PostgresSchema(t) // skips, saying so, without OCREPO_TEST_POSTGRES_DSN
	twoReplicas(t, gormtest.OpenPostgres(t, dsn), gormtest.OpenPostgres(t, dsn))
}

// TestTwoReplicasOnMySQL is TestTwoReplicasOnPostgres on MySQL or MariaDB: the refresh lease, the compare-and-swap
// and the upserts on InnoDB's locking. It does not run in parallel: two runs of 200 users at once (this and the
// PostgreSQL one, with their databases) on a two-CPU machine starve the fake cloud past the call timeout.
func TestTwoReplicasOnMySQL(t *testing.T) {
	dsn := gormtest.MySQLDatabase(t) // skips, saying so, without OCREPO_TEST_MYSQL_DSN
	twoReplicas(t, gormtest.OpenMySQL(t, dsn), gormtest.OpenMySQL(t, dsn))
}

// twoReplicas runs the load of TestTwoReplicasOnPostgres on two handles of one database.
func twoReplicas(t *testing.T, db1, db2 *gorm.DB) {
	clock := &repositorytest.Clock{}
	cl := cloudtest.NewServer(t, cloudtest.Options{ClientID: repositorytest.ClientID, ClientSecret: repositorytest.ClientSecret,
		Now: clock.Now, TokenLifetime: replicaTokenTTL})
	users := make([]string, 0, replicaUsers)
	for i := 3; i < 3+replicaUsers; i++ {
		u := fmt.Sprintf("student%d", i)
		users = append(users, u)
		account := fmt.Sprintf("u%d", i)
		cl.AddUser(account, account, account+"@example.org", "User "+account)
		for f := range replicaFiles {
			cl.WriteFile(account, fmt.Sprintf("/f%02d.txt", f), []byte(fmt.Sprintf("file %d of %s", f, account)))
		}
		cl.WriteFile(account, "/Folder/small.txt", []byte("a small file to import"))
	}

	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	keys, err := seal.NewKeyring(secret)
	if err != nil {
		t.Fatal(err)
	}
	setup, err := gormstore.New(db1, keys)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := setup.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	eps, err := cloud.PresetEndpoints(cloud.Nextcloud, cl.URL)
	if err != nil {
		t.Fatal(err)
	}
	iss := store.Issuer{Name: "Campus Cloud", BaseURL: cl.URL, ClientID: repositorytest.ClientID, ClientSecret: repositorytest.ClientSecret,
		BasicAuth: true, Preset: "nextcloud", Mappings: []store.FieldMapping{{External: "ocs-data-id", Internal: "username"}}}
	for _, n := range cloud.EndpointNames() {
		iss.Endpoints = append(iss.Endpoints, store.Endpoint{Name: n, URL: eps[n]})
	}
	if iss, err = setup.CreateIssuer(ctx, iss); err != nil {
		t.Fatal(err)
	}
	inst, err := setup.CreateInstance(ctx, store.Instance{Name: "Files", IssuerID: iss.ID, ControlledLinkFolder: "LMS files",
		Supported: store.ReturnTypes(host.ReturnImport | host.ReturnLink), DefaultReturn: store.ReturnTypes(host.ReturnImport), Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, u := range users {
		account := fmt.Sprintf("u%d", i+3)
		access, refresh, life := cl.IssueToken(account)
		now := clock.Now().UTC()
		if _, err := setup.PutToken(ctx, store.Token{Key: store.TokenKey{IssuerID: iss.ID, UserID: u}, CloudUser: account,
			AccessToken: access, RefreshToken: refresh, Expiry: now.Add(life), Created: now, Refreshed: now}); err != nil {
			t.Fatal(err)
		}
	}

	logs := &lockedBuffer{}
	sink := repositorytest.NewMemorySink()
	replica := func(db *gorm.DB) *plainHost {
		return startHost(t, repository.Config{DB: db, SecretKey: secret, AllowLoopback: true, Now: clock.Now, Timeout: 30 * time.Second,
			Files: sink, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	}
	hosts := []*plainHost{replica(db1), replica(db2)}
	cl.SetRedirectURI(hosts[0].URL + path("callback"))

	transport := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 512}
	t.Cleanup(transport.CloseIdleConnections)
	out := &outcome{}
	stop := make(chan struct{})
	var clockWG sync.WaitGroup
	clockWG.Go(func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				clock.Advance(time.Second) // with real time, the clock runs twice as fast
			}
		}
	})
	end := time.Now().Add(replicaDuration)
	var imports atomic.Int64
	var wg sync.WaitGroup
	for n, u := range users {
		wg.Go(func() {
			a := newAgent(t, transport, u)
			req := host.PickRequest{User: u, Course: course, Want: host.ReturnImport, Expires: clock.Now().Add(24 * time.Hour)}
			pu, err := url.Parse(hosts[0].Repo.PickerURL(req))
			if err != nil {
				out.fail("%s: picker URL: %v", u, err)
				return
			}
			form := func(kv ...string) url.Values {
				v := url.Values{"r": {pu.Query().Get("r")}, "i": {fmt.Sprint(inst.ID)}}
				for i := 0; i+1 < len(kv); i += 2 {
					v.Set(kv[i], kv[i+1])
				}
				return v
			}
			for i := 0; time.Now().Before(end); i++ {
				h, other := hosts[(n+i)%2], hosts[(n+i+1)%2]
				switch i % 4 {
				case 0:
					status, body, _ := a.get(h.URL+path("picker", "list")+"?"+form("reload", "1").Encode(), "HX-Request", "true")
					out.saw(u, "list", status, body)
					if status == http.StatusOK && !strings.Contains(body, "f00.txt") {
						out.fail("%s: the listing lacks f00.txt", u)
					}
				case 1:
					status, body, _ := a.get(h.URL+path("picker", "list")+"?"+form("page", "2").Encode(), "HX-Request", "true")
					out.saw(u, "page 2", status, body)
				case 2:
					status, body, _ := a.post(h.URL, path("picker", "pick"), form("as", "import", "path", "/Folder/small.txt"), "HX-Request", "true")
					out.saw(u, "import", status, body)
					if status != http.StatusAccepted {
						continue
					}
					id := ""
					if m := strings.Index(body, `id="status-`); m >= 0 {
						id = body[m+len(`id="status-`):]
						id = id[:strings.IndexByte(id, '"')]
					}
					status, body, _ = a.get(other.URL+path("picker", "import", id)+"?"+form().Encode(), "HX-Request", "true")
					out.saw(u, "import status on the other replica", status, body)
					j, err := h.Repo.AwaitImport(context.Background(), host.User{ID: u}, id)
					if err != nil || j.State != store.ImportDone {
						out.fail("%s: import %s ended %s %q, %v", u, id, j.State, j.Error, err)
					} else {
						imports.Add(1)
					}
				case 3:
					status, body, _ := a.get(h.URL+path("picker", "list")+"?"+form("path", "/Folder", "sort", "size", "desc", "1").Encode(), "HX-Request", "true")
					out.saw(u, "folder", status, body)
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	clockWG.Wait()

	// Every student can still list, on both replicas, with the login they had.
	clock.Advance(time.Minute) // every access token is stale: each of these listings refreshes first
	for _, h := range hosts {
		for _, u := range users {
			wg.Go(func() {
				a := newAgent(t, transport, u)
				req := host.PickRequest{User: u, Course: course, Expires: clock.Now().Add(time.Hour)}
				pu, _ := url.Parse(h.URL + h.Repo.PickerURL(req))
				q := url.Values{"r": {pu.Query().Get("r")}, "i": {fmt.Sprint(inst.ID)}, "reload": {"1"}}
				status, body, _ := a.get(h.URL+path("picker", "list")+"?"+q.Encode(), "HX-Request", "true")
				if status != http.StatusOK || !strings.Contains(body, "f00.txt") {
					out.fail("%s cannot list on %s after the run: %d %s", u, h.URL, status, alert(t, body))
				}
			})
		}
	}
	wg.Wait()

	redeemed, twice := 0, 0
	for _, n := range cl.RefreshRedemptions() {
		redeemed += n
		if n > 1 {
			twice++
		}
	}
	for _, u := range users {
		tok, err := setup.GetToken(ctx, store.TokenKey{IssuerID: iss.ID, UserID: u})
		if err != nil || tok.RefreshToken == "" || tok.LastError != "" {
			out.fail("%s's login is gone or broken: %v %q", u, err, tok.LastError)
		}
	}
	t.Logf("%d requests (%v), %d imports, %d refresh tokens redeemed, %d files at the host", out.requests, out.byStatus,
		imports.Load(), redeemed, sink.Count())
	if twice > 0 {
		t.Errorf("%d refresh tokens were presented more than once", twice)
	}
	if redeemed < 2*replicaUsers {
		t.Errorf("only %d refreshes in the run: the tokens did not expire as planned", redeemed)
	}
	if imports.Load() == 0 || int(imports.Load()) != sink.Count() {
		t.Errorf("%d imports finished, the host holds %d files", imports.Load(), sink.Count())
	}
	for status, n := range out.byStatus {
		if status >= 500 {
			t.Errorf("%d answers with status %d", n, status)
		}
	}
	for _, f := range out.failures {
		t.Error(f)
	}
	if l := logs.String(); strings.Contains(l, "level=ERROR") {
		t.Errorf("errors logged:\n%.3000s", l)
	}
}
