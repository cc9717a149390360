package service

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/store/gormstore/gormtest"
)

// TestListingCacheKeyedByIssuerAndHostUser: a cached listing belongs to one host user at one cloud. The same
// person with the same account name at two clouds sees each cloud's own folder (never the other's from the cache),
// and an import checks sizes against the listing of the cloud it imports from; two host users logged in as the same
// cloud account each have their own listings.
func TestListingCacheKeyedByIssuerAndHostUser(t *testing.T) {
	t.Parallel()
	ea := newEnv(t, cloudtest.Options{})
	eb := newEnv(t, cloudtest.Options{})
	ea.cloud.WriteFile("alice", "/only-at-a.txt", []byte("a"))
	ea.cloud.WriteFile("alice", "/big.bin", []byte(strings.Repeat("x", 5000)))
	eb.cloud.WriteFile("alice", "/only-at-b.txt", []byte("b"))
	eb.cloud.WriteFile("alice", "/big.bin", []byte("small at b"))
	st := ea.store(t, gormtest.OpenSQLite(t, gormtest.SQLiteFile(t)))
	sink := host.FileSinkFunc(func(_ context.Context, _ host.FileInfo, r io.Reader) (string, error) {
		if _, err := io.Copy(io.Discard, r); err != nil {
			return "", err
		}
		return "ref", nil
	})
	s, err := New(Config{Store: st, SigningKey: ea.key, CallbackURL: "http://lms.test/cloud/callback", AllowLoopback: true,
		Files: sink, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: ea.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	ctx := context.Background()
	instance := func(e *env, name string) store.Instance {
		t.Helper()
		iss := e.iss
		iss.Name = name
		iss, err := st.CreateIssuer(ctx, iss)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := st.CreateInstance(ctx, store.Instance{Name: name, IssuerID: iss.ID, Enabled: true,
			Supported: store.ReturnTypes(host.ReturnImport), DefaultReturn: store.ReturnTypes(host.ReturnImport)})
		if err != nil {
			t.Fatal(err)
		}
		return inst
	}
	connect := func(e *env, issuerID int64, hostUser string) {
		t.Helper()
		access, refresh, life := e.cloud.IssueToken("alice")
		now := e.clock.Now()
		_, err := st.PutToken(ctx, store.Token{Key: store.TokenKey{IssuerID: issuerID, UserID: hostUser}, CloudUser: "alice",
			AccessToken: access, RefreshToken: refresh, Expiry: now.Add(life), Created: now, Refreshed: now})
		if err != nil {
			t.Fatal(err)
		}
	}
	instA, instB := instance(ea, "Cloud A"), instance(eb, "Cloud B")
	connect(ea, instA.IssuerID, "u1")
	connect(eb, instB.IssuerID, "u1")
	connect(ea, instA.IssuerID, "u2")
	list := func(e *env, u string, inst store.Instance, wantCached bool) []string {
		t.Helper()
		e.cloud.ResetCounts()
		lp, err := s.List(ctx, host.User{ID: u}, inst, host.PickRequest{}, ListQuery{Path: "/"})
		if err != nil {
			t.Fatal(err)
		}
		if n := e.cloud.CountMethod(cloudtest.EPWebDAV, "PROPFIND"); lp.Cached != wantCached || (n == 0) != wantCached {
			t.Errorf("%s at %s: cached %v with %d PROPFIND, want cached %v", u, inst.Name, lp.Cached, n, wantCached)
		}
		var names []string
		for _, r := range lp.Rows {
			names = append(names, r.Name)
		}
		return names
	}
	if got := list(ea, "u1", instA, false); !slices.Contains(got, "only-at-a.txt") {
		t.Fatalf("u1 at A lists %q", got)
	}
	if got := list(ea, "u1", instA, true); !slices.Contains(got, "only-at-a.txt") {
		t.Fatalf("u1 at A again lists %q", got)
	}
	if got := list(eb, "u1", instB, false); fmt.Sprint(got) != "[a.txt big.bin only-at-b.txt]" {
		t.Errorf("u1 at B lists %q, want B's own folder", got)
	}
	if got := list(ea, "u2", instA, false); !slices.Contains(got, "only-at-a.txt") {
		t.Errorf("u2 at A lists %q", got)
	}

	// An import from B is judged by B's listing (10 bytes), not A's (5000 bytes).
	list(ea, "u1", instA, true)
	req := host.PickRequest{MaxBytes: 1000}
	id, err := s.StartImport(ctx, host.User{ID: "u1"}, instB, req, []string{"/big.bin"})
	if err != nil {
		t.Fatalf("import of B's small big.bin refused: %v", err)
	}
	if j, err := s.AwaitImport(ctx, host.User{ID: "u1"}, id); err != nil || j.State != store.ImportDone {
		t.Errorf("import from B: %+v, %v", j, err)
	}
	if _, err := s.StartImport(ctx, host.User{ID: "u1"}, instA, req, []string{"/big.bin"}); err == nil {
		t.Errorf("import of A's 5000-byte big.bin was not refused from A's listing")
	}
}
