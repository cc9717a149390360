package gormstore

import (
	"context"

	"github.com/ocrepo/ocrepo/store"
)

// defaultAuditLimit is the page size of ListAudit when the filter gives none.
const defaultAuditLimit = 100

type auditRow struct {
	ID     int64  `gorm:"column:id;primaryKey"`
	At     dbTime `gorm:"column:at"`
	Actor  string `gorm:"column:actor"`
	Action string `gorm:"column:action"`
	Target string `gorm:"column:target"`
	Detail string `gorm:"column:detail"`
}

func (auditRow) TableName() string { return "ocrepo_audit" }

// AddAudit appends an entry. e.ID is ignored; At is kept when set, else now.
func (s *Store) AddAudit(ctx context.Context, e store.AuditEntry) error {
	at := normTime(e.At)
	if at.IsZero() {
		at = s.now()
	}
	row := auditRow{At: timeOf(at), Actor: e.Actor, Action: e.Action, Target: e.Target, Detail: e.Detail}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return wrapErr(s.db, "add audit entry", err)
	}
	return nil
}

// ListAudit returns a page of the trail, newest first (by At, then by insertion for entries of the same instant).
// A Limit of 0 or less means 100; a negative Offset means 0.
func (s *Store) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultAuditLimit
	}
	offset := max(f.Offset, 0)
	var rows []auditRow
	q := s.db.WithContext(ctx)
	if f.Actor != "" {
		q = q.Where("actor = ?", f.Actor)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.Target != "" {
		q = q.Where("target = ?", f.Target)
	}
	if err := q.Order("at DESC, id DESC").Limit(limit).Offset(offset).Find(&rows).Error; err != nil {
		return nil, wrapErr(s.db, "list audit", err)
	}
	out := make([]store.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = store.AuditEntry{ID: r.ID, At: r.At.Time, Actor: r.Actor, Action: r.Action, Target: r.Target, Detail: r.Detail}
	}
	return out, nil
}

// LatestAudit returns the newest entry of action about each of targets in one statement: for each target, the
// entry whose id is the first in ListAudit's order.
func (s *Store) LatestAudit(ctx context.Context, action string, targets []string) ([]store.AuditEntry, error) {
	if len(targets) == 0 {
		return nil, nil
	}
	var rows []auditRow
	err := s.db.WithContext(ctx).Raw(`SELECT a.* FROM ocrepo_audit a WHERE a.action = ? AND a.target IN ? AND a.id = (
			SELECT b.id FROM ocrepo_audit b WHERE b.action = a.action AND b.target = a.target ORDER BY b.at DESC, b.id DESC LIMIT 1)`,
		action, targets).Scan(&rows).Error
	if err != nil {
		return nil, wrapErr(s.db, "latest audit", err)
	}
	out := make([]store.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = store.AuditEntry{ID: r.ID, At: r.At.Time, Actor: r.Actor, Action: r.Action, Target: r.Target, Detail: r.Detail}
	}
	return out, nil
}
