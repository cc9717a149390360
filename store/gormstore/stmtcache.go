package gormstore

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// stmtCacheLimit bounds the statements kept prepared: the store sends a few dozen distinct statements; past the
// limit the rest run unprepared.
const stmtCacheLimit = 256

// stmtCache is the store's connection pool on SQLite: statements with arguments are prepared once and reused.
// SQLite compiles every statement it is given, and for the picker's one query (five tables joined) compiling cost
// more than running it. database/sql prepares a statement on each connection as it is used there. Statements
// without arguments (the migrations' DDL) and transactions run as before. It starts nothing and holds no goroutine;
// the statements go with the database's connections.
type stmtCache struct {
	db *sql.DB

	mu       sync.RWMutex
	stmts    map[string]*sql.Stmt
	prepares atomic.Int64 // statements prepared for the cache, kept or not
}

func newStmtCache(db *sql.DB) *stmtCache { return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}} }

// stmt returns the prepared statement for query, preparing it on first use; nil when it is not to be prepared
// (no arguments, the cache is full, or preparing failed: the query then runs unprepared and reports any error).
func (c *stmtCache) stmt(ctx context.Context, query string, args []any) *sql.Stmt {
	if len(args) == 0 {
		return nil
	}
	c.mu.RLock()
	st, ok := c.stmts[query]
	full := len(c.stmts) >= stmtCacheLimit
	c.mu.RUnlock()
	if ok || full {
		return st
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.prepares.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if have, ok := c.stmts[query]; ok {
		_ = st.Close() // prepared meanwhile by another caller
		return have
	}
	if len(c.stmts) >= stmtCacheLimit {
		_ = st.Close()
		return nil
	}
	c.stmts[query] = st
	return st
}

// PrepareContext implements gorm.ConnPool.
func (c *stmtCache) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return c.db.PrepareContext(ctx, query)
}

// ExecContext implements gorm.ConnPool.
func (c *stmtCache) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := c.stmt(ctx, query, args); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.db.ExecContext(ctx, query, args...)
}

// QueryContext implements gorm.ConnPool.
func (c *stmtCache) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := c.stmt(ctx, query, args); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, query, args...)
}

// QueryRowContext implements gorm.ConnPool.
func (c *stmtCache) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := c.stmt(ctx, query, args); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, query, args...)
}

// BeginTx implements gorm.TxBeginner: transactions run on the database's own connections, unprepared.
func (c *stmtCache) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error) {
	return c.db.BeginTx(ctx, opts)
}

// GetDBConn implements gorm.GetDBConnector, so that (*gorm.DB).DB still finds the *sql.DB.
func (c *stmtCache) GetDBConn() (*sql.DB, error) { return c.db, nil }
