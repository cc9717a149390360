package gormstore_test

import (
	"testing"

	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/store/storetest"
)

func TestConformanceSQLite(t *testing.T) {
	t.Parallel()
	keys := keyring(t, secret(1))
	storetest.Run(t, func(t *testing.T) store.Store {
		return newStore(t, openSQLite(t, sqliteFile(t)), keys)
	})
}

func TestConformanceSQLiteMemory(t *testing.T) {
	t.Parallel()
	keys := keyring(t, secret(1))
	storetest.Run(t, func(t *testing.T) store.Store {
		return newStore(t, openSQLite(t, ":memory:"), keys)
	})
}

func TestConformancePostgres(t *testing.T) {
	t.Parallel()
	postgresDSN(t)
	keys := keyring(t, secret(1))
	storetest.Run(t, func(t *testing.T) store.Store {
		return newStore(t, openPostgres(t, postgresSchema(t)), keys)
	})
}
