package gormstore

import (
	"context"
	"fmt"

	"github.com/ocrepo/ocrepo/store"
)

// offerRow is one row of the InstanceOffers query.
type offerRow struct {
	ID                   int64  `gorm:"column:id"`
	Name                 string `gorm:"column:name"`
	IssuerID             int64  `gorm:"column:issuer_id"`
	ControlledLinkFolder string `gorm:"column:controlled_link_folder"`
	Supported            uint8  `gorm:"column:supported"`
	DefaultReturn        uint8  `gorm:"column:default_return"`
	Enabled              bool   `gorm:"column:enabled"`
	Created              dbTime `gorm:"column:created"`
	Updated              dbTime `gorm:"column:updated"`
	IssuerRevision       int64  `gorm:"column:issuer_revision"`
	CourseEnabled        *bool  `gorm:"column:course_enabled"`
	SystemIssuer         *int64 `gorm:"column:system_issuer"`
	SystemAccess         string `gorm:"column:system_access"`
	SystemRefresh        string `gorm:"column:system_refresh"`
}

// InstanceOffers reads every instance with its issuer's revision, the course's switch and the system account's
// tokens in one query.
func (s *Store) InstanceOffers(ctx context.Context, course string) ([]store.InstanceOffer, error) {
	var rows []offerRow
	err := s.db.WithContext(ctx).Raw(`SELECT i.id AS id, i.name AS name, i.issuer_id AS issuer_id,
			i.controlled_link_folder AS controlled_link_folder, i.supported AS supported,
			i.default_return AS default_return, i.enabled AS enabled, i.created AS created, i.updated AS updated,
			iss.revision AS issuer_revision, c.enabled AS course_enabled,
			t.issuer_id AS system_issuer, t.access_token AS system_access, t.refresh_token AS system_refresh
		FROM ocrepo_instances i
		JOIN ocrepo_issuers iss ON iss.id = i.issuer_id
		LEFT JOIN ocrepo_course_instances c ON c.instance_id = i.id AND c.course = ?
		LEFT JOIN ocrepo_tokens t ON t.issuer_id = i.issuer_id AND t.system = ? AND t.user_id = ?
		ORDER BY i.id`, course, true, "").Scan(&rows).Error
	if err != nil {
		return nil, wrapErr(s.db, "instance offers", err)
	}
	out := make([]store.InstanceOffer, 0, len(rows))
	for _, r := range rows {
		in := instanceRow{ID: r.ID, Name: r.Name, IssuerID: r.IssuerID, ControlledLinkFolder: r.ControlledLinkFolder,
			Supported: r.Supported, DefaultReturn: r.DefaultReturn, Enabled: r.Enabled, Created: r.Created, Updated: r.Updated}
		o := store.InstanceOffer{Instance: in.instance(), IssuerRevision: r.IssuerRevision,
			CourseEnabled: r.CourseEnabled == nil || *r.CourseEnabled}
		if r.SystemIssuer != nil {
			key := store.TokenKey{IssuerID: r.IssuerID, System: true}
			access, err := s.open(r.SystemAccess, aadToken("access", key))
			if err != nil {
				return nil, fmt.Errorf("gormstore: %s: %w", describeKey(key), err)
			}
			refresh, err := s.open(r.SystemRefresh, aadToken("refresh", key))
			if err != nil {
				return nil, fmt.Errorf("gormstore: %s: %w", describeKey(key), err)
			}
			o.SystemConnected = access != "" || refresh != ""
		}
		out = append(out, o)
	}
	return out, nil
}
