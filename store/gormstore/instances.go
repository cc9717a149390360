package gormstore

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ocrepo/ocrepo/store"
)

type instanceRow struct {
	ID                   int64  `gorm:"column:id;primaryKey"`
	Name                 string `gorm:"column:name"`
	IssuerID             int64  `gorm:"column:issuer_id"`
	ControlledLinkFolder string `gorm:"column:controlled_link_folder"`
	Supported            uint8  `gorm:"column:supported"`
	DefaultReturn        uint8  `gorm:"column:default_return"`
	Enabled              bool   `gorm:"column:enabled"`
	Created              dbTime `gorm:"column:created"`
	Updated              dbTime `gorm:"column:updated"`
}

func (instanceRow) TableName() string { return "ocrepo_instances" }

func (r instanceRow) instance() store.Instance {
	return store.Instance{
		ID:                   r.ID,
		Name:                 r.Name,
		IssuerID:             r.IssuerID,
		ControlledLinkFolder: r.ControlledLinkFolder,
		Supported:            store.ReturnTypes(r.Supported),
		DefaultReturn:        store.ReturnTypes(r.DefaultReturn),
		Enabled:              r.Enabled,
		Created:              r.Created.Time,
		Updated:              r.Updated.Time,
	}
}

type courseInstanceRow struct {
	Course     string `gorm:"column:course"`
	InstanceID int64  `gorm:"column:instance_id"`
	Enabled    bool   `gorm:"column:enabled"`
	Updated    dbTime `gorm:"column:updated"`
}

func (courseInstanceRow) TableName() string { return "ocrepo_course_instances" }

// ListInstances returns every instance, ordered by ID.
func (s *Store) ListInstances(ctx context.Context) ([]store.Instance, error) {
	var rows []instanceRow
	if err := s.db.WithContext(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, wrapErr(s.db, "list instances", err)
	}
	out := make([]store.Instance, len(rows))
	for i, r := range rows {
		out[i] = r.instance()
	}
	return out, nil
}

// GetInstance returns one instance.
func (s *Store) GetInstance(ctx context.Context, id int64) (store.Instance, error) {
	return getInstance(s.db.WithContext(bounded(ctx)), id)
}

func getInstance(db *gorm.DB, id int64) (store.Instance, error) {
	op := fmt.Sprintf("get instance %d", id)
	var rows []instanceRow
	if err := db.Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return store.Instance{}, wrapErr(db, op, err)
	}
	if len(rows) == 0 {
		return store.Instance{}, notFound(op)
	}
	return rows[0].instance(), nil
}

// CreateInstance stores a new instance. in.ID is ignored; Created is kept when set, else now; Updated is now. An
// issuer that does not exist gives store.ErrNotFound.
func (s *Store) CreateInstance(ctx context.Context, in store.Instance) (store.Instance, error) {
	t := s.now()
	created := normTime(in.Created)
	if created.IsZero() {
		created = t
	}
	row := instanceRow{
		Name:                 in.Name,
		IssuerID:             in.IssuerID,
		ControlledLinkFolder: in.ControlledLinkFolder,
		Supported:            uint8(in.Supported),
		DefaultReturn:        uint8(in.DefaultReturn),
		Enabled:              in.Enabled,
		Created:              timeOf(created),
		Updated:              timeOf(t),
	}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return store.Instance{}, wrapErr(s.db, "create instance", err)
	}
	return row.instance(), nil
}

// UpdateInstance replaces every field of the instance but Created; Updated becomes now. An issuer that does not
// exist gives store.ErrNotFound, as does a missing instance.
func (s *Store) UpdateInstance(ctx context.Context, in store.Instance) (store.Instance, error) {
	op := fmt.Sprintf("update instance %d", in.ID)
	var out store.Instance
	err := s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&instanceRow{}).Where("id = ?", in.ID).Updates(map[string]any{
			"name":                   in.Name,
			"issuer_id":              in.IssuerID,
			"controlled_link_folder": in.ControlledLinkFolder,
			"supported":              uint8(in.Supported),
			"default_return":         uint8(in.DefaultReturn),
			"enabled":                in.Enabled,
			"updated":                timeOf(s.now()),
		})
		if res.Error != nil {
			return wrapErr(s.db, op, res.Error)
		}
		if res.RowsAffected == 0 {
			return notFound(op)
		}
		var err error
		out, err = getInstance(tx, in.ID)
		return err
	})
	if err != nil {
		return store.Instance{}, err
	}
	return out, nil
}

// DeleteInstance removes the instance and its course settings; its controlled links are kept with InstanceID 0.
func (s *Store) DeleteInstance(ctx context.Context, id int64) error {
	op := fmt.Sprintf("delete instance %d", id)
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&controlledLinkRow{}).Where("instance_id = ?", id).Update("instance_id", nil).Error; err != nil {
			return wrapErr(s.db, op+": controlled links", err)
		}
		if err := tx.Where("instance_id = ?", id).Delete(&courseInstanceRow{}).Error; err != nil {
			return wrapErr(s.db, op+": course settings", err)
		}
		res := tx.Where("id = ?", id).Delete(&instanceRow{})
		if res.Error != nil {
			return wrapErr(s.db, op, res.Error)
		}
		if res.RowsAffected == 0 {
			return notFound(op)
		}
		return nil
	})
}

// CourseInstanceEnabled reports whether the instance is enabled for the course: true unless a row says otherwise.
// An instance that does not exist gives store.ErrNotFound.
func (s *Store) CourseInstanceEnabled(ctx context.Context, course string, instanceID int64) (bool, error) {
	op := fmt.Sprintf("course instance %d enabled", instanceID)
	var rows []struct {
		ID      int64 `gorm:"column:id"`
		Enabled *bool `gorm:"column:enabled"`
	}
	err := s.db.WithContext(ctx).Raw(`SELECT i.id AS id, c.enabled AS enabled
		FROM ocrepo_instances i
		LEFT JOIN ocrepo_course_instances c ON c.instance_id = i.id AND c.course = ?
		WHERE i.id = ?`, course, instanceID).Scan(&rows).Error
	if err != nil {
		return false, wrapErr(s.db, op, err)
	}
	if len(rows) == 0 {
		return false, notFound(op)
	}
	if rows[0].Enabled == nil {
		return true, nil
	}
	return *rows[0].Enabled, nil
}

// SetCourseInstanceEnabled records whether the instance is enabled for the course. An instance that does not exist
// gives store.ErrNotFound.
func (s *Store) SetCourseInstanceEnabled(ctx context.Context, course string, instanceID int64, enabled bool) error {
	op := fmt.Sprintf("set course instance %d enabled", instanceID)
	row := courseInstanceRow{Course: course, InstanceID: instanceID, Enabled: enabled, Updated: timeOf(s.now())}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "course"}, {Name: "instance_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"enabled", "updated"}),
	}).Create(&row).Error
	if err != nil {
		return wrapErr(s.db, op, err)
	}
	return nil
}
