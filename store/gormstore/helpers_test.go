package gormstore_test

import (
	"bytes"
	"testing"

	"gorm.io/gorm"

	"github.com/ocrepo/ocrepo/store/gormstore"
	"github.com/ocrepo/ocrepo/store/gormstore/gormtest"
	"github.com/ocrepo/ocrepo/store/seal"
)

// postgresEnv names the environment variable with the DSN of a PostgreSQL database for tests. Each test works in
// a schema of its own.
const postgresEnv = gormtest.PostgresEnv

func secret(b byte) []byte { return bytes.Repeat([]byte{b}, seal.KeySize) }

func keyring(t testing.TB, primary []byte, old ...[]byte) *seal.Keyring {
	t.Helper()
	k, err := seal.NewKeyring(primary, old...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func sqliteFile(t testing.TB) string { return gormtest.SQLiteFile(t) }

func openSQLite(t testing.TB, path string) *gorm.DB { return gormtest.OpenSQLite(t, path) }

func closeAtEnd(t testing.TB, db *gorm.DB) { gormtest.CloseAtEnd(t, db) }

func postgresDSN(t testing.TB) string { return gormtest.PostgresDSN(t) }

func postgresSchema(t testing.TB) string { return gormtest.PostgresSchema(t) }

func openPostgres(t testing.TB, dsn string) *gorm.DB { return gormtest.OpenPostgres(t, dsn) }

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

// backends lists SQLite always, and PostgreSQL and MySQL/MariaDB when configured.
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
		{"mysql", func(t testing.TB) (*gorm.DB, func() *gorm.DB) {
			dsn := gormtest.MySQLDatabase(t)
			return gormtest.OpenMySQL(t, dsn), func() *gorm.DB { return gormtest.OpenMySQL(t, dsn) }
		}},
	}
}
