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

// boundedKey marks a context whose statements are bounded (see bounded).
type boundedKey struct{}

// bounded marks ctx for statements whose work is bounded by a key: a read or write of one row by its key, or a join
// of a handful of rows found by key (the picker's InstanceOffers). On SQLite such a statement runs without the
// driver's cancellation watch: go-sqlite3 starts a goroutine for every row step and every exec when the context
// can be cancelled, to interrupt the statement should the context end meanwhile, which costs more than a point
// read itself and gains nothing for a statement that finishes in microseconds. The context is still honoured
// before the statement starts (an ended request sends nothing); only the interrupt in the middle of a step is
// given up. Statements that may run long (scans, sweeps, lists of unbounded size) must not be marked: they keep
// the interrupt. Other databases ignore the mark.
func bounded(ctx context.Context) context.Context { return context.WithValue(ctx, boundedKey{}, true) }

// detach returns the context a statement runs with on SQLite: ctx itself, or for a bounded statement (bounded) a
// context that cannot be cancelled, after checking that ctx has not ended.
func detach(ctx context.Context) (context.Context, error) {
	if b, _ := ctx.Value(boundedKey{}).(bool); !b {
		return ctx, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return context.WithoutCancel(ctx), nil
}

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
	ctx, err := detach(ctx)
	if err != nil {
		return nil, err
	}
	if st := c.stmt(ctx, query, args); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.db.ExecContext(ctx, query, args...)
}

// QueryContext implements gorm.ConnPool.
func (c *stmtCache) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx, err := detach(ctx)
	if err != nil {
		return nil, err
	}
	if st := c.stmt(ctx, query, args); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, query, args...)
}

// QueryRowContext implements gorm.ConnPool.
func (c *stmtCache) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if d, err := detach(ctx); err == nil {
		ctx = d
	} // else ctx has ended: database/sql gives back a Row holding ctx's error without running the query
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
