package gormstore

import (
	"context"
	"errors"
	"time"

	"github.com/ocrepo/ocrepo/store"
)

type pickResultRow struct {
	ID         string `gorm:"column:id;primaryKey"`
	UserID     string `gorm:"column:user_id"`
	Course     string `gorm:"column:course"`
	InstanceID int64  `gorm:"column:instance_id"`
	Type       uint8  `gorm:"column:type"`
	Payload    []byte `gorm:"column:payload"`
	Bytes      int64  `gorm:"column:bytes"`
	Created    dbTime `gorm:"column:created"`
	Claimed    dbTime `gorm:"column:claimed"`
}

const pickResultColumns = "id, user_id, course, instance_id, type, payload, bytes, created, claimed"

func (pickResultRow) TableName() string { return "ocrepo_pick_results" }

// CreatePickResult stores a completed pick. Created is kept when set, else now. An ID taken gives
// store.ErrDuplicate.
func (s *Store) CreatePickResult(ctx context.Context, p store.PickResult) error {
	if p.ID == "" {
		return errors.New("gormstore: create pick result: empty ID")
	}
	created := normTime(p.Created)
	if created.IsZero() {
		created = s.now()
	}
	payload := p.Payload
	if payload == nil {
		payload = []byte{}
	}
	row := pickResultRow{
		ID:         p.ID,
		UserID:     p.UserID,
		Course:     p.Course,
		InstanceID: p.InstanceID,
		Type:       uint8(p.Type),
		Payload:    payload,
		Bytes:      p.Bytes,
		Created:    timeOf(created),
		Claimed:    timeOf(p.Claimed),
	}
	if err := s.db.WithContext(bounded(ctx)).Create(&row).Error; err != nil {
		return wrapErr(s.db, "create pick result", err)
	}
	return nil
}

// GetPickResult returns one pick result.
func (s *Store) GetPickResult(ctx context.Context, id string) (store.PickResult, error) {
	var rows []pickResultRow
	if err := s.db.WithContext(bounded(ctx)).Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return store.PickResult{}, wrapErr(s.db, "get pick result", err)
	}
	if len(rows) == 0 {
		return store.PickResult{}, notFound("get pick result")
	}
	return pickResultFromRow(rows[0]), nil
}

func pickResultFromRow(r pickResultRow) store.PickResult {
	payload := r.Payload
	if len(payload) == 0 {
		payload = nil
	}
	return store.PickResult{
		ID:         r.ID,
		UserID:     r.UserID,
		Course:     r.Course,
		InstanceID: r.InstanceID,
		Type:       store.ReturnTypes(r.Type),
		Payload:    payload,
		Bytes:      r.Bytes,
		Created:    r.Created.Time,
		Claimed:    r.Claimed.Time,
	}
}

// DeletePickResultsBefore removes the pick results created before t and returns how many.
func (s *Store) DeletePickResultsBefore(ctx context.Context, t time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("created < ?", timeOf(t)).Delete(&pickResultRow{})
	if res.Error != nil {
		return 0, wrapErr(s.db, "delete pick results", res.Error)
	}
	return res.RowsAffected, nil
}

// ClaimPickResult marks a result taken over by the host; the first claim's time stays.
func (s *Store) ClaimPickResult(ctx context.Context, id string, at time.Time) error {
	op := "claim pick result"
	db := s.db.WithContext(bounded(ctx))
	res := db.Model(&pickResultRow{}).Where("id = ? AND claimed IS NULL", id).Update("claimed", timeOf(at))
	if res.Error != nil {
		return wrapErr(s.db, op, res.Error)
	}
	if res.RowsAffected == 0 {
		var n int64
		if err := db.Model(&pickResultRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
			return wrapErr(s.db, op, err)
		}
		if n == 0 {
			return notFound(op)
		}
	}
	return nil
}

// UnclaimedBytes sums the bytes of a user's unclaimed results.
func (s *Store) UnclaimedBytes(ctx context.Context, userID string) (int64, error) {
	var sum []int64
	err := s.db.WithContext(bounded(ctx)).Model(&pickResultRow{}).Where("user_id = ? AND claimed IS NULL", userID).
		Pluck("COALESCE(SUM(bytes), 0)", &sum).Error
	if err != nil {
		return 0, wrapErr(s.db, "unclaimed bytes", err)
	}
	if len(sum) == 0 {
		return 0, nil
	}
	return sum[0], nil
}

// TakeExpiredImports deletes and returns at most limit unclaimed results with bytes created before t, in one
// statement, so that concurrent sweepers never take the same result.
func (s *Store) TakeExpiredImports(ctx context.Context, before time.Time, limit int) ([]store.PickResult, error) {
	if limit <= 0 {
		return nil, nil
	}
	if s.dialect == dialectMySQL {
		return s.takeExpiredImportsMySQL(ctx, before, limit)
	}
	var rows []pickResultRow
	err := s.db.WithContext(ctx).Raw("DELETE FROM ocrepo_pick_results WHERE id IN (SELECT id FROM ocrepo_pick_results "+
		"WHERE claimed IS NULL AND bytes > 0 AND created < ? ORDER BY created LIMIT ?) AND claimed IS NULL RETURNING "+pickResultColumns,
		timeOf(before), limit).Scan(&rows).Error
	if err != nil {
		return nil, wrapErr(s.db, "take expired imports", err)
	}
	out := make([]store.PickResult, 0, len(rows))
	for _, r := range rows {
		out = append(out, pickResultFromRow(r))
	}
	return out, nil
}
