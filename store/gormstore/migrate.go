package gormstore

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// migrationLockClass is the first key of the PostgreSQL advisory lock that serialises Migrate; the second is a hash
// of the current schema, so databases holding several schemas migrate them independently. ("ocrp")
const migrationLockClass = 0x6f637270

// migration is one numbered schema step. Statements use placeholders for the types that differ between databases:
// {id} an auto-increment 64-bit primary key, {time} a timestamp with time zone, {bytes} a byte string, {key} text
// that is part of a key or an index or has a default (MySQL cannot index TEXT without a prefix length, nor give it a
// default: VARCHAR(255) there, TEXT elsewhere, so the SQL of the released steps is unchanged on SQLite and
// PostgreSQL), {prefix} after a TEXT column in a composite index (MySQL indexes only a prefix of TEXT: the first
// 191 characters there, the whole value elsewhere).
type migration struct {
	version    int
	name       string
	statements []string
}

// migrations returns every schema step, oldest first. Steps are never edited once released: a change is a new
// step with the next version.
func migrations() []migration {
	return []migration{
		{1, "issuers, endpoints and field mappings", []string{
			`CREATE TABLE ocrepo_issuers (
				id {id},
				name TEXT NOT NULL,
				base_url TEXT NOT NULL,
				client_id TEXT NOT NULL,
				client_secret TEXT NOT NULL,
				basic_auth BOOLEAN NOT NULL,
				preset TEXT NOT NULL,
				product TEXT NOT NULL,
				version TEXT NOT NULL,
				allow_private_network BOOLEAN NOT NULL,
				created {time} NOT NULL,
				updated {time} NOT NULL
			)`,
			`CREATE TABLE ocrepo_issuer_endpoints (
				issuer_id BIGINT NOT NULL REFERENCES ocrepo_issuers (id) ON DELETE CASCADE,
				name {key} NOT NULL,
				url TEXT NOT NULL,
				seq INTEGER NOT NULL,
				CONSTRAINT ocrepo_issuer_endpoints_pkey PRIMARY KEY (issuer_id, name)
			)`,
			`CREATE TABLE ocrepo_issuer_mappings (
				issuer_id BIGINT NOT NULL REFERENCES ocrepo_issuers (id) ON DELETE CASCADE,
				external {key} NOT NULL,
				internal TEXT NOT NULL,
				seq INTEGER NOT NULL,
				CONSTRAINT ocrepo_issuer_mappings_pkey PRIMARY KEY (issuer_id, external)
			)`,
		}},
		{2, "tokens and login states", []string{
			`CREATE TABLE ocrepo_tokens (
				issuer_id BIGINT NOT NULL REFERENCES ocrepo_issuers (id) ON DELETE CASCADE,
				system BOOLEAN NOT NULL,
				user_id {key} NOT NULL,
				cloud_user TEXT NOT NULL,
				cloud_email TEXT NOT NULL,
				cloud_name TEXT NOT NULL,
				access_token TEXT NOT NULL,
				refresh_token TEXT NOT NULL,
				expiry {time},
				version BIGINT NOT NULL,
				lease_holder TEXT NOT NULL,
				lease_until {time},
				created {time} NOT NULL,
				refreshed {time},
				last_error TEXT NOT NULL,
				CONSTRAINT ocrepo_tokens_pkey PRIMARY KEY (issuer_id, system, user_id)
			)`,
			`CREATE TABLE ocrepo_login_states (
				id {key} NOT NULL PRIMARY KEY,
				issuer_id BIGINT NOT NULL REFERENCES ocrepo_issuers (id) ON DELETE CASCADE,
				user_id TEXT NOT NULL,
				system BOOLEAN NOT NULL,
				instance_id BIGINT NOT NULL,
				verifier TEXT NOT NULL,
				return_to TEXT NOT NULL,
				popup BOOLEAN NOT NULL,
				created {time} NOT NULL,
				expires {time} NOT NULL,
				used {time}
			)`,
			`CREATE INDEX ocrepo_login_states_expires ON ocrepo_login_states (expires)`,
			`CREATE INDEX ocrepo_login_states_issuer ON ocrepo_login_states (issuer_id)`,
		}},
		{3, "instances and course settings", []string{
			`CREATE TABLE ocrepo_instances (
				id {id},
				name TEXT NOT NULL,
				issuer_id BIGINT NOT NULL REFERENCES ocrepo_issuers (id) ON DELETE CASCADE,
				controlled_link_folder TEXT NOT NULL,
				supported INTEGER NOT NULL,
				default_return INTEGER NOT NULL,
				enabled BOOLEAN NOT NULL,
				created {time} NOT NULL,
				updated {time} NOT NULL
			)`,
			`CREATE INDEX ocrepo_instances_issuer ON ocrepo_instances (issuer_id)`,
			`CREATE TABLE ocrepo_course_instances (
				course {key} NOT NULL,
				instance_id BIGINT NOT NULL REFERENCES ocrepo_instances (id) ON DELETE CASCADE,
				enabled BOOLEAN NOT NULL,
				updated {time} NOT NULL,
				CONSTRAINT ocrepo_course_instances_pkey PRIMARY KEY (course, instance_id)
			)`,
			`CREATE INDEX ocrepo_course_instances_instance ON ocrepo_course_instances (instance_id)`,
		}},
		{4, "import jobs and pick results", []string{
			`CREATE TABLE ocrepo_import_jobs (
				id {key} NOT NULL PRIMARY KEY,
				user_id TEXT NOT NULL,
				instance_id BIGINT NOT NULL,
				name TEXT NOT NULL,
				total BIGINT NOT NULL,
				done BIGINT NOT NULL,
				state TEXT NOT NULL,
				cancel BOOLEAN NOT NULL,
				error TEXT NOT NULL,
				result_id TEXT NOT NULL,
				created {time} NOT NULL,
				updated {time} NOT NULL
			)`,
			`CREATE INDEX ocrepo_import_jobs_updated ON ocrepo_import_jobs (updated)`,
			`CREATE TABLE ocrepo_pick_results (
				id {key} NOT NULL PRIMARY KEY,
				user_id TEXT NOT NULL,
				course TEXT NOT NULL,
				instance_id BIGINT NOT NULL,
				type INTEGER NOT NULL,
				payload {bytes} NOT NULL,
				created {time} NOT NULL
			)`,
			`CREATE INDEX ocrepo_pick_results_created ON ocrepo_pick_results (created)`,
		}},
		{5, "controlled links and their shares", []string{
			`CREATE TABLE ocrepo_controlled_links (
				id {id},
				instance_id BIGINT REFERENCES ocrepo_instances (id) ON DELETE SET NULL,
				issuer_id BIGINT NOT NULL,
				course {key} NOT NULL,
				context TEXT NOT NULL,
				owner_user_id {key} NOT NULL,
				owner_cloud TEXT NOT NULL,
				original_path TEXT NOT NULL,
				system_path TEXT NOT NULL,
				name TEXT NOT NULL,
				content_type TEXT NOT NULL,
				size BIGINT NOT NULL,
				submitted BOOLEAN NOT NULL,
				created {time} NOT NULL,
				updated {time} NOT NULL
			)`,
			`CREATE INDEX ocrepo_controlled_links_course ON ocrepo_controlled_links (course)`,
			`CREATE INDEX ocrepo_controlled_links_instance ON ocrepo_controlled_links (instance_id)`,
			`CREATE INDEX ocrepo_controlled_links_issuer ON ocrepo_controlled_links (issuer_id)`,
			`CREATE INDEX ocrepo_controlled_links_owner ON ocrepo_controlled_links (owner_user_id)`,
			`CREATE TABLE ocrepo_controlled_shares (
				id {id},
				link_id BIGINT NOT NULL REFERENCES ocrepo_controlled_links (id) ON DELETE CASCADE,
				user_id {key} NOT NULL,
				cloud_user TEXT NOT NULL,
				share_id TEXT NOT NULL,
				permissions INTEGER NOT NULL,
				target TEXT NOT NULL,
				created {time} NOT NULL,
				updated {time} NOT NULL,
				CONSTRAINT ocrepo_controlled_shares_key UNIQUE (link_id, user_id)
			)`,
		}},
		{6, "audit trail", []string{
			`CREATE TABLE ocrepo_audit (
				id {id},
				at {time} NOT NULL,
				actor TEXT NOT NULL,
				action TEXT NOT NULL,
				target TEXT NOT NULL,
				detail TEXT NOT NULL
			)`,
			`CREATE INDEX ocrepo_audit_at ON ocrepo_audit (at, id)`,
		}},
		{7, "a lock per controlled link", []string{
			`ALTER TABLE ocrepo_controlled_links ADD COLUMN lock_holder {key} NOT NULL DEFAULT ''`,
			`ALTER TABLE ocrepo_controlled_links ADD COLUMN lock_until {time}`,
			`ALTER TABLE ocrepo_controlled_links ADD COLUMN lock_version BIGINT NOT NULL DEFAULT 0`,
		}},
		{8, "client pauses and pending revocations", []string{
			`CREATE TABLE ocrepo_client_pauses (
				issuer_id BIGINT NOT NULL PRIMARY KEY REFERENCES ocrepo_issuers (id) ON DELETE CASCADE,
				until {time} NOT NULL
			)`,
			`CREATE TABLE ocrepo_revocations (
				id {key} NOT NULL PRIMARY KEY,
				issuer_id BIGINT NOT NULL REFERENCES ocrepo_issuers (id) ON DELETE CASCADE,
				user_id TEXT NOT NULL,
				cloud_user TEXT NOT NULL,
				access_token TEXT NOT NULL,
				refresh_token TEXT NOT NULL,
				created {time} NOT NULL,
				attempts INTEGER NOT NULL,
				last_error TEXT NOT NULL
			)`,
			`CREATE INDEX ocrepo_revocations_issuer ON ocrepo_revocations (issuer_id, created)`,
		}},
		{9, "import quotas: bytes and claim of pick results", []string{
			`ALTER TABLE ocrepo_pick_results ADD COLUMN bytes BIGINT NOT NULL DEFAULT 0`,
			`ALTER TABLE ocrepo_pick_results ADD COLUMN claimed {time}`,
			`CREATE INDEX ocrepo_pick_results_user ON ocrepo_pick_results (user_id)`,
			`CREATE INDEX ocrepo_import_jobs_user ON ocrepo_import_jobs (user_id)`,
		}},
		{10, "issuer revisions for replica caches", []string{
			`ALTER TABLE ocrepo_issuers ADD COLUMN revision BIGINT NOT NULL DEFAULT 0`,
		}},
		// The import limits' one read (ImportUsage) finds what it counts and sums in the indexes alone: a user's
		// running jobs and unclaimed bytes, without a look at each row of the tables.
		{11, "import limits read from indexes", []string{
			`CREATE INDEX ocrepo_import_jobs_user_state ON ocrepo_import_jobs (user_id{prefix}, state{prefix}, updated)`,
			`CREATE INDEX ocrepo_pick_results_user_claimed ON ocrepo_pick_results (user_id{prefix}, claimed, bytes)`,
		}},
	}
}

// types returns the placeholder replacements of s's database.
func (s *Store) types() *strings.Replacer {
	switch s.dialect {
	case dialectPostgres:
		return strings.NewReplacer(
			"{id}", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
			"{time}", "TIMESTAMPTZ",
			"{bytes}", "BYTEA",
			"{key}", "TEXT",
			"{prefix}", "",
		)
	case dialectMySQL:
		return mysqlTypes()
	}
	// SQLite: AUTOINCREMENT never hands out an ID again after its row is deleted; the mattn driver returns DATETIME
	// columns as time.Time.
	return strings.NewReplacer(
		"{id}", "INTEGER PRIMARY KEY AUTOINCREMENT",
		"{time}", "DATETIME",
		"{bytes}", "BLOB",
		"{key}", "TEXT",
		"{prefix}", "",
	)
}

// Migrate brings the schema up to date: it applies, in order and in one transaction, every step not yet recorded
// in ocrepo_schema_migrations, and records it. It is idempotent, and safe to run from several processes at once:
// on PostgreSQL it holds a transaction-scoped advisory lock, and SQLite serialises writing transactions anyway.
// Steps recorded by a newer release that this one does not know are left alone.
func (s *Store) Migrate(ctx context.Context) error {
	if s.dialect == dialectMySQL {
		return s.migrateMySQL(ctx)
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if s.dialect == dialectPostgres {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?, hashtext(current_schema()))", migrationLockClass).Error; err != nil {
				return fmt.Errorf("lock: %w", err)
			}
		}
		return s.applyMigrations(tx)
	})
	if err != nil {
		return fmt.Errorf("gormstore: migrate: %w", err)
	}
	return nil
}

// applyMigrations creates the migrations table if needed and applies every step it does not record, on db.
func (s *Store) applyMigrations(db *gorm.DB) error {
	types := s.types()
	create := `CREATE TABLE IF NOT EXISTS ocrepo_schema_migrations (
		version INTEGER NOT NULL PRIMARY KEY,
		name TEXT NOT NULL,
		applied {time} NOT NULL
	)`
	if err := db.Exec(types.Replace(create)).Error; err != nil {
		return fmt.Errorf("create ocrepo_schema_migrations: %w", err)
	}
	var applied []int
	if err := db.Raw("SELECT version FROM ocrepo_schema_migrations").Scan(&applied).Error; err != nil {
		return fmt.Errorf("read ocrepo_schema_migrations: %w", err)
	}
	done := make(map[int]bool, len(applied))
	for _, v := range applied {
		done[v] = true
	}
	for _, m := range migrations() {
		if done[m.version] {
			continue
		}
		for _, stmt := range m.statements {
			if err := db.Exec(types.Replace(stmt)).Error; err != nil {
				return fmt.Errorf("step %d (%s): %w", m.version, m.name, err)
			}
		}
		err := db.Exec("INSERT INTO ocrepo_schema_migrations (version, name, applied) VALUES (?, ?, ?)",
			m.version, m.name, timeOf(s.now())).Error
		if err != nil {
			return fmt.Errorf("record step %d: %w", m.version, err)
		}
	}
	return nil
}

// SchemaVersions returns the versions of the schema steps applied to the database, in order.
func (s *Store) SchemaVersions(ctx context.Context) ([]int, error) {
	var versions []int
	err := s.db.WithContext(ctx).Raw("SELECT version FROM ocrepo_schema_migrations ORDER BY version").Scan(&versions).Error
	if err != nil {
		return nil, fmt.Errorf("gormstore: schema versions: %w", err)
	}
	return versions, nil
}
