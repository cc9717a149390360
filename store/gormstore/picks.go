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
	Created    dbTime `gorm:"column:created"`
}

func (pickResultRow) TableName() string { return "ocrepo_pick_results" }

// CreatePickResult stores a completed pick. Created is kept when set, else now. An ID taken gives
// store.ErrDuplicate.
func (s *Store) CreatePickResult(ctx context.Context, p store.PickResult) error {
	if p.ID == "" {
		return errors.New("gormstore: create pick result: empty ID")
	}
	created := normTime(p.Created)
	if created.IsZero() {
		created = now()
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
		Created:    timeOf(created),
	}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return wrapErr("create pick result", err)
	}
	return nil
}

// GetPickResult returns one pick result.
func (s *Store) GetPickResult(ctx context.Context, id string) (store.PickResult, error) {
	var rows []pickResultRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return store.PickResult{}, wrapErr("get pick result", err)
	}
	if len(rows) == 0 {
		return store.PickResult{}, notFound("get pick result")
	}
	r := rows[0]
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
		Created:    r.Created.Time,
	}, nil
}

// DeletePickResultsBefore removes the pick results created before t and returns how many.
func (s *Store) DeletePickResultsBefore(ctx context.Context, t time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("created < ?", timeOf(t)).Delete(&pickResultRow{})
	if res.Error != nil {
		return 0, wrapErr("delete pick results", res.Error)
	}
	return res.RowsAffected, nil
}
