// Package gormtest opens the databases gormstore's tests and the test kits run on: a SQLite file of the test's
// own, a PostgreSQL schema of the test's own when OCREPO_TEST_POSTGRES_DSN names a database, or a MySQL/MariaDB
// database of the test's own when OCREPO_TEST_MYSQL_DSN names a server. Every handle is closed, and every schema
// or database dropped, when the test ends. It imports the SQLite driver, so it needs cgo.
package gormtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/ocrepo/ocrepo/store/gormstore/gormpostgres"
	"github.com/ocrepo/ocrepo/store/gormstore/gormsqlite"
)

// PostgresEnv names the environment variable with the DSN of a PostgreSQL database for tests, for example
// "host=127.0.0.1 port=5432 user=postgres dbname=test sslmode=disable".
const PostgresEnv = "OCREPO_TEST_POSTGRES_DSN"

// postgresMaxConns keeps parallel tests within PostgreSQL's default connection limit.
const postgresMaxConns = 8

// PostgresDSN returns the test database's DSN, or skips the test when none is configured.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	return dsnFrom(t, PostgresEnv, "PostgreSQL")
}

// PostgresSchema creates a schema of its own for the test, dropped when the test ends, and returns a DSN whose
// connections work in it. Parallel tests and repeated runs never see each other's rows.
func PostgresSchema(t testing.TB) string {
	t.Helper()
	dsn := PostgresDSN(t)
	schema := scratch(t, dsn, gormpostgres.Open, "CREATE SCHEMA %s", "DROP SCHEMA %s CASCADE")
	return withSearchPath(dsn, schema)
}

// dsnFrom reads a test server's DSN from env, or skips the test when none is configured.
func dsnFrom(t testing.TB, env, what string) string {
	t.Helper()
	dsn := os.Getenv(env)
	if dsn == "" {
		t.Skipf("%s not set: %s tests skipped", env, what)
	}
	return dsn
}

// scratch creates a uniquely named schema or database on the server at dsn (create and drop are statements with
// one %s for the name), drops it when the test ends, and returns its name.
func scratch(t testing.TB, dsn string, open func(string) (*gorm.DB, error), create, drop string) string {
	t.Helper()
	admin := openPool(t, dsn, open, 1, false)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "ocrepo_test_" + hex.EncodeToString(b[:])
	if err := admin.Exec(fmt.Sprintf(create, name)).Error; err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	// Registered first, so it runs after the test's own cleanups have closed their connections.
	t.Cleanup(func() {
		if err := admin.Exec(fmt.Sprintf(drop, name)).Error; err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
		if sqlDB, err := admin.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	return name
}

// openPool opens dsn with at most maxConns connections; closeAtEnd closes them when the test ends.
func openPool(t testing.TB, dsn string, open func(string) (*gorm.DB, error), maxConns int, closeAtEnd bool) *gorm.DB {
	t.Helper()
	db, err := open(dsn)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(maxConns)
	if closeAtEnd {
		CloseAtEnd(t, db)
	}
	return db
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

// OpenPostgres opens dsn with a bounded pool and closes it when the test ends.
func OpenPostgres(t testing.TB, dsn string) *gorm.DB {
	t.Helper()
	return openPool(t, dsn, gormpostgres.Open, postgresMaxConns, true)
}

// SQLiteFile returns the path of a new SQLite database file in a temporary directory.
func SQLiteFile(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "ocrepo.db")
}

// OpenSQLite opens path and closes it when the test ends.
func OpenSQLite(t testing.TB, path string) *gorm.DB {
	t.Helper()
	db, err := gormsqlite.Open(path)
	if err != nil {
		t.Fatalf("OpenSQLite: %v", err)
	}
	CloseAtEnd(t, db)
	return db
}

// CloseAtEnd closes db's connections when the test ends.
func CloseAtEnd(t testing.TB, db *gorm.DB) {
	t.Helper()
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sqlDB.Close() })
}
