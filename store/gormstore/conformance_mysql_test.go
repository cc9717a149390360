package gormstore_test

import (
	"testing"

	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/store/gormstore/gormtest"
	"github.com/ocrepo/ocrepo/store/storetest"
)

// TestConformanceMySQL runs the conformance suite on MySQL or MariaDB, each test in a database of its own; skipped
// without OCREPO_TEST_MYSQL_DSN.
func TestConformanceMySQL(t *testing.T) {
	t.Parallel()
	gormtest.MySQLDSN(t)
	keys := keyring(t, secret(1))
	storetest.Run(t, func(t *testing.T) store.Store {
		return newStore(t, gormtest.OpenMySQL(t, gormtest.MySQLDatabase(t)), keys)
	})
}
