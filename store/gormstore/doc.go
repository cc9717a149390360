// Package gormstore implements store.Store on GORM, for SQLite (the default for one process), PostgreSQL and
// MariaDB (the last two for several replicas sharing one database). It needs no cgo: it classifies errors through
// GORM's translated errors (gorm.ErrDuplicatedKey, gorm.ErrForeignKeyViolated), never through driver types. The
// openers live in driver packages of their own: gormsqlite (the only one that needs cgo), gormpostgres and
// gormmysql; gormtest opens databases for tests.
//
// # Opening
//
//	db, err := gormsqlite.Open("ocrepo.db") // or gormpostgres.Open(dsn), or the host's own *gorm.DB
//	keys, err := seal.NewKeyring(secretKey) // the host's 32-byte secret
//	s, err := gormstore.New(db, keys)
//	err = s.Migrate(ctx)
//
// New never changes the handle it is given: it works on a session of its own, with a silent logger unless
// WithLogger supplies one, and with GORM's error translation switched on whatever db says. gormsqlite.Open sets SQLite up for concurrent use (WAL, a 5 s busy timeout, foreign keys,
// BEGIN IMMEDIATE transactions); a host that opens SQLite itself should do the same, or concurrent writers may fail
// with "database is locked" and foreign keys go unchecked.
//
// # Schema
//
// Every table is prefixed "ocrepo_", so the store can share the host's database. Migrate applies numbered steps,
// each recorded in ocrepo_schema_migrations; a step is never edited once released, changes come as new steps.
// Migrate runs all pending steps in one transaction, under a transaction-scoped advisory lock on PostgreSQL, so
// several processes may call it at once on start-up. On MariaDB each DDL statement commits on its own, so the
// steps run one by one under a named lock (GET_LOCK) per database instead; a step that fails halfway leaves its
// earlier statements applied and is not recorded.
//
// Foreign keys tie endpoints, mappings, tokens, login states and instances to their issuer, course settings to
// their instance and shares to their link; writing a row whose parent is missing gives store.ErrNotFound. Deletes
// cascade explicitly in one transaction as store documents, so they hold even where foreign keys are off.
//
// # Secrets
//
// Issuer client secrets, access and refresh tokens and PKCE verifiers are sealed with package seal before they
// reach SQL, so neither a copy of the database nor a log of statements with their parameters reveals them. Each
// value is bound (as associated data) to its row and column:
//
//	issuer:client_secret:<issuer id>
//	token:access:<issuer id>:user:<user id>     token:access:<issuer id>:system:
//	token:refresh:<issuer id>:user:<user id>    token:refresh:<issuer id>:system:
//	login:verifier:<state id>
//
// so a sealed value copied into another row or column fails to open (seal.ErrCannotOpen) instead of being used.
// To rotate the host secret, open the store with seal.NewKeyring(newSecret, oldSecret), call Reseal, then drop the
// old secret.
//
// # Concurrency
//
// SwapToken is a single conditional UPDATE on the token's version and TakeLoginState a single conditional UPDATE on
// its used time, so exactly one of any number of concurrent callers, in any number of processes, succeeds. Every
// write of several statements runs in one transaction.
//
// # Statements on SQLite
//
// On SQLite the store prepares each statement with arguments once and reuses it (at most 256; DDL and transactions
// are left alone): compiling the picker's five-table query costs more than running it. Statements whose work is
// bounded by a key (one row read or written by its key, the picker's join of a handful of rows) run there without
// the driver's interrupt: go-sqlite3 otherwise starts a goroutine for every row step and every exec to watch the
// context. Their context is checked before they start; every other statement (lists, sweeps, deletes) keeps the
// interrupt when its context ends.
//
// # Values
//
// Times are stored in UTC at microsecond precision and come back in UTC; the zero time is stored as NULL and comes
// back zero. A controlled link's LMS context is stored as a JSON array of strings. Unique keys (a token per
// issuer, system flag and user; a share per link and user; an endpoint name and a mapping's external path per
// issuer; a course setting per course and instance) give store.ErrDuplicate where a write would break them.
package gormstore
