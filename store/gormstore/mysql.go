package gormstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/ocrepo/ocrepo/store"
)

// MySQL and MariaDB have neither RETURNING on UPDATE nor ON CONFLICT: the statements that use them elsewhere have
// a variant here, each in one transaction, whose row locks (InnoDB holds them until commit) keep the write and the
// read that follows it together. The store expects the settings gormmysql.Open makes: affected rows count the rows
// matched, times in UTC.

// mysqlMigrationLockWait is how long Migrate waits for another process's migration on MySQL.
const mysqlMigrationLockWait = 60

// mysqlTypes are the migration placeholders on MySQL and MariaDB. Times are DATETIME(6), kept in UTC by the store
// (TIMESTAMP would end in 2038); VARCHAR(255) in utf8mb4 keeps every composite key under InnoDB's 3072 bytes.
func mysqlTypes() *strings.Replacer {
	return strings.NewReplacer(
		"{id}", "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
		"{time}", "DATETIME(6)",
		"{bytes}", "LONGBLOB",
		"{key}", "VARCHAR(255)",
		"{prefix}", "(191)",
	)
}

// migrateMySQL applies the migrations under a named lock (GET_LOCK) held on one connection: MySQL commits each DDL
// statement on its own, so the steps cannot share a transaction, but two processes never migrate at once. The lock
// is per database.
func (s *Store) migrateMySQL(ctx context.Context) error {
	const name = "CONCAT('ocrepo_migrate_', LEFT(SHA1(DATABASE()), 40))"
	err := s.db.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		var got sql.NullInt64
		if err := conn.Raw("SELECT GET_LOCK("+name+", ?)", mysqlMigrationLockWait).Scan(&got).Error; err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		if !got.Valid || got.Int64 != 1 {
			return fmt.Errorf("lock: another process held the migration lock for %d s", mysqlMigrationLockWait)
		}
		defer func() {
			var released sql.NullInt64
			_ = conn.Raw("SELECT RELEASE_LOCK(" + name + ")").Scan(&released).Error
		}()
		return s.applyMigrations(conn)
	})
	if err != nil {
		return fmt.Errorf("gormstore: migrate: %w", err)
	}
	return nil
}

// updateImportProgressMySQL is UpdateImportProgress on MySQL.
func (s *Store) updateImportProgressMySQL(ctx context.Context, id string, done int64) (store.ImportJob, error) {
	op := "update import progress"
	var rows []importJobRow
	err := s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE ocrepo_import_jobs SET done = ?, updated = ? WHERE id = ?", done, timeOf(s.now()), id)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return tx.Raw("SELECT "+importJobColumns+" FROM ocrepo_import_jobs WHERE id = ?", id).Scan(&rows).Error
	})
	if err != nil {
		return store.ImportJob{}, wrapErr(s.db, op, err)
	}
	if len(rows) == 0 {
		return store.ImportJob{}, notFound(op)
	}
	return rows[0].job(), nil
}

// takeLoginStateRowsMySQL marks the state used if it was not, and returns it when this call did: the UPDATE's
// matched-row count decides which of concurrent takers wins.
func (s *Store) takeLoginStateRowsMySQL(db *gorm.DB, id string) ([]loginStateRow, error) {
	var rows []loginStateRow
	err := db.Transaction(func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE ocrepo_login_states SET used = ? WHERE id = ? AND used IS NULL", timeOf(s.now()), id)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return tx.Raw("SELECT "+loginStateColumns+" FROM ocrepo_login_states WHERE id = ?", id).Scan(&rows).Error
	})
	return rows, err
}

// putControlledShareMySQL is PutControlledShare's upsert on MySQL.
func (s *Store) putControlledShareMySQL(ctx context.Context, sh store.ControlledShare, created, t time.Time) ([]controlledShareRow, error) {
	var rows []controlledShareRow
	err := s.tx(ctx, func(tx *gorm.DB) error {
		err := tx.Exec(`INSERT INTO ocrepo_controlled_shares (link_id, user_id, cloud_user, share_id,
				permissions, target, created, updated)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON DUPLICATE KEY UPDATE
				cloud_user = VALUES(cloud_user),
				share_id = VALUES(share_id),
				permissions = VALUES(permissions),
				target = VALUES(target),
				updated = VALUES(updated)`,
			sh.LinkID, sh.UserID, sh.CloudUser, sh.ShareID, sh.Permissions, sh.Target, timeOf(created), timeOf(t),
		).Error
		if err != nil {
			return err
		}
		return tx.Raw("SELECT "+controlledShareColumns+" FROM ocrepo_controlled_shares WHERE link_id = ? AND user_id = ?",
			sh.LinkID, sh.UserID).Scan(&rows).Error
	})
	return rows, err
}

// pauseClientMySQL is PauseClient's upsert on MySQL.
func (s *Store) pauseClientMySQL(ctx context.Context, issuerID int64, until time.Time) error {
	return s.db.WithContext(ctx).Exec(`INSERT INTO ocrepo_client_pauses (issuer_id, until) VALUES (?, ?)
		ON DUPLICATE KEY UPDATE until = VALUES(until)`, issuerID, dbTime{normTime(until)}).Error
}

// tokenVersionRow is what PutToken reads back.
type tokenVersionRow struct {
	Version int64  `gorm:"column:version"`
	Created dbTime `gorm:"column:created"`
}

// putTokenMySQL is PutToken's upsert on MySQL: the assignments run in order, and version = version + 1 reads the
// stored row's version.
func (s *Store) putTokenMySQL(ctx context.Context, t store.Token, access, refresh string, created time.Time) ([]tokenVersionRow, error) {
	var rows []tokenVersionRow
	err := s.tx(ctx, func(tx *gorm.DB) error {
		err := tx.Exec(`INSERT INTO ocrepo_tokens (issuer_id, system, user_id, cloud_user, cloud_email,
				cloud_name, access_token, refresh_token, expiry, version, lease_holder, lease_until, created, refreshed,
				last_error)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, '', NULL, ?, ?, ?)
			ON DUPLICATE KEY UPDATE
				cloud_user = VALUES(cloud_user),
				cloud_email = VALUES(cloud_email),
				cloud_name = VALUES(cloud_name),
				access_token = VALUES(access_token),
				refresh_token = VALUES(refresh_token),
				expiry = VALUES(expiry),
				version = version + 1,
				lease_holder = '',
				lease_until = NULL,
				created = VALUES(created),
				refreshed = VALUES(refreshed),
				last_error = VALUES(last_error)`,
			t.Key.IssuerID, t.Key.System, t.Key.UserID, t.CloudUser, t.CloudEmail, t.CloudName, access, refresh,
			timeOf(t.Expiry), timeOf(created), timeOf(t.Refreshed), t.LastError,
		).Error
		if err != nil {
			return err
		}
		return tx.Raw("SELECT version, created FROM ocrepo_tokens WHERE "+tokenKeyWhere, tokenKeyArgs(t.Key)...).
			Scan(&rows).Error
	})
	return rows, err
}

// swapTokenMySQL is SwapToken's compare-and-swap on MySQL; it returns no rows when the version did not match.
func (s *Store) swapTokenMySQL(db *gorm.DB, t store.Token, access, refresh string, expect int64) ([]dbTime, error) {
	var created []dbTime
	err := db.Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE ocrepo_tokens SET
				cloud_user = ?, cloud_email = ?, cloud_name = ?, access_token = ?, refresh_token = ?, expiry = ?,
				version = ?, lease_holder = ?, lease_until = ?, refreshed = ?, last_error = ?
			WHERE issuer_id = ? AND system = ? AND user_id = ? AND version = ?`,
			t.CloudUser, t.CloudEmail, t.CloudName, access, refresh, timeOf(t.Expiry),
			expect+1, t.LeaseHolder, timeOf(t.LeaseUntil), timeOf(t.Refreshed), t.LastError,
			t.Key.IssuerID, t.Key.System, t.Key.UserID, expect)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return tx.Raw("SELECT created FROM ocrepo_tokens WHERE "+tokenKeyWhere, tokenKeyArgs(t.Key)...).Scan(&created).Error
	})
	return created, err
}

// takeExpiredImportsMySQL is TakeExpiredImports on MySQL and MariaDB, which take no LIMIT in an IN subquery: the
// oldest expired rows are read FOR UPDATE and deleted in one transaction, so a replica sweeping at the same time
// waits for the locks and then no longer finds them.
func (s *Store) takeExpiredImportsMySQL(ctx context.Context, before time.Time, limit int) ([]store.PickResult, error) {
	var rows []pickResultRow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw("SELECT "+pickResultColumns+" FROM ocrepo_pick_results WHERE claimed IS NULL AND bytes > 0 "+
			"AND created < ? ORDER BY created LIMIT ? FOR UPDATE", timeOf(before), limit).Scan(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		ids := make([]string, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		return tx.Exec("DELETE FROM ocrepo_pick_results WHERE id IN ? AND claimed IS NULL", ids).Error
	})
	if err != nil {
		return nil, wrapErr(s.db, "take expired imports", err)
	}
	out := make([]store.PickResult, 0, len(rows))
	for _, r := range rows {
		out = append(out, pickResultFromRow(r))
	}
	return out, nil
}
