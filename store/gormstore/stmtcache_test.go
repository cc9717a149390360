package gormstore

import (
	"fmt"
	"testing"

	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/store/gormstore/gormtest"
	"github.com/ocrepo/ocrepo/store/seal"
)

// TestSQLiteStatementsArePreparedOnce: on SQLite the store prepares each statement with arguments once and reuses
// it (repeating a read adds no statement), keeps DDL and transactions out, stops at its limit (further statements
// still answer, unprepared), and leaves (*gorm.DB).DB working.
func TestSQLiteStatementsArePreparedOnce(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	keys, err := seal.NewKeyring(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(gormtest.OpenSQLite(t, gormtest.SQLiteFile(t)), keys)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := s.db.Statement.ConnPool.(*stmtCache)
	if !ok {
		t.Fatalf("SQLite store's pool is %T, want *stmtCache", s.db.Statement.ConnPool)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	size := func() int {
		c.mu.RLock()
		defer c.mu.RUnlock()
		return len(c.stmts)
	}
	const ddl = "CREATE TABLE stmtcache_probe (a INTEGER)"
	if err := s.db.WithContext(ctx).Exec(ddl).Error; err != nil {
		t.Fatal(err)
	}
	c.mu.RLock()
	_, kept := c.stmts[ddl]
	c.mu.RUnlock()
	if kept {
		t.Error("a statement without arguments was kept prepared")
	}
	iss, err := s.CreateIssuer(ctx, store.Issuer{Name: "one", ClientSecret: "x"}) // a transaction
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetIssuer(ctx, iss.ID); err != nil {
		t.Fatal(err)
	}
	before, prepared := size(), c.prepares.Load()
	for range 5 {
		got, err := s.GetIssuer(ctx, iss.ID)
		if err != nil || got.Name != "one" {
			t.Fatalf("GetIssuer: %+v, %v", got, err)
		}
	}
	if after := size(); after != before || before == 0 {
		t.Fatalf("statements kept: %d before five more reads, %d after; want the same, more than none", before, after)
	}
	if n := c.prepares.Load() - prepared; n != 0 {
		t.Fatalf("five more reads prepared %d statements, want none", n)
	}

	for i := range stmtCacheLimit + 10 {
		var n int
		if err := s.db.WithContext(ctx).Raw(fmt.Sprintf("SELECT ? + %d", i), 1).Scan(&n).Error; err != nil || n != 1+i {
			t.Fatalf("statement %d: %d, %v", i, n, err)
		}
	}
	if got := size(); got != stmtCacheLimit {
		t.Fatalf("%d statements kept, want the limit %d", got, stmtCacheLimit)
	}
	if sqlDB, err := s.db.DB(); err != nil || sqlDB != c.db {
		t.Fatalf("DB() = %p, %v; want the pool's *sql.DB", sqlDB, err)
	}
}
