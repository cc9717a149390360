package service

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/store/gormstore"
	"github.com/ocrepo/ocrepo/store/gormstore/gormtest"
	"github.com/ocrepo/ocrepo/store/seal"
)

// testClock is real time plus an offset tests move.
type testClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// env is a fake cloud and what a service needs to talk to it.
type env struct {
	cloud *cloudtest.Server
	clock *testClock
	iss   store.Issuer
	key   []byte
}

func newEnv(t *testing.T, opts cloudtest.Options) *env {
	t.Helper()
	clock := &testClock{}
	opts.ClientID, opts.ClientSecret, opts.Now = "client", "client-secret", clock.Now
	cl := cloudtest.NewServer(t, opts)
	cl.AddUser("alice", "alice", "alice@example.org", "Alice")
	cl.AddUser("sys", "sys", "", "System")
	cl.WriteFile("alice", "/a.txt", []byte("a"))
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	eps, err := cloud.PresetEndpoints(cloud.Nextcloud, cl.URL)
	if err != nil {
		t.Fatal(err)
	}
	iss := store.Issuer{Name: "Cloud", BaseURL: cl.URL, ClientID: "client", ClientSecret: "client-secret", BasicAuth: true}
	for n, u := range eps {
		iss.Endpoints = append(iss.Endpoints, store.Endpoint{Name: n, URL: u})
	}
	for e, i := range cloud.DefaultMappings() {
		iss.Mappings = append(iss.Mappings, store.FieldMapping{External: e, Internal: i})
	}
	return &env{cloud: cl, clock: clock, iss: iss, key: key}
}

// store opens a migrated store on db.
func (e *env) store(t *testing.T, db *gorm.DB) store.Store {
	t.Helper()
	keys, err := seal.NewKeyring(e.key)
	if err != nil {
		t.Fatal(err)
	}
	st, err := gormstore.New(db, keys)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func (e *env) service(t *testing.T, st store.Store) *Service {
	t.Helper()
	s, err := New(Config{
		Store: st, SigningKey: e.key, CallbackURL: "http://lms.test/cloud/callback", AllowLoopback: true,
		Files:  host.FileSinkFunc(func(context.Context, host.FileInfo, io.Reader) (string, error) { return "", nil }),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: e.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// seedExpired stores alice's token for host user "u1" and lets it expire.
func (e *env) seedExpired(t *testing.T, st store.Store) store.Issuer {
	t.Helper()
	iss, err := st.CreateIssuer(context.Background(), e.iss)
	if err != nil {
		t.Fatal(err)
	}
	access, refresh, life := e.cloud.IssueToken("alice")
	now := e.clock.Now()
	_, err = st.PutToken(context.Background(), store.Token{Key: store.TokenKey{IssuerID: iss.ID, UserID: "u1"}, CloudUser: "alice",
		AccessToken: access, RefreshToken: refresh, Expiry: now.Add(life), Created: now, Refreshed: now})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(life + time.Minute)
	e.cloud.ResetCounts()
	return iss
}

// listAll lists the root as u1 from n goroutines through each service and returns the errors.
func listAll(issuerID int64, n int, svcs ...*Service) []error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for _, s := range svcs {
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				conn, _, err := s.userConn(context.Background(), issuerID, "u1")
				if err == nil {
					_, _, err = conn.ReadDir(context.Background(), "/")
				}
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	return errs
}

func checkOneRefresh(t *testing.T, e *env) {
	t.Helper()
	if n := e.cloud.Count(cloudtest.EPToken); n != 1 {
		t.Errorf("token requests = %d, want exactly 1", n)
	}
	for tok, n := range e.cloud.RefreshRedemptions() {
		if n > 1 {
			t.Errorf("a refresh token was redeemed %d times (%.6s...)", n, tok)
		}
	}
}

func TestFiftyGoroutinesRefreshOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cloudtest.Options{})
	st := e.store(t, gormtest.OpenSQLite(t, gormtest.SQLiteFile(t)))
	iss := e.seedExpired(t, st)
	s := e.service(t, st)
	if errs := listAll(iss.ID, 50, s); len(errs) > 0 {
		t.Fatalf("%d listings failed, first: %v", len(errs), errs[0])
	}
	checkOneRefresh(t, e)
	tok, err := st.GetToken(context.Background(), store.TokenKey{IssuerID: iss.ID, UserID: "u1"})
	if err != nil || tok.LeaseHolder != "" || !tok.Expiry.After(e.clock.Now()) {
		t.Errorf("stored token after refresh: %+v %v", tok, err)
	}
}

func TestTwoReplicasOnPostgresRefreshOnce(t *testing.T) {
	t.Parallel()
	dsn := gormtest.PostgresSchema(t)
	e := newEnv(t, cloudtest.Options{})
	st1 := e.store(t, gormtest.OpenPostgres(t, dsn))
	st2 := e.store(t, gormtest.OpenPostgres(t, dsn))
	iss := e.seedExpired(t, st1)
	s1, s2 := e.service(t, st1), e.service(t, st2)
	if errs := listAll(iss.ID, 25, s1, s2); len(errs) > 0 {
		t.Fatalf("%d listings failed, first: %v", len(errs), errs[0])
	}
	checkOneRefresh(t, e)
}

func TestTwoReplicasOnOneSQLiteFileRefreshOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cloudtest.Options{})
	path := gormtest.SQLiteFile(t)
	st1 := e.store(t, gormtest.OpenSQLite(t, path))
	st2 := e.store(t, gormtest.OpenSQLite(t, path))
	iss := e.seedExpired(t, st1)
	s1, s2 := e.service(t, st1), e.service(t, st2)
	if errs := listAll(iss.ID, 25, s1, s2); len(errs) > 0 {
		t.Fatalf("%d listings failed, first: %v", len(errs), errs[0])
	}
	checkOneRefresh(t, e)
}

func TestRefusedRefreshMeansLogInAgainWithoutRetry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cloudtest.Options{})
	st := e.store(t, gormtest.OpenSQLite(t, gormtest.SQLiteFile(t)))
	iss := e.seedExpired(t, st)
	// Somebody else redeemed the refresh token: the server will refuse it.
	tok, _ := st.GetToken(context.Background(), store.TokenKey{IssuerID: iss.ID, UserID: "u1"})
	c, err := cloud.New(cloud.Config{BaseURL: e.iss.BaseURL, ClientID: "client", ClientSecret: "client-secret", BasicAuth: true,
		Endpoints: endpointsOf(e.iss)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Refresh(context.Background(), tok.RefreshToken); err != nil {
		t.Fatal(err)
	}
	e.cloud.ResetCounts()
	s := e.service(t, st)
	errs := listAll(iss.ID, 10, s)
	if len(errs) != 10 {
		t.Fatalf("%d of 10 listings failed, want all", len(errs))
	}
	for _, err := range errs {
		if !errors.Is(err, ErrLoginAgain) {
			t.Fatalf("error %v is not ErrLoginAgain", err)
		}
	}
	if n := e.cloud.Count(cloudtest.EPToken); n != 1 {
		t.Errorf("token requests = %d, want 1 (never retried)", n)
	}
	// Later calls know without asking the cloud.
	if errs := listAll(iss.ID, 3, s); len(errs) != 3 || !errors.Is(errs[0], ErrLoginAgain) {
		t.Fatalf("later calls: %v", errs)
	}
	if n := e.cloud.Count(cloudtest.EPToken); n != 1 {
		t.Errorf("token requests after the refusal = %d, want still 1", n)
	}
	conn, err := s.UserConnection(context.Background(), iss.ID, "u1")
	if err != nil || !conn.NeedLogin || conn.LastError == "" {
		t.Errorf("connection after the refusal: %+v %v", conn, err)
	}
}

func endpointsOf(iss store.Issuer) map[string]string {
	m := map[string]string{}
	for _, e := range iss.Endpoints {
		m[e.Name] = e.URL
	}
	return m
}

func TestShortLivedTokensAreNotRefreshedOnEveryCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cloudtest.Options{TokenLifetime: 20 * time.Second})
	st := e.store(t, gormtest.OpenSQLite(t, gormtest.SQLiteFile(t)))
	iss, err := st.CreateIssuer(context.Background(), e.iss)
	if err != nil {
		t.Fatal(err)
	}
	access, refresh, life := e.cloud.IssueToken("alice")
	now := e.clock.Now()
	_, _ = st.PutToken(context.Background(), store.Token{Key: store.TokenKey{IssuerID: iss.ID, UserID: "u1"}, CloudUser: "alice",
		AccessToken: access, RefreshToken: refresh, Expiry: now.Add(life), Created: now, Refreshed: now})
	s := e.service(t, st)
	e.cloud.ResetCounts()
	if errs := listAll(iss.ID, 5, s); len(errs) > 0 {
		t.Fatal(errs[0])
	}
	if n := e.cloud.Count(cloudtest.EPToken); n != 0 {
		t.Errorf("a fresh 20 s token was refreshed %d times", n)
	}
}

func TestRefusedClientKeepsTheLoginAndPauses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cloudtest.Options{DisableBruteForce: true})
	st := e.store(t, gormtest.OpenSQLite(t, gormtest.SQLiteFile(t)))
	iss := e.seedExpired(t, st)
	before, _ := st.GetToken(context.Background(), store.TokenKey{IssuerID: iss.ID, UserID: "u1"})
	// The admin mistypes the client secret.
	iss.ClientSecret = "wrong"
	if _, err := st.UpdateIssuer(context.Background(), iss); err != nil {
		t.Fatal(err)
	}
	s := e.service(t, st)
	errs := listAll(iss.ID, 5, s)
	if len(errs) != 5 || !errors.Is(errs[0], ErrClientRefused) {
		t.Fatalf("errors %v, want ErrClientRefused", errs)
	}
	after, err := st.GetToken(context.Background(), store.TokenKey{IssuerID: iss.ID, UserID: "u1"})
	if err != nil || after.RefreshToken != before.RefreshToken || after.LastError == "" {
		t.Fatalf("the login was not kept: %+v %v", after, err)
	}
	if n := e.cloud.Count(cloudtest.EPToken); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
	listAll(iss.ID, 3, s)
	if n := e.cloud.Count(cloudtest.EPToken); n != 1 {
		t.Errorf("token requests during the pause = %d, want still 1", n)
	}
	// Fixed, and after the pause, the same stored login works.
	iss.ClientSecret = "client-secret"
	if _, err := st.UpdateIssuer(context.Background(), iss); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * clientCooldown)
	if errs := listAll(iss.ID, 3, s); len(errs) > 0 {
		t.Fatalf("after fixing the secret: %v", errs[0])
	}
}

// seedFresh stores alice's token for host user "u1", issued age ago and fresh by our clock.
func (e *env) seedFresh(t *testing.T, st store.Store, age time.Duration) store.Issuer {
	t.Helper()
	iss, err := st.CreateIssuer(context.Background(), e.iss)
	if err != nil {
		t.Fatal(err)
	}
	access, refresh, life := e.cloud.IssueToken("alice")
	now := e.clock.Now()
	_, err = st.PutToken(context.Background(), store.Token{Key: store.TokenKey{IssuerID: iss.ID, UserID: "u1"}, CloudUser: "alice",
		AccessToken: access, RefreshToken: refresh, Expiry: now.Add(life), Created: now, Refreshed: now})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(age)
	e.cloud.ResetCounts()
	return iss
}

// TestTokenEndedEarlyByTheServerRefreshesOnce: the server ends an access token that our clock still calls fresh
// (Nextcloud's app-password row expires by the server's clock); the 401 leads to one refresh, shared by every
// goroutine and both replicas, and one retry each, never to "log in again".
func TestTokenEndedEarlyByTheServerRefreshesOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		replicas int
		postgres bool
	}{{"one process", 1, false}, {"two replicas on SQLite", 2, false}, {"two replicas on PostgreSQL", 2, true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, cloudtest.Options{})
			open := func() *gorm.DB { return gormtest.OpenSQLite(t, gormtest.SQLiteFile(t)) }
			if tc.postgres {
				dsn := gormtest.PostgresSchema(t)
				open = func() *gorm.DB { return gormtest.OpenPostgres(t, dsn) }
			} else if tc.replicas > 1 {
				path := gormtest.SQLiteFile(t)
				open = func() *gorm.DB { return gormtest.OpenSQLite(t, path) }
			}
			var svcs []*Service
			var st store.Store
			for range tc.replicas {
				st = e.store(t, open())
				svcs = append(svcs, e.service(t, st))
			}
			iss := e.seedFresh(t, st, 10*time.Minute)
			if n := e.cloud.ExpireAccessTokens("alice"); n != 1 {
				t.Fatalf("the cloud ended %d tokens", n)
			}
			if errs := listAll(iss.ID, 20, svcs...); len(errs) > 0 {
				t.Fatalf("%d listings failed, first: %v", len(errs), errs[0])
			}
			checkOneRefresh(t, e)
			if errs := listAll(iss.ID, 3, svcs...); len(errs) > 0 {
				t.Fatalf("after the refresh: %v", errs[0])
			}
			if n := e.cloud.Count(cloudtest.EPToken); n != 1 {
				t.Errorf("token requests after the refresh = %d, want still 1", n)
			}
		})
	}
}

// TestTokenEndedEarlyAndRefreshRefusedMeansLogInAgain: when the refresh after the 401 is refused too, the user is
// told to log in again, after exactly one token request.
func TestTokenEndedEarlyAndRefreshRefusedMeansLogInAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cloudtest.Options{})
	st := e.store(t, gormtest.OpenSQLite(t, gormtest.SQLiteFile(t)))
	iss := e.seedFresh(t, st, 10*time.Minute)
	tok, _ := st.GetToken(context.Background(), store.TokenKey{IssuerID: iss.ID, UserID: "u1"})
	c, err := cloud.New(cloud.Config{BaseURL: e.iss.BaseURL, ClientID: "client", ClientSecret: "client-secret", BasicAuth: true,
		Endpoints: endpointsOf(e.iss)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Refresh(context.Background(), tok.RefreshToken); err != nil { // redeemed elsewhere: both die
		t.Fatal(err)
	}
	e.cloud.ResetCounts()
	s := e.service(t, st)
	errs := listAll(iss.ID, 5, s)
	if len(errs) != 5 {
		t.Fatalf("%d of 5 listings failed, want all", len(errs))
	}
	for _, err := range errs {
		if !errors.Is(err, ErrLoginAgain) {
			t.Fatalf("error %v is not ErrLoginAgain", err)
		}
	}
	if n := e.cloud.Count(cloudtest.EPToken); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
}

// TestTokenRefusedRightAfterIssueIsNotRefreshed: a token the cloud refuses moments after it was issued did not
// expire; a stripped Authorization header is the likely cause, and refreshing on every call would not help.
func TestTokenRefusedRightAfterIssueIsNotRefreshed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cloudtest.Options{})
	st := e.store(t, gormtest.OpenSQLite(t, gormtest.SQLiteFile(t)))
	iss := e.seedFresh(t, st, 5*time.Second)
	e.cloud.Fail(cloudtest.EPWebDAV, cloudtest.Fault{StripAuth: true})
	s := e.service(t, st)
	errs := listAll(iss.ID, 3, s)
	if len(errs) != 3 || !errors.Is(errs[0], cloud.ErrUnauthorized) {
		t.Fatalf("errors %v, want the 401", errs)
	}
	if n := e.cloud.Count(cloudtest.EPToken); n != 0 {
		t.Errorf("token requests = %d, want none", n)
	}
}

// TestFixedSecretWorksAtOnceOnEveryReplica: the cloud's client secret changes (an admin regenerated it there);
// the first refresh gets invalid_client and pauses refreshes on both replicas (one token request in all, the
// stored login kept); saving the corrected secret on one replica ends the pause on the other at once, without
// waiting for the pause to run out.
func TestFixedSecretWorksAtOnceOnEveryReplica(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cloudtest.Options{DisableBruteForce: true})
	path := gormtest.SQLiteFile(t)
	st1, st2 := e.store(t, gormtest.OpenSQLite(t, path)), e.store(t, gormtest.OpenSQLite(t, path))
	iss := e.seedExpired(t, st1)
	s1, s2 := e.service(t, st1), e.service(t, st2)
	before, _ := st1.GetToken(context.Background(), store.TokenKey{IssuerID: iss.ID, UserID: "u1"})
	e.cloud.SetClientSecret("regenerated")

	if errs := listAll(iss.ID, 3, s1); len(errs) != 3 || !errors.Is(errs[0], ErrClientRefused) {
		t.Fatalf("replica 1: %v, want ErrClientRefused", errs)
	}
	if errs := listAll(iss.ID, 3, s2); len(errs) != 3 || !errors.Is(errs[0], ErrClientRefused) {
		t.Fatalf("replica 2: %v, want ErrClientRefused", errs)
	}
	if n := e.cloud.Count(cloudtest.EPToken); n != 1 {
		t.Errorf("token requests = %d, want 1 (the other replica pauses too)", n)
	}
	if after, _ := st2.GetToken(context.Background(), store.TokenKey{IssuerID: iss.ID, UserID: "u1"}); after.RefreshToken != before.RefreshToken {
		t.Errorf("the refused client cost the stored login")
	}

	// The admin saves the new secret on replica 1.
	cur, err := st1.GetIssuer(context.Background(), iss.ID)
	if err != nil {
		t.Fatal(err)
	}
	in := IssuerInput{Name: cur.Name, BaseURL: cur.BaseURL, ClientID: cur.ClientID, ClientSecret: "regenerated",
		BasicAuth: cur.BasicAuth, Preset: PresetCustom, Endpoints: cur.Endpoints, Mappings: cur.Mappings}
	if _, err := s1.UpdateIssuer(context.Background(), host.User{ID: "admin"}, iss.ID, in); err != nil {
		t.Fatal(err)
	}
	if errs := listAll(iss.ID, 3, s2); len(errs) > 0 {
		t.Fatalf("replica 2 right after the save: %v", errs[0])
	}
	if n := e.cloud.Count(cloudtest.EPToken); n != 2 {
		t.Errorf("token requests = %d, want 2", n)
	}
}

// TestLogoutWhileTheCloudIsDownRevokesLater: the logout ends the login here at once; the cloud, down, keeps it
// until it answers again; the next contact with the cloud (another user's refresh) revokes it, also when the
// access token has expired meanwhile (the refresh token revokes it then), and it is tried once.
func TestLogoutWhileTheCloudIsDownRevokesLater(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cloudtest.Options{})
	st := e.store(t, gormtest.OpenSQLite(t, gormtest.SQLiteFile(t)))
	iss := e.seedFresh(t, st, time.Minute)
	tok, _ := st.GetToken(context.Background(), store.TokenKey{IssuerID: iss.ID, UserID: "u1"})
	// Another user of the same cloud, whose token needs a refresh later.
	access2, refresh2, life := e.cloud.IssueToken("alice")
	now := e.clock.Now()
	if _, err := st.PutToken(context.Background(), store.Token{Key: store.TokenKey{IssuerID: iss.ID, UserID: "u2"}, CloudUser: "alice",
		AccessToken: access2, RefreshToken: refresh2, Expiry: now.Add(life), Created: now, Refreshed: now}); err != nil {
		t.Fatal(err)
	}
	s := e.service(t, st)

	e.cloud.Stop()
	res, err := s.Logout(context.Background(), host.User{ID: "u1"}, iss.ID)
	if err != nil || !res.RevocationPending {
		t.Fatalf("logout while the cloud is down: %+v %v", res, err)
	}
	if _, err := st.GetToken(context.Background(), store.TokenKey{IssuerID: iss.ID, UserID: "u1"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the login is still stored here: %v", err)
	}
	if p, _ := st.ListRevocations(context.Background(), iss.ID, 10); len(p) != 1 || p[0].LastError == "" {
		t.Fatalf("pending revocations %+v", p)
	}
	e.clock.Advance(2 * life) // the access tokens expire meanwhile; the refresh tokens live on
	if err := e.cloud.Start(); err != nil {
		t.Fatal(err)
	}
	e.cloud.ResetCounts()

	// The next contact: u2's listing refreshes its token; the pending revocation follows in the background.
	conn, _, err := s.userConn(context.Background(), iss.ID, "u2")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := conn.ReadDir(context.Background(), "/"); err != nil {
		t.Fatal(err)
	}
	s.Close() // waits for the background retry
	if p, _ := st.ListRevocations(context.Background(), iss.ID, 10); len(p) != 0 {
		t.Fatalf("still pending after the cloud answered: %+v", p)
	}
	if n := e.cloud.RefreshRedemptions()[tok.RefreshToken]; n != 1 {
		t.Errorf("u1's refresh token presented %d times, want once (to revoke with)", n)
	}
	c, err := cloud.New(cloud.Config{BaseURL: e.iss.BaseURL, ClientID: "client", ClientSecret: "client-secret", BasicAuth: true,
		Endpoints: endpointsOf(e.iss)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Refresh(context.Background(), tok.RefreshToken); !errors.Is(err, cloud.ErrLoginAgain) {
		t.Errorf("u1's login still works at the cloud: %v", err)
	}
}
