package gormstore

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

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
	s := newSQLiteFileStore(t)
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

// TestSQLiteBoundedStatementsHonourTheirContext: a statement marked bounded runs without the driver's interrupt
// watch, yet an ended context still stops it before it starts (exec, query and single-row query alike, nothing
// written); an unmarked long statement is still interrupted in the middle when its context ends.
func TestSQLiteBoundedStatementsHonourTheirContext(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newSQLiteFileStore(t)
	if err := s.db.WithContext(ctx).Exec("CREATE TABLE bounded_probe (a INTEGER)").Error; err != nil {
		t.Fatal(err)
	}
	count := func() int64 {
		var n int64
		if err := s.db.WithContext(ctx).Raw("SELECT count(*) FROM bounded_probe WHERE a >= ?", 0).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}

	live := bounded(ctx)
	if err := s.db.WithContext(live).Exec("INSERT INTO bounded_probe (a) VALUES (?)", 1).Error; err != nil {
		t.Fatalf("bounded insert: %v", err)
	}
	var got []int64
	if err := s.db.WithContext(live).Raw("SELECT a FROM bounded_probe WHERE a = ?", 1).Scan(&got).Error; err != nil || len(got) != 1 {
		t.Fatalf("bounded query: %v, %v", got, err)
	}

	ended, cancel := context.WithCancel(ctx)
	cancel()
	ended = bounded(ended)
	if err := s.db.WithContext(ended).Exec("INSERT INTO bounded_probe (a) VALUES (?)", 2).Error; !errors.Is(err, context.Canceled) {
		t.Errorf("bounded insert with an ended context: %v, want context.Canceled", err)
	}
	if n := count(); n != 1 {
		t.Errorf("%d rows after the refused insert, want 1", n)
	}
	if _, err := s.db.WithContext(ended).Raw("SELECT a FROM bounded_probe WHERE a = ?", 1).Rows(); !errors.Is(err, context.Canceled) {
		t.Errorf("bounded query with an ended context: %v, want context.Canceled", err)
	}
	var n int64
	if err := s.db.WithContext(ended).Raw("SELECT a FROM bounded_probe WHERE a = ?", 1).Row().Scan(&n); !errors.Is(err, context.Canceled) {
		t.Errorf("bounded single-row query with an ended context: %v, want context.Canceled", err)
	}

	// A statement of minutes, not marked: its context's deadline interrupts it in the middle of its one step.
	long, stop := context.WithTimeout(ctx, 100*time.Millisecond)
	defer stop()
	began := time.Now()
	err := s.db.WithContext(long).Raw(`WITH RECURSIVE c(x) AS (SELECT ? UNION ALL SELECT x + 1 FROM c WHERE x < 10000000000)
		SELECT count(*) FROM c`, 1).Row().Scan(&n)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("long statement: %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(began); d > 30*time.Second {
		t.Errorf("long statement stopped after %v", d)
	}
}

// newSQLiteFileStore is a store on a SQLite file of the test's own, not yet migrated.
func newSQLiteFileStore(t *testing.T) *Store {
	t.Helper()
	keys, err := seal.NewKeyring(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(gormtest.OpenSQLite(t, gormtest.SQLiteFile(t)), keys)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
