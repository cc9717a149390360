package gormstore_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/store/gormstore"
	"github.com/ocrepo/ocrepo/store/gormstore/gormpostgres"
	"github.com/ocrepo/ocrepo/store/seal"
)

func TestNewRejects(t *testing.T) {
	t.Parallel()
	db := openSQLite(t, ":memory:")
	keys := keyring(t, secret(1))
	if _, err := gormstore.New(nil, keys); err == nil {
		t.Fatal("New(nil db) succeeded")
	}
	if _, err := gormstore.New(db, nil); err == nil {
		t.Fatal("New(nil keyring) succeeded")
	}
}

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db, _ := b.fresh(t)
			oldKey, newKey := secret(1), secret(2)
			before := newStore(t, db, keyring(t, oldKey))
			ids := writeSecrets(t, before)
			oldTok, err := before.GetToken(ctx, store.TokenKey{IssuerID: ids[0], UserID: "alice"})
			if err != nil {
				t.Fatal(err)
			}

			// The new secret is primary; the old one still opens what it sealed.
			rotated := newStore(t, db, keyring(t, newKey, oldKey))
			iss, err := rotated.GetIssuer(ctx, ids[0])
			if err != nil || iss.ClientSecret != clientSecret+"0" {
				t.Fatalf("GetIssuer after rotation = %q, %v", iss.ClientSecret, err)
			}
			tok, err := rotated.GetToken(ctx, oldTok.Key)
			if err != nil {
				t.Fatalf("GetToken after rotation: %v", err)
			}
			if tok.AccessToken != oldTok.AccessToken || tok.RefreshToken != oldTok.RefreshToken || tok.Version != oldTok.Version {
				t.Fatalf("token read after rotation = %+v, want %+v", tok, oldTok)
			}

			// New writes use the new key: a store holding only the new key reads them, not the old values.
			newOnly := newStore(t, db, keyring(t, newKey))
			written, err := rotated.PutToken(ctx, store.Token{
				Key: store.TokenKey{IssuerID: ids[0], UserID: "carol"}, AccessToken: "new access", RefreshToken: "new refresh",
			})
			if err != nil {
				t.Fatal(err)
			}
			if got, err := newOnly.GetToken(ctx, written.Key); err != nil || got.AccessToken != "new access" {
				t.Fatalf("new-key store reading a post-rotation write: %q, %v", got.AccessToken, err)
			}
			if _, err := newOnly.GetToken(ctx, oldTok.Key); !errors.Is(err, seal.ErrCannotOpen) {
				t.Fatalf("new-key store reading a pre-rotation token: err = %v, want seal.ErrCannotOpen", err)
			}
			if _, err := before.GetToken(ctx, written.Key); !errors.Is(err, seal.ErrCannotOpen) {
				t.Fatalf("old-key store reading a post-rotation token: err = %v, want seal.ErrCannotOpen", err)
			}

			// Reseal rewrites every old value (2 client secrets, 3 tokens of 2 secrets for 2 issuers, 2 verifiers,
			// 2 pending revocations of 2 secrets) and leaves versions alone; then the old key can go.
			n, err := rotated.Reseal(ctx)
			if err != nil {
				t.Fatalf("Reseal: %v", err)
			}
			if n != 2+2*3*2+2+2*2 {
				t.Fatalf("Reseal rewrote %d values, want %d", n, 2+2*3*2+2+2*2)
			}
			if n, err := rotated.Reseal(ctx); err != nil || n != 0 {
				t.Fatalf("second Reseal = %d, %v; want 0, nil", n, err)
			}
			tok, err = newOnly.GetToken(ctx, oldTok.Key)
			if err != nil || tok.AccessToken != oldTok.AccessToken || tok.RefreshToken != oldTok.RefreshToken {
				t.Fatalf("new-key store after Reseal: %+v, %v", tok, err)
			}
			if tok.Version != oldTok.Version {
				t.Fatalf("Reseal changed the token version from %d to %d", oldTok.Version, tok.Version)
			}
			if _, err := newOnly.ListIssuers(ctx); err != nil {
				t.Fatalf("ListIssuers with the new key only: %v", err)
			}
			if _, err := newOnly.TakeLoginState(ctx, "state-1"); err != nil {
				t.Fatalf("TakeLoginState with the new key only: %v", err)
			}
		})
	}
}

func TestResealStopsAtAnUnknownKey(t *testing.T) {
	t.Parallel()
	path := sqliteFile(t)
	db := openSQLite(t, path)
	writeSecrets(t, newStore(t, db, keyring(t, secret(1))))
	stranger := newStore(t, db, keyring(t, secret(3)))
	if _, err := stranger.Reseal(t.Context()); !errors.Is(err, seal.ErrCannotOpen) {
		t.Fatalf("Reseal with a keyring that lacks the key: err = %v, want seal.ErrCannotOpen", err)
	}
	if _, err := newStore(t, db, keyring(t, secret(1))).ListIssuers(t.Context()); err != nil {
		t.Fatalf("a failed Reseal damaged the data: %v", err)
	}
}

func wantVersions(t *testing.T, s *gormstore.Store) {
	t.Helper()
	got, err := s.SchemaVersions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}; !slices.Equal(got, want) {
		t.Fatalf("schema versions = %v, want %v", got, want)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db, _ := b.fresh(t)
			s := newStore(t, db, keyring(t, secret(1)))
			wantVersions(t, s)
			iss, err := s.CreateIssuer(ctx, store.Issuer{Name: "kept", ClientSecret: "x"})
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				if err := s.Migrate(ctx); err != nil {
					t.Fatalf("Migrate again: %v", err)
				}
			}
			wantVersions(t, s)
			got, err := s.GetIssuer(ctx, iss.ID)
			if err != nil || got.Name != "kept" {
				t.Fatalf("issuer after re-migrating: %+v, %v", got, err)
			}
		})
	}
}

func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			db, reopen := b.fresh(t)
			keys := keyring(t, secret(1))
			// Two handles (as two processes would have), several migrators on each.
			var stores []*gormstore.Store
			for _, h := range []*gorm.DB{db, reopen()} {
				s, err := gormstore.New(h, keys)
				if err != nil {
					t.Fatal(err)
				}
				stores = append(stores, s, s, s)
			}
			errs := make([]error, len(stores))
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, s := range stores {
				wg.Go(func() {
					<-start
					errs[i] = s.Migrate(t.Context())
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("Migrate %d: %v", i, err)
				}
			}
			wantVersions(t, stores[0])
			wantVersions(t, stores[len(stores)-1])
			if _, err := stores[3].CreateIssuer(t.Context(), store.Issuer{Name: "works"}); err != nil {
				t.Fatalf("store unusable after concurrent migration: %v", err)
			}
		})
	}
}

// TestTwoHandlesCompareAndSwap runs two stores on two handles of one database (two replicas), and has both swap
// the same token from the same version, many times over: each time exactly one wins.
func TestTwoHandlesCompareAndSwap(t *testing.T) {
	t.Parallel()
	b := backends()[0] // one SQLite file
	if os.Getenv(postgresEnv) != "" {
		b = backends()[1]
	}
	ctx := t.Context()
	db, reopen := b.fresh(t)
	keys := keyring(t, secret(1))
	replicas := []*gormstore.Store{newStore(t, db, keys), newStore(t, reopen(), keys)}
	iss, err := replicas[0].CreateIssuer(ctx, store.Issuer{Name: "shared"})
	if err != nil {
		t.Fatal(err)
	}
	key := store.TokenKey{IssuerID: iss.ID, UserID: "alice"}
	tok, err := replicas[1].PutToken(ctx, store.Token{Key: key, RefreshToken: "r0"})
	if err != nil {
		t.Fatal(err)
	}
	const rounds = 25
	wins := [2]int{}
	for round := range rounds {
		var errs [2]error
		var results [2]store.Token
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, r := range replicas {
			next := tok
			next.RefreshToken = fmt.Sprintf("r%d-replica%d", round+1, i)
			next.LeaseHolder = fmt.Sprint("replica ", i)
			wg.Go(func() {
				<-start
				results[i], errs[i] = r.SwapToken(ctx, next, tok.Version)
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner == -1:
				winner = i
			case err == nil:
				t.Fatalf("round %d: both replicas won", round)
			case !errors.Is(err, store.ErrConflict):
				t.Fatalf("round %d: replica %d: %v", round, i, err)
			}
		}
		if winner == -1 {
			t.Fatalf("round %d: neither replica won: %v", round, errs)
		}
		wins[winner]++
		stored, err := replicas[1-winner].GetToken(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if stored.RefreshToken != results[winner].RefreshToken || stored.Version != tok.Version+1 {
			t.Fatalf("round %d: stored %q v%d, winner wrote %q v%d", round, stored.RefreshToken, stored.Version,
				results[winner].RefreshToken, results[winner].Version)
		}
		tok = stored
	}
	t.Logf("%s: wins per replica over %d rounds: %v", b.name, rounds, wins)
}

// TestSQLiteConcurrentWriters has 50 goroutines write at once, through single statements and transactions, and
// expects no "database is locked".
func TestSQLiteConcurrentWriters(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t, openSQLite(t, sqliteFile(t)), keyring(t, secret(1)))
	iss, err := s.CreateIssuer(ctx, store.Issuer{Name: "busy"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 50
	var failures atomic.Int64
	errs := make(chan error, n*4)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			report := func(err error) {
				if err != nil {
					failures.Add(1)
					errs <- err
				}
			}
			user := fmt.Sprint("user-", i)
			tok, err := s.PutToken(ctx, store.Token{Key: store.TokenKey{IssuerID: iss.ID, UserID: user}, AccessToken: user})
			report(err)
			if err == nil {
				_, err = s.SwapToken(ctx, tok, tok.Version)
				report(err)
			}
			// UpdateIssuer runs a transaction of several statements.
			_, err = s.UpdateIssuer(ctx, store.Issuer{ID: iss.ID, Name: "busy",
				Endpoints: []store.Endpoint{{Name: "token_endpoint", URL: "https://x/" + user}}})
			report(err)
			report(s.AddAudit(ctx, store.AuditEntry{Actor: user, Action: "test"}))
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent write: %v", err)
	}
	if failures.Load() > 0 {
		t.FailNow()
	}
	entries, err := s.ListAudit(ctx, store.AuditFilter{Limit: 1000})
	if err != nil || len(entries) != n {
		t.Fatalf("audit has %d entries (%v), want %d", len(entries), err, n)
	}
	got, err := s.GetIssuer(ctx, iss.ID)
	if err != nil || len(got.Endpoints) != 1 {
		t.Fatalf("issuer after concurrent updates: %+v, %v", got, err)
	}
}

func TestOpenSQLite(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	keys := keyring(t, secret(1))

	// Each in-memory database is its own.
	a := newStore(t, openSQLite(t, ":memory:"), keys)
	b := newStore(t, openSQLite(t, ""), keys)
	if _, err := a.CreateIssuer(ctx, store.Issuer{Name: "only in a"}); err != nil {
		t.Fatal(err)
	}
	if list, err := b.ListIssuers(ctx); err != nil || len(list) != 0 {
		t.Fatalf("second in-memory database sees %d issuers (%v)", len(list), err)
	}

	// A path with characters that mean something in a URI is taken literally.
	path := filepath.Join(t.TempDir(), "odd ?name#1%20.db")
	s := newStore(t, openSQLite(t, path), keys)
	if _, err := s.CreateIssuer(ctx, store.Issuer{Name: "on disk"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file not at the given path: %v", err)
	}
	again := newStore(t, openSQLite(t, path), keys)
	if list, err := again.ListIssuers(ctx); err != nil || len(list) != 1 {
		t.Fatalf("reopened file lists %d issuers (%v)", len(list), err)
	}

	// WAL, foreign keys and the busy timeout are on.
	db := openSQLite(t, sqliteFile(t))
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "5000"} {
		var got string
		if err := db.Raw("PRAGMA " + pragma).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if strings.ToLower(got) != want {
			t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}
}

func TestOpenPostgresHidesPassword(t *testing.T) {
	t.Parallel()
	_, err := gormpostgres.Open("host=127.0.0.1 user=ocrepo password=hunter2-secret port=not-a-port")
	if err == nil {
		t.Fatal("OpenPostgres with a bad port succeeded")
	}
	if strings.Contains(err.Error(), "hunter2-secret") {
		t.Fatalf("error shows the password: %v", err)
	}
}

func TestTimesAreStoredInUTC(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db, _ := b.fresh(t)
			s := newStore(t, db, keyring(t, secret(1)))
			when := time.Date(2031, 7, 1, 23, 30, 0, 0, time.FixedZone("UTC-10", -10*3600))
			if err := s.AddAudit(ctx, store.AuditEntry{At: when, Action: "x"}); err != nil {
				t.Fatal(err)
			}
			// Read the column as text: whatever the session time zone, the stored instant is the same, and on
			// SQLite (which stores text) it is written in UTC.
			var raw string
			query := "SELECT CAST(at AS TEXT) FROM ocrepo_audit"
			switch b.name {
			case "postgres":
				query = "SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM ocrepo_audit"
			case "mysql":
				// DATETIME has no zone: the store writes UTC, whatever the session's time zone.
				query = "SELECT CAST(at AS CHAR) FROM ocrepo_audit"
			}
			if err := db.Raw(query).Scan(&raw).Error; err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(raw, "2031-07-02 09:30:00") {
				t.Fatalf("stored time = %q, want 2031-07-02 09:30:00 UTC", raw)
			}
			if b.name == "sqlite" && !strings.HasSuffix(raw, "+00:00") {
				t.Fatalf("stored time = %q, want a +00:00 offset", raw)
			}
		})
	}
}

// TestHostHandleWithoutTranslation: a host's own handle, opened without GORM's error translation, still gives the
// store's sentinels for a taken unique key and a missing parent: the store switches translation on for its session.
func TestHostHandleWithoutTranslation(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db, _ := b.fresh(t)
			host := db.Session(&gorm.Session{NewDB: true})
			host.Config.TranslateError = false
			s := newStore(t, host, keyring(t, secret(1)))

			iss, err := s.CreateIssuer(ctx, store.Issuer{Name: "a"})
			if err != nil {
				t.Fatal(err)
			}
			iss.Endpoints = []store.Endpoint{{Name: "token_endpoint", URL: "https://a/1"}, {Name: "token_endpoint", URL: "https://a/2"}}
			if _, err := s.UpdateIssuer(ctx, iss); !errors.Is(err, store.ErrDuplicate) {
				t.Fatalf("UpdateIssuer with one endpoint name twice: %v, want store.ErrDuplicate", err)
			}
			tok := store.Token{Key: store.TokenKey{IssuerID: iss.ID + 1000, UserID: "alice"}, AccessToken: "a", RefreshToken: "r"}
			if _, err := s.PutToken(ctx, tok); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("PutToken for a missing issuer: %v, want store.ErrNotFound", err)
			}
			if host.Config.TranslateError {
				t.Fatal("New changed the host's handle")
			}
		})
	}
}

// TestWithClock: the times the store sets itself come from its clock.
func TestWithClock(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	at := time.Date(2031, 2, 3, 4, 5, 6, 7000, time.UTC)
	s := newStore(t, openSQLite(t, ":memory:"), keyring(t, secret(1)), gormstore.WithClock(func() time.Time { return at }))
	iss, err := s.CreateIssuer(ctx, store.Issuer{Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if !iss.Created.Equal(at) || !iss.Updated.Equal(at) {
		t.Errorf("created %v, updated %v; want both %v", iss.Created, iss.Updated, at)
	}
	if err := s.AddAudit(ctx, store.AuditEntry{Action: "x"}); err != nil {
		t.Fatal(err)
	}
	entries, err := s.ListAudit(ctx, store.AuditFilter{})
	if err != nil || len(entries) != 1 || !entries[0].At.Equal(at) {
		t.Errorf("audit %+v, %v; want one entry at %v", entries, err, at)
	}
}
