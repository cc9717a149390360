// Package gormsqlite opens SQLite databases for gormstore. It is the only package of the store that needs cgo
// (through github.com/mattn/go-sqlite3); a host on PostgreSQL or MySQL never imports it and builds with
// CGO_ENABLED=0.
//
//	db, err := gormsqlite.Open("ocrepo.db")
//	...
//	s, err := gormstore.New(db, keys)
package gormsqlite

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net/url"
	"strings"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// MaxConns bounds the connections Open keeps to one file: SQLite has one writer at a time, so more connections
// only add busy-waiting, while a few let WAL readers proceed beside the writer.
const MaxConns = 8

// Open opens (creating it if needed) the SQLite database file at path, set up for concurrent use: WAL journal, a
// 5 s busy timeout, foreign keys enforced, and transactions that take the write lock when they begin (BEGIN
// IMMEDIATE), so that concurrent writers wait for each other instead of failing with "database is locked". Driver
// errors are translated into GORM's (gorm.ErrDuplicatedKey, gorm.ErrForeignKeyViolated). A host opening SQLite
// itself should use the same settings.
//
// path ":memory:" (or "") opens a private in-memory database instead, for tests: it lives on one connection that
// the pool keeps open, and is gone when the returned handle is closed.
func Open(path string) (*gorm.DB, error) {
	params := url.Values{}
	params.Set("_busy_timeout", "5000")
	params.Set("_foreign_keys", "on")
	params.Set("_txlock", "immediate")
	memory := path == "" || path == ":memory:"
	var dsn string
	if memory {
		name, err := randomName()
		if err != nil {
			return nil, fmt.Errorf("gormsqlite: open: %w", err)
		}
		params.Set("mode", "memory")
		params.Set("cache", "shared")
		dsn = "file:ocrepo-" + name + "?" + params.Encode()
	} else {
		params.Set("_journal_mode", "WAL")
		params.Set("_synchronous", "NORMAL")
		escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
		dsn = "file:" + escaped + "?" + params.Encode()
	}
	db, err := gorm.Open(sqlite.Open(dsn), gormConfig())
	if err != nil {
		return nil, fmt.Errorf("gormsqlite: open %q: %w", path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("gormsqlite: open %q: %w", path, err)
	}
	if memory {
		// Every connection would otherwise see the same shared cache with table-level locks that the busy
		// timeout does not cover; one connection serialises instead, and keeps the database alive.
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetMaxIdleConns(1)
		sqlDB.SetConnMaxLifetime(0)
		sqlDB.SetConnMaxIdleTime(0)
	} else {
		sqlDB.SetMaxOpenConns(MaxConns)
		sqlDB.SetMaxIdleConns(MaxConns)
	}
	if err := sqlDB.Ping(); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("gormsqlite: open %q: %w", path, err)
	}
	return db, nil
}

// gormConfig is quiet (gormstore gives its own session a logger), runs no implicit transactions, keeps UTC and
// translates driver errors.
func gormConfig() *gorm.Config {
	return &gorm.Config{
		Logger:                 logger.New(log.New(io.Discard, "", 0), logger.Config{LogLevel: logger.Silent, IgnoreRecordNotFoundError: true, ParameterizedQueries: true}),
		SkipDefaultTransaction: true,
		TranslateError:         true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	}
}

func randomName() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}
