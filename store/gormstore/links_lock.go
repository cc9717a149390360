package gormstore

import (
	"context"
	"fmt"
	"time"

	"github.com/ocrepo/ocrepo/store"
)

// LockControlledLink takes the link's lock for holder until until: it reads the lock columns, decides in Go
// whether the lock is free (no holder, the holder's time over at now, or holder itself), and writes the new holder
// only if lock_version is still what it read. Two replicas reading the same free lock cannot both win the write.
func (s *Store) LockControlledLink(ctx context.Context, id int64, holder string, now, until time.Time) error {
	op := fmt.Sprintf("lock controlled link %d", id)
	db := s.db.WithContext(ctx)
	var rows []struct {
		Holder  string `gorm:"column:lock_holder"`
		Until   dbTime `gorm:"column:lock_until"`
		Version int64  `gorm:"column:lock_version"`
	}
	if err := db.Raw(`SELECT lock_holder, lock_until, lock_version FROM ocrepo_controlled_links WHERE id = ?`, id).
		Scan(&rows).Error; err != nil {
		return wrapErr(s.db, op, err)
	}
	if len(rows) == 0 {
		return notFound(op)
	}
	cur := rows[0]
	if cur.Holder != "" && cur.Holder != holder && !cur.Until.Time.Before(normTime(now)) {
		return fmt.Errorf("gormstore: %s: %w", op, store.ErrConflict)
	}
	res := db.Exec(`UPDATE ocrepo_controlled_links SET lock_holder = ?, lock_until = ?, lock_version = ?
		WHERE id = ? AND lock_version = ?`, holder, timeOf(until), cur.Version+1, id, cur.Version)
	if res.Error != nil {
		return wrapErr(s.db, op, res.Error)
	}
	if res.RowsAffected == 0 {
		// Taken (or the link removed) between the read and the write.
		return fmt.Errorf("gormstore: %s: %w", op, store.ErrConflict)
	}
	return nil
}

// UnlockControlledLink releases holder's lock on the link.
func (s *Store) UnlockControlledLink(ctx context.Context, id int64, holder string) error {
	op := fmt.Sprintf("unlock controlled link %d", id)
	res := s.db.WithContext(ctx).Exec(`UPDATE ocrepo_controlled_links SET lock_holder = '', lock_until = NULL,
		lock_version = lock_version + 1 WHERE id = ? AND lock_holder = ?`, id, holder)
	if res.Error != nil {
		return wrapErr(s.db, op, res.Error)
	}
	return nil
}
