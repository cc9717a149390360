package service

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/store/gormstore/gormtest"
)

// TestIssuerSavedOnOneReplicaIsSeenByTheOther: two replicas on one database; the first caches the issuer while
// serving a picker, an admin saves new settings through the second, and the first's very next picker request
// uses them (name, secret, endpoints), then a server replacement too. On SQLite, PostgreSQL and MariaDB.
func TestIssuerSavedOnOneReplicaIsSeenByTheOther(t *testing.T) {
	for _, db := range []struct {
		name string
		open func(t *testing.T) func() *gorm.DB
	}{
		{"sqlite", func(t *testing.T) func() *gorm.DB {
			path := gormtest.SQLiteFile(t)
			return func() *gorm.DB { return gormtest.OpenSQLite(t, path) }
		}},
		{"postgres", func(t *testing.T) func() *gorm.DB {
			dsn := gormtest.PostgresSchema(t)
			return func() *gorm.DB { return gormtest.OpenPostgres(t, dsn) }
		}},
		{"mysql", func(t *testing.T) func() *gorm.DB {
			dsn := gormtest.MySQLDatabase(t)
			return func() *gorm.DB { return gormtest.OpenMySQL(t, dsn) }
		}},
	} {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t, cloudtest.Options{})
			open := db.open(t)
			st1, st2 := e.store(t, open()), e.store(t, open())
			s1, s2 := e.service(t, st1), e.service(t, st2)
			iss, err := st2.CreateIssuer(ctx, e.iss)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st2.CreateInstance(ctx, store.Instance{Name: "Files", IssuerID: iss.ID,
				Supported: store.ReturnTypes(host.ReturnImport), DefaultReturn: store.ReturnTypes(host.ReturnImport), Enabled: true}); err != nil {
				t.Fatal(err)
			}
			req := host.PickRequest{User: "u1", Course: "42"}
			first := availableIssuer(t, s1, req)
			if first.Name != "Cloud" || first.ClientSecret != "client-secret" {
				t.Fatalf("first read: %q %q", first.Name, first.ClientSecret)
			}

			changed := iss
			changed.Name, changed.ClientSecret = "Renamed", "new-secret"
			changed.Endpoints = append([]store.Endpoint(nil), iss.Endpoints...)
			changed.Endpoints[0].URL += "?moved"
			saved, err := st2.UpdateIssuer(ctx, changed)
			if err != nil {
				t.Fatal(err)
			}
			if saved.Revision <= iss.Revision {
				t.Fatalf("revision after a save %d, before %d: want it to grow", saved.Revision, iss.Revision)
			}
			got := availableIssuer(t, s1, req)
			if got.Name != "Renamed" || got.ClientSecret != "new-secret" || got.Revision != saved.Revision {
				t.Fatalf("replica 1 after a save on replica 2: %q %q revision %d, want the saved settings (revision %d)",
					got.Name, got.ClientSecret, got.Revision, saved.Revision)
			}
			if !endpointsEqual(got.Endpoints, saved.Endpoints) {
				t.Fatalf("replica 1 endpoints %v, want %v", got.Endpoints, saved.Endpoints)
			}

			moved := saved
			moved.BaseURL = e.cloud.URL + "other/"
			replaced, _, err := st2.ReplaceIssuerServer(ctx, moved)
			if err != nil {
				t.Fatal(err)
			}
			if got := availableIssuer(t, s1, req); got.BaseURL != replaced.BaseURL {
				t.Fatalf("replica 1 after a server change on replica 2: base URL %q, want %q", got.BaseURL, replaced.BaseURL)
			}
			if got := availableIssuer(t, s2, req); got.BaseURL != replaced.BaseURL {
				t.Fatalf("replica 2: base URL %q, want %q", got.BaseURL, replaced.BaseURL)
			}
		})
	}
}

func availableIssuer(t *testing.T, s *Service, req host.PickRequest) store.Issuer {
	t.Helper()
	avail, err := s.AvailableFor(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(avail) != 1 {
		t.Fatalf("%d instances available, want 1", len(avail))
	}
	return avail[0].Issuer
}

func endpointsEqual(a, b []store.Endpoint) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
