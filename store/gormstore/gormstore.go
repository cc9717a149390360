package gormstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log"
	"strings"
	"time"

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

// Store implements store.Store on GORM. It is safe for concurrent use, by several goroutines and by several
// processes sharing one database.
type Store struct {
	db      *gorm.DB
	keys    *seal.Keyring
	dialect string
	clock   func() time.Time
}

var (
	_ store.Store          = (*Store)(nil)
	_ store.InstanceOffers = (*Store)(nil)
	_ store.ImportUsage    = (*Store)(nil)

	_ store.ImportJobCompleter = (*Store)(nil)
	_ store.SystemTokens       = (*Store)(nil)
)

// Option configures New.
type Option func(*options)

type options struct {
	logger logger.Interface
	clock  func() time.Time
}

// WithClock makes the store read the time from now instead of time.Now, for the times it sets itself (Created and
// Updated, lease and use times, the ages DeleteBefore-style calls compare with).
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.clock = now
		}
	}
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
	o := options{logger: quietLogger(), clock: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	name := db.Dialector.Name()
	if name != dialectSQLite && name != dialectPostgres && name != dialectMySQL {
		return nil, fmt.Errorf("gormstore: unsupported database %q (want sqlite, postgres or mysql)", name)
	}
	session := db.Session(&gorm.Session{NewDB: true, Logger: o.logger, SkipDefaultTransaction: true})
	// The session's configuration is its own copy: driver errors are translated into GORM's sentinels on it
	// whatever the host set on db, so classifying them needs no driver types (and no cgo).
	session.Config.TranslateError = true
	if sqlDB, ok := session.Statement.ConnPool.(*sql.DB); ok && name == dialectSQLite {
		session.Statement.ConnPool = newStmtCache(sqlDB)
	}
	return &Store{db: session, keys: keys, dialect: name, clock: o.clock}, nil
}

// quietLogger logs nothing; when switched to a louder level it would still print queries without parameters.
func quietLogger() logger.Interface {
	return logger.New(log.New(io.Discard, "", 0), logger.Config{
		LogLevel:                  logger.Silent,
		IgnoreRecordNotFoundError: true,
		ParameterizedQueries:      true,
	})
}

// now is the store's clock (WithClock, time.Now by default): UTC, at the precision every supported database
// keeps.
func (s *Store) now() time.Time { return normTime(s.clock()) }

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
	// The layouts in which SQLite hands back a time as text (those go-sqlite3 writes and reads).
	layouts := [...]string{
		"2006-01-02 15:04:05.999999999-07:00",
		"2006-01-02T15:04:05.999999999-07:00",
		"2006-01-02 15:04:05.999999999",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05",
		"2006-01-02T15:04:05",
		"2006-01-02 15:04",
		"2006-01-02T15:04",
		"2006-01-02",
	}
	for _, layout := range layouts {
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

// wrapErr prefixes err with the operation and classifies GORM's translated errors into the store's sentinels: a
// unique key taken is store.ErrDuplicate, a row referring to a missing parent is store.ErrNotFound. db is the
// handle the error came from: its dialect translates what GORM itself left untranslated (GORM hands back the
// errors of Raw(...).Scan and Rows untranslated when the driver fails the query outright).
func wrapErr(db *gorm.DB, op string, err error) error {
	err = translate(db, err)
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("gormstore: %s: %w", op, store.ErrNotFound)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("gormstore: %s: %w: %w", op, store.ErrDuplicate, err)
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return fmt.Errorf("gormstore: %s: %w (the row it refers to is missing): %w", op, store.ErrNotFound, err)
	}
	return fmt.Errorf("gormstore: %s: %w", op, err)
}

// translate returns err as GORM's translated error when it, or an error it wraps, is a driver error the dialect
// knows (gorm.ErrDuplicatedKey, gorm.ErrForeignKeyViolated), and err unchanged otherwise.
func translate(db *gorm.DB, err error) error {
	tr, ok := db.Dialector.(gorm.ErrorTranslator)
	if !ok || errors.Is(err, gorm.ErrDuplicatedKey) || errors.Is(err, gorm.ErrForeignKeyViolated) {
		return err
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if t := tr.Translate(e); errors.Is(t, gorm.ErrDuplicatedKey) || errors.Is(t, gorm.ErrForeignKeyViolated) {
			return fmt.Errorf("%w (%w)", t, err)
		}
	}
	return err
}

// notFound reports a missing row.
func notFound(op string) error {
	return fmt.Errorf("gormstore: %s: %w", op, store.ErrNotFound)
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
