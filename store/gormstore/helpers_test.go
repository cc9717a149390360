package gormstore_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/ocrepo/ocrepo/store/gormstore"
	"github.com/ocrepo/ocrepo/store/seal"
)

// postgresEnv names the environment variable with the DSN of a PostgreSQL database for tests, for example
// "host=127.0.0.1 port=5432 user=postgres dbname=test sslmode=disable". Each test works in a schema of its own.
const postgresEnv = "OCREPO_TEST_POSTGRES_DSN"

// postgresMaxConns keeps parallel tests within PostgreSQL's default connection limit.
const postgresMaxConns = 8

func secret(b byte) []byte { return bytes.Repeat([]byte{b}, seal.KeySize) }

func keyring(t testing.TB, primary []byte, old ...[]byte) *seal.Keyring {
	t.Helper()
	k, err := seal.NewKeyring(primary, old...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// sqliteFile returns the path of a new SQLite database file in a temporary directory.
func sqliteFile(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "ocrepo.db")
}

// openSQLite opens path and closes it when the test ends.
func openSQLite(t testing.TB, path string) *gorm.DB {
	t.Helper()
	db, err := gormstore.OpenSQLite(path)
	if err != nil {
		t.Fatalf("OpenSQLite: %v", err)
	}
	closeAtEnd(t, db)
	return db
}

func closeAtEnd(t testing.TB, db *gorm.DB) {
	t.Helper()
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sqlDB.Close() })
}

// postgresDSN returns the test database's DSN, or skips the test when none is configured.
func postgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		t.Skipf("%s not set", postgresEnv)
	}
	return dsn
}

// postgresSchema creates a schema of its own for the test, dropped when the test ends, and returns a DSN whose
// connections work in it.
func postgresSchema(t testing.TB) string {
	t.Helper()
	dsn := postgresDSN(t)
	admin, err := gormstore.OpenPostgres(dsn)
	if err != nil {
		t.Fatalf("OpenPostgres: %v", err)
	}
	sqlAdmin, err := admin.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlAdmin.SetMaxOpenConns(1)
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	schema := "ocrepo_test_" + hex.EncodeToString(b[:])
	if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		t.Fatalf("create schema: %v", err)
	}
	// Registered first, so it runs after the test's own cleanups have closed their connections.
	t.Cleanup(func() {
		if err := admin.Exec("DROP SCHEMA " + schema + " CASCADE").Error; err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		_ = sqlAdmin.Close()
	})
	return withSearchPath(dsn, schema)
}

func withSearchPath(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return dsn + " search_path=" + schema
}

// openPostgres opens dsn with a bounded pool and closes it when the test ends.
func openPostgres(t testing.TB, dsn string) *gorm.DB {
	t.Helper()
	db, err := gormstore.OpenPostgres(dsn)
	if err != nil {
		t.Fatalf("OpenPostgres: %v", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(postgresMaxConns)
	closeAtEnd(t, db)
	return db
}

// newStore returns a migrated store on db.
func newStore(t testing.TB, db *gorm.DB, keys *seal.Keyring, opts ...gormstore.Option) *gormstore.Store {
	t.Helper()
	s, err := gormstore.New(db, keys, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

// backend is a database the tests run on: open returns a fresh one per call, or a second handle on the same one
// when given the name the first call returned.
type backend struct {
	name string
	// fresh returns a new empty database and a function that opens another handle on it.
	fresh func(t testing.TB) (db *gorm.DB, reopen func() *gorm.DB)
}

// backends lists SQLite always and PostgreSQL when configured.
func backends() []backend {
	return []backend{
		{"sqlite", func(t testing.TB) (*gorm.DB, func() *gorm.DB) {
			path := sqliteFile(t)
			return openSQLite(t, path), func() *gorm.DB { return openSQLite(t, path) }
		}},
		{"postgres", func(t testing.TB) (*gorm.DB, func() *gorm.DB) {
			dsn := postgresSchema(t)
			return openPostgres(t, dsn), func() *gorm.DB { return openPostgres(t, dsn) }
		}},
	}
}
