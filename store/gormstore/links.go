package gormstore

import (
	"context"
	"encoding/json"
	"fmt"

	"gorm.io/gorm"

	"github.com/ocrepo/ocrepo/store"
)

type controlledLinkRow struct {
	ID           int64  `gorm:"column:id;primaryKey"`
	InstanceID   *int64 `gorm:"column:instance_id"` // NULL once the instance is gone
	IssuerID     int64  `gorm:"column:issuer_id"`
	Course       string `gorm:"column:course"`
	Context      string `gorm:"column:context"` // JSON array of strings
	OwnerUserID  string `gorm:"column:owner_user_id"`
	OwnerCloud   string `gorm:"column:owner_cloud"`
	OriginalPath string `gorm:"column:original_path"`
	SystemPath   string `gorm:"column:system_path"`
	Name         string `gorm:"column:name"`
	ContentType  string `gorm:"column:content_type"`
	Size         int64  `gorm:"column:size"`
	Submitted    bool   `gorm:"column:submitted"`
	Created      dbTime `gorm:"column:created"`
	Updated      dbTime `gorm:"column:updated"`
}

func (controlledLinkRow) TableName() string { return "ocrepo_controlled_links" }

func (r controlledLinkRow) link() (store.ControlledLink, error) {
	var lmsContext []string
	if err := json.Unmarshal([]byte(r.Context), &lmsContext); err != nil {
		return store.ControlledLink{}, fmt.Errorf("gormstore: controlled link %d: context: %w", r.ID, err)
	}
	if len(lmsContext) == 0 {
		lmsContext = nil
	}
	var instanceID int64
	if r.InstanceID != nil {
		instanceID = *r.InstanceID
	}
	return store.ControlledLink{
		ID:           r.ID,
		InstanceID:   instanceID,
		IssuerID:     r.IssuerID,
		Course:       r.Course,
		Context:      lmsContext,
		OwnerUserID:  r.OwnerUserID,
		OwnerCloud:   r.OwnerCloud,
		OriginalPath: r.OriginalPath,
		SystemPath:   r.SystemPath,
		Name:         r.Name,
		ContentType:  r.ContentType,
		Size:         r.Size,
		Submitted:    r.Submitted,
		Created:      r.Created.Time,
		Updated:      r.Updated.Time,
	}, nil
}

// encodeContext stores an LMS context as a JSON array; nil is "[]".
func encodeContext(c []string) (string, error) {
	if c == nil {
		c = []string{}
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("gormstore: controlled link context: %w", err)
	}
	return string(b), nil
}

// instanceRef is the instance_id column for an InstanceID: NULL for 0.
func instanceRef(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// CreateControlledLink stores a new controlled link. l.ID is ignored; Created is kept when set, else now; Updated
// is now. A non-zero InstanceID that does not exist gives store.ErrNotFound.
func (s *Store) CreateControlledLink(ctx context.Context, l store.ControlledLink) (store.ControlledLink, error) {
	lmsContext, err := encodeContext(l.Context)
	if err != nil {
		return store.ControlledLink{}, err
	}
	t := s.now()
	created := normTime(l.Created)
	if created.IsZero() {
		created = t
	}
	row := controlledLinkRow{
		InstanceID:   instanceRef(l.InstanceID),
		IssuerID:     l.IssuerID,
		Course:       l.Course,
		Context:      lmsContext,
		OwnerUserID:  l.OwnerUserID,
		OwnerCloud:   l.OwnerCloud,
		OriginalPath: l.OriginalPath,
		SystemPath:   l.SystemPath,
		Name:         l.Name,
		ContentType:  l.ContentType,
		Size:         l.Size,
		Submitted:    l.Submitted,
		Created:      timeOf(created),
		Updated:      timeOf(t),
	}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return store.ControlledLink{}, wrapErr(s.db, "create controlled link", err)
	}
	return row.link()
}

// GetControlledLink returns one controlled link.
func (s *Store) GetControlledLink(ctx context.Context, id int64) (store.ControlledLink, error) {
	return getControlledLink(s.db.WithContext(ctx), id)
}

func getControlledLink(db *gorm.DB, id int64) (store.ControlledLink, error) {
	op := fmt.Sprintf("get controlled link %d", id)
	var rows []controlledLinkRow
	if err := db.Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return store.ControlledLink{}, wrapErr(db, op, err)
	}
	if len(rows) == 0 {
		return store.ControlledLink{}, notFound(op)
	}
	return rows[0].link()
}

// filterLinks narrows a query on controlled links to f.
func filterLinks(db *gorm.DB, f store.ControlledLinkFilter) *gorm.DB {
	if f.Course != "" {
		db = db.Where("course = ?", f.Course)
	}
	if f.InstanceID != 0 {
		db = db.Where("instance_id = ?", f.InstanceID)
	}
	if f.IssuerID != 0 {
		db = db.Where("issuer_id = ?", f.IssuerID)
	}
	if f.Owner != "" {
		db = db.Where("owner_user_id = ?", f.Owner)
	}
	return db
}

// ListControlledLinks returns the controlled links f matches, ordered by ID.
func (s *Store) ListControlledLinks(ctx context.Context, f store.ControlledLinkFilter) ([]store.ControlledLink, error) {
	var rows []controlledLinkRow
	if err := filterLinks(s.db.WithContext(ctx).Model(&controlledLinkRow{}), f).Order("id").Find(&rows).Error; err != nil {
		return nil, wrapErr(s.db, "list controlled links", err)
	}
	out := make([]store.ControlledLink, len(rows))
	for i, r := range rows {
		l, err := r.link()
		if err != nil {
			return nil, err
		}
		out[i] = l
	}
	return out, nil
}

// CountControlledLinks returns how many controlled links f matches.
func (s *Store) CountControlledLinks(ctx context.Context, f store.ControlledLinkFilter) (int64, error) {
	var n int64
	if err := filterLinks(s.db.WithContext(ctx).Model(&controlledLinkRow{}), f).Count(&n).Error; err != nil {
		return 0, wrapErr(s.db, "count controlled links", err)
	}
	return n, nil
}

// UpdateControlledLink replaces every field of the link but Created; Updated becomes now.
func (s *Store) UpdateControlledLink(ctx context.Context, l store.ControlledLink) (store.ControlledLink, error) {
	op := fmt.Sprintf("update controlled link %d", l.ID)
	lmsContext, err := encodeContext(l.Context)
	if err != nil {
		return store.ControlledLink{}, err
	}
	var out store.ControlledLink
	err = s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&controlledLinkRow{}).Where("id = ?", l.ID).Updates(map[string]any{
			"instance_id":   instanceRef(l.InstanceID),
			"issuer_id":     l.IssuerID,
			"course":        l.Course,
			"context":       lmsContext,
			"owner_user_id": l.OwnerUserID,
			"owner_cloud":   l.OwnerCloud,
			"original_path": l.OriginalPath,
			"system_path":   l.SystemPath,
			"name":          l.Name,
			"content_type":  l.ContentType,
			"size":          l.Size,
			"submitted":     l.Submitted,
			"updated":       timeOf(s.now()),
		})
		if res.Error != nil {
			return wrapErr(s.db, op, res.Error)
		}
		if res.RowsAffected == 0 {
			return notFound(op)
		}
		var err error
		out, err = getControlledLink(tx, l.ID)
		return err
	})
	if err != nil {
		return store.ControlledLink{}, err
	}
	return out, nil
}

// DeleteControlledLink removes the link and its shares.
func (s *Store) DeleteControlledLink(ctx context.Context, id int64) error {
	op := fmt.Sprintf("delete controlled link %d", id)
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("link_id = ?", id).Delete(&controlledShareRow{}).Error; err != nil {
			return wrapErr(s.db, op+": shares", err)
		}
		res := tx.Where("id = ?", id).Delete(&controlledLinkRow{})
		if res.Error != nil {
			return wrapErr(s.db, op, res.Error)
		}
		if res.RowsAffected == 0 {
			return notFound(op)
		}
		return nil
	})
}

type controlledShareRow struct {
	ID          int64  `gorm:"column:id;primaryKey"`
	LinkID      int64  `gorm:"column:link_id"`
	UserID      string `gorm:"column:user_id"`
	CloudUser   string `gorm:"column:cloud_user"`
	ShareID     string `gorm:"column:share_id"`
	Permissions int    `gorm:"column:permissions"`
	Target      string `gorm:"column:target"`
	Created     dbTime `gorm:"column:created"`
	Updated     dbTime `gorm:"column:updated"`
}

func (controlledShareRow) TableName() string { return "ocrepo_controlled_shares" }

const controlledShareColumns = "id, link_id, user_id, cloud_user, share_id, permissions, target, created, updated"

func (r controlledShareRow) share() store.ControlledShare {
	return store.ControlledShare{
		ID:          r.ID,
		LinkID:      r.LinkID,
		UserID:      r.UserID,
		CloudUser:   r.CloudUser,
		ShareID:     r.ShareID,
		Permissions: r.Permissions,
		Target:      r.Target,
		Created:     r.Created.Time,
		Updated:     r.Updated.Time,
	}
}

// PutControlledShare creates the share for (LinkID, UserID) or replaces its fields, keeping its ID and Created;
// s.ID is ignored. Created is kept when set on a new share, else now; Updated is now. A link that does not exist
// gives store.ErrNotFound.
func (s *Store) PutControlledShare(ctx context.Context, sh store.ControlledShare) (store.ControlledShare, error) {
	op := fmt.Sprintf("put controlled share of link %d", sh.LinkID)
	t := s.now()
	created := normTime(sh.Created)
	if created.IsZero() {
		created = t
	}
	var rows []controlledShareRow
	var err error
	if s.dialect == dialectMySQL {
		rows, err = s.putControlledShareMySQL(ctx, sh, created, t)
	} else {
		err = s.db.WithContext(ctx).Raw(`INSERT INTO ocrepo_controlled_shares (link_id, user_id, cloud_user, share_id,
			permissions, target, created, updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (link_id, user_id) DO UPDATE SET
			cloud_user = excluded.cloud_user,
			share_id = excluded.share_id,
			permissions = excluded.permissions,
			target = excluded.target,
			updated = excluded.updated
		RETURNING `+controlledShareColumns,
			sh.LinkID, sh.UserID, sh.CloudUser, sh.ShareID, sh.Permissions, sh.Target, timeOf(created), timeOf(t),
		).Scan(&rows).Error
	}
	if err != nil {
		return store.ControlledShare{}, wrapErr(s.db, op, err)
	}
	if len(rows) != 1 {
		return store.ControlledShare{}, fmt.Errorf("gormstore: %s: upsert returned %d rows", op, len(rows))
	}
	return rows[0].share(), nil
}

// GetControlledShare returns the share of the link handed to the user.
func (s *Store) GetControlledShare(ctx context.Context, linkID int64, userID string) (store.ControlledShare, error) {
	op := fmt.Sprintf("get controlled share of link %d", linkID)
	var rows []controlledShareRow
	if err := s.db.WithContext(ctx).Where("link_id = ? AND user_id = ?", linkID, userID).Limit(1).Find(&rows).Error; err != nil {
		return store.ControlledShare{}, wrapErr(s.db, op, err)
	}
	if len(rows) == 0 {
		return store.ControlledShare{}, notFound(op)
	}
	return rows[0].share(), nil
}

// ListControlledShares returns the shares of the link, ordered by ID; none for an unknown link.
func (s *Store) ListControlledShares(ctx context.Context, linkID int64) ([]store.ControlledShare, error) {
	var rows []controlledShareRow
	if err := s.db.WithContext(ctx).Where("link_id = ?", linkID).Order("id").Find(&rows).Error; err != nil {
		return nil, wrapErr(s.db, fmt.Sprintf("list controlled shares of link %d", linkID), err)
	}
	out := make([]store.ControlledShare, len(rows))
	for i, r := range rows {
		out[i] = r.share()
	}
	return out, nil
}

// DeleteControlledShare removes the share of the link handed to the user.
func (s *Store) DeleteControlledShare(ctx context.Context, linkID int64, userID string) error {
	op := fmt.Sprintf("delete controlled share of link %d", linkID)
	res := s.db.WithContext(ctx).Where("link_id = ? AND user_id = ?", linkID, userID).Delete(&controlledShareRow{})
	if res.Error != nil {
		return wrapErr(s.db, op, res.Error)
	}
	if res.RowsAffected == 0 {
		return notFound(op)
	}
	return nil
}
