// Package gormmysql opens a MySQL or MariaDB database for the GORM store (package gormstore), set up the way the
// store needs it. It has no cgo: the driver is github.com/go-sql-driver/mysql through gorm.io/driver/mysql.
//
// Supported servers: MariaDB 10.11 and later (tested in CI through the store's conformance suite). MySQL 8 is not
// supported yet: SYSTEM is a reserved word there and names a column of the schema, and MySQL 8 ignores foreign
// keys declared on a column. A host that opens the database itself must pass the same settings as Open:
// parseTime=true, loc=UTC, clientFoundRows=true (the store reads "rows matched", not "rows changed") and utf8mb4.
package gormmysql

import (
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	gormmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// maxIdleConns is the idle pool Open keeps: database/sql keeps 2 by default, so under load most queries would open
// a fresh connection (measured on PostgreSQL: 4x fewer actions per second).
const maxIdleConns = 32

// Open opens the MySQL or MariaDB database named by dsn, a go-sql-driver DSN such as
// "user:password@tcp(127.0.0.1:3306)/lms". Open sets what the store relies on and overrides those settings in dsn:
// time columns scanned as time.Time in UTC, affected-row counts that count matched rows, utf8mb4, and
// strict SQL mode so that a value too long for its column is an error rather than silently cut. The error never
// repeats the DSN, which may hold a password.
func Open(dsn string) (*gorm.DB, error) {
	cfg, err := Config(dsn)
	if err != nil {
		return nil, err
	}
	db, err := gorm.Open(gormmysql.New(gormmysql.Config{DSNConfig: cfg}), &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		TranslateError:         true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		return nil, fmt.Errorf("gormmysql: open: %w", redact(err, cfg.Passwd))
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("gormmysql: open: %w", err)
	}
	sqlDB.SetMaxIdleConns(maxIdleConns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// Config parses dsn and applies the settings Open relies on. It is exported for hosts that build their own
// connector (for example to add TLS) and want the store's settings kept.
func Config(dsn string) (*mysql.Config, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		// go-sql-driver's parse errors name the part that is wrong, never the password.
		return nil, fmt.Errorf("gormmysql: parse dsn: %w", err)
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.ClientFoundRows = true
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["charset"] = "utf8mb4"
	cfg.Params["sql_mode"] = "'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'"
	cfg.Params["time_zone"] = "'+00:00'"
	return cfg, nil
}

// redact removes the password from an error's text, in case a driver ever repeats it.
func redact(err error, password string) error {
	if password == "" {
		return err
	}
	return redactedError{err: err, password: password}
}

type redactedError struct {
	err      error
	password string
}

func (e redactedError) Error() string {
	return strings.ReplaceAll(e.err.Error(), e.password, "xxxxx")
}

func (e redactedError) Unwrap() error { return e.err }
