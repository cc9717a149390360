package gormstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/store/seal"
)

// The SQL dialects the store speaks, as gorm's Dialector.Name reports them.
const (
	dialectSQLite   = "sqlite"
	dialectPostgres = "postgres"
	dialectMySQL    = "mysql" // MySQL and MariaDB
)

// sqliteMaxConns bounds the connections OpenSQLite keeps to one file: SQLite has one writer at a time, so more
// connections only add busy-waiting, while a few let WAL readers proceed beside the writer.
const sqliteMaxConns = 8

// Store implements store.Store on GORM. It is safe for concurrent use, by several goroutines and by several
// processes sharing one database.
type Store struct {
	db      *gorm.DB
	keys    *seal.Keyring
	dialect string
}

var _ store.Store = (*Store)(nil)

// Option configures New.
type Option func(*options)

type options struct {
	logger logger.Interface
}

// WithLogger makes the store log through l instead of staying silent. Parameter values reach a gorm logger only
// when it asks for them; secrets are sealed before they reach SQL, so at worst l sees sealed text.
func WithLogger(l logger.Interface) Option {
	return func(o *options) { o.logger = l }
}

// New returns a store on db that seals secrets with keys. db may be the host's own handle: the store works on a
// session of its own (its logger, no default transaction) and never changes db's settings. Only SQLite and
// PostgreSQL and MariaDB are supported (open MariaDB with gormmysql.Open or its settings). New does not touch the
// database; call Migrate before first use.
func New(db *gorm.DB, keys *seal.Keyring, opts ...Option) (*Store, error) {
	if db == nil {
		return nil, errors.New("gormstore: nil *gorm.DB")
	}
	if keys == nil {
		return nil, errors.New("gormstore: nil keyring")
	}
	o := options{logger: quietLogger()}
	for _, opt := range opts {
		opt(&o)
	}
	name := db.Dialector.Name()
	if name != dialectSQLite && name != dialectPostgres && name != dialectMySQL {
		return nil, fmt.Errorf("gormstore: unsupported database %q (want sqlite, postgres or mysql)", name)
	}
	session := db.Session(&gorm.Session{NewDB: true, Logger: o.logger, SkipDefaultTransaction: true})
	if name == dialectMySQL {
		// The session has its own copy of the configuration: the host's handle keeps its setting.
		session.Config.TranslateError = true
	}
	return &Store{db: session, keys: keys, dialect: name}, nil
}

// quietLogger logs nothing; when switched to a louder level it would still print queries without parameters.
func quietLogger() logger.Interface {
	return logger.New(log.New(io.Discard, "", 0), logger.Config{
		LogLevel:                  logger.Silent,
		IgnoreRecordNotFoundError: true,
		ParameterizedQueries:      true,
	})
}

// gormConfig is the configuration OpenSQLite and OpenPostgres use.
func gormConfig() *gorm.Config {
	return &gorm.Config{
		Logger:                 quietLogger(),
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	}
}

// OpenSQLite opens (creating it if needed) the SQLite database file at path, set up for concurrent use: WAL
// journal, a 5 s busy timeout, foreign keys enforced, and transactions that take the write lock when they begin
// (BEGIN IMMEDIATE), so that concurrent writers wait for each other instead of failing with "database is locked".
// A host opening SQLite itself should use the same settings.
//
// path ":memory:" (or "") opens a private in-memory database instead, for tests: it lives on one connection that
// the pool keeps open, and is gone when the returned handle is closed.
func OpenSQLite(path string) (*gorm.DB, error) {
	params := url.Values{}
	params.Set("_busy_timeout", "5000")
	params.Set("_foreign_keys", "on")
	params.Set("_txlock", "immediate")
	memory := path == "" || path == ":memory:"
	var dsn string
	if memory {
		name, err := randomName()
		if err != nil {
			return nil, fmt.Errorf("gormstore: open sqlite: %w", err)
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
		return nil, fmt.Errorf("gormstore: open sqlite %q: %w", path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("gormstore: open sqlite %q: %w", path, err)
	}
	if memory {
		// Every connection would otherwise see the same shared cache with table-level locks that the busy
		// timeout does not cover; one connection serialises instead, and keeps the database alive.
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetMaxIdleConns(1)
		sqlDB.SetConnMaxLifetime(0)
		sqlDB.SetConnMaxIdleTime(0)
	} else {
		sqlDB.SetMaxOpenConns(sqliteMaxConns)
		sqlDB.SetMaxIdleConns(sqliteMaxConns)
	}
	if err := sqlDB.Ping(); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("gormstore: open sqlite %q: %w", path, err)
	}
	return db, nil
}

// OpenPostgres opens a PostgreSQL database. dsn is a libpq keyword/value string or a postgres:// URL, as pgx
// accepts them. The error never repeats the DSN, which may hold a password.
//
// The pool keeps up to 32 idle connections (database/sql keeps 2 by default, so under load most queries would
// open a fresh connection; measured: 4x fewer actions per second); adjust with db.DB() for your server.
func OpenPostgres(dsn string) (*gorm.DB, error) {
	db, err := gorm.Open(postgres.Open(dsn), gormConfig())
	if err != nil {
		return nil, fmt.Errorf("gormstore: open postgres: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("gormstore: open postgres: %w", err)
	}
	sqlDB.SetMaxIdleConns(32)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

func randomName() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// now is the store's clock: UTC, at the precision every supported database keeps.
func now() time.Time { return normTime(time.Now()) }

// normTime is t as the store keeps it: UTC, truncated to the microsecond (PostgreSQL's precision, so that both
// databases give back exactly what they were given).
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// dbTime is a time column: NULL for the zero time, always UTC. It scans the native time values of both drivers and
// the text SQLite gives for expressions and RETURNING columns that lost their declared type.
type dbTime struct {
	time.Time
}

func timeOf(t time.Time) dbTime { return dbTime{normTime(t)} }

// Value implements driver.Valuer.
func (t dbTime) Value() (driver.Value, error) {
	if t.IsZero() {
		return nil, nil
	}
	return normTime(t.Time), nil
}

// Scan implements sql.Scanner.
func (t *dbTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		t.Time = time.Time{}
	case time.Time:
		t.Time = normTime(v)
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	default:
		return fmt.Errorf("gormstore: cannot scan %T into a time", src)
	}
	return nil
}

func (t *dbTime) parse(s string) error {
	s = strings.TrimSuffix(s, "Z")
	for _, layout := range sqlite3.SQLiteTimestampFormats {
		if v, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			t.Time = normTime(v)
			return nil
		}
	}
	return fmt.Errorf("gormstore: cannot parse time %q", s)
}

var (
	_ driver.Valuer = dbTime{}
	_ sql.Scanner   = (*dbTime)(nil)
)

// wrapErr prefixes err with the operation and classifies driver errors into the store's sentinels: a unique key
// taken is store.ErrDuplicate, a row referring to a missing parent is store.ErrNotFound.
func wrapErr(op string, err error) error {
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("gormstore: %s: %w", op, store.ErrNotFound)
	case isUniqueViolation(err):
		return fmt.Errorf("gormstore: %s: %w: %w", op, store.ErrDuplicate, err)
	case isForeignKeyViolation(err):
		return fmt.Errorf("gormstore: %s: %w (the row it refers to is missing): %w", op, store.ErrNotFound, err)
	}
	return fmt.Errorf("gormstore: %s: %w", op, err)
}

// notFound reports a missing row.
func notFound(op string) error {
	return fmt.Errorf("gormstore: %s: %w", op, store.ErrNotFound)
}

func isUniqueViolation(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505" // unique_violation
	}
	return errors.Is(err, gorm.ErrDuplicatedKey)
}

func isForeignKeyViolation(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.ExtendedCode == sqlite3.ErrConstraintForeignKey
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23503" // foreign_key_violation
	}
	return errors.Is(err, gorm.ErrForeignKeyViolated)
}

// tx runs fn in a transaction on the store's database.
func (s *Store) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.db.WithContext(ctx).Transaction(fn)
}

// seal seals a secret for the given row and column.
func (s *Store) seal(value, aad string) (string, error) {
	sealed, err := s.keys.Seal([]byte(value), []byte(aad))
	if err != nil {
		return "", fmt.Errorf("gormstore: seal %s: %w", aadColumn(aad), err)
	}
	return sealed, nil
}

// open opens a secret sealed for the given row and column.
func (s *Store) open(sealed, aad string) (string, error) {
	b, err := s.keys.Open(sealed, []byte(aad))
	if err != nil {
		return "", fmt.Errorf("gormstore: open %s: %w", aadColumn(aad), err)
	}
	return string(b), nil
}

// aadColumn names the sealed column of an AAD for error messages, without the row's identifiers (user IDs).
func aadColumn(aad string) string {
	parts := strings.SplitN(aad, ":", 3)
	if len(parts) < 2 {
		return "secret"
	}
	return parts[0] + " " + parts[1]
}

// The associated data that binds each sealed value to its row and column (see package seal). They identify the row
// by its key only, so they never change while the row exists.

func aadClientSecret(issuerID int64) string { return fmt.Sprintf("issuer:client_secret:%d", issuerID) }

func aadToken(column string, k store.TokenKey) string {
	if k.System {
		return fmt.Sprintf("token:%s:%d:system:%s", column, k.IssuerID, k.UserID)
	}
	return fmt.Sprintf("token:%s:%d:user:%s", column, k.IssuerID, k.UserID)
}

func aadVerifier(stateID string) string { return "login:verifier:" + stateID }

func aadRevocation(column string, issuerID int64, id string) string {
	return fmt.Sprintf("revocation:%s:%d:%s", column, issuerID, id)
}
