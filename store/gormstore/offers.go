package gormstore

import (
	"context"
	"database/sql"
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
	// The user's token, all NULL when there is none.
	UserIssuer       *int64  `gorm:"column:u_issuer_id"`
	UserCloudUser    *string `gorm:"column:u_cloud_user"`
	UserCloudEmail   *string `gorm:"column:u_cloud_email"`
	UserCloudName    *string `gorm:"column:u_cloud_name"`
	UserAccessToken  *string `gorm:"column:u_access_token"`
	UserRefreshToken *string `gorm:"column:u_refresh_token"`
	UserExpiry       dbTime  `gorm:"column:u_expiry"`
	UserVersion      *int64  `gorm:"column:u_version"`
	UserLeaseHolder  *string `gorm:"column:u_lease_holder"`
	UserLeaseUntil   dbTime  `gorm:"column:u_lease_until"`
	UserCreated      dbTime  `gorm:"column:u_created"`
	UserRefreshed    dbTime  `gorm:"column:u_refreshed"`
	UserLastError    *string `gorm:"column:u_last_error"`
}

// userToken is the row's user token as GetToken reads it; ok is false when the row has none.
func (r offerRow) userToken(userID string) (tokenRow, bool) {
	if r.UserIssuer == nil {
		return tokenRow{}, false
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	var version int64
	if r.UserVersion != nil {
		version = *r.UserVersion
	}
	return tokenRow{IssuerID: *r.UserIssuer, UserID: userID, CloudUser: str(r.UserCloudUser), CloudEmail: str(r.UserCloudEmail),
		CloudName: str(r.UserCloudName), AccessToken: str(r.UserAccessToken), RefreshToken: str(r.UserRefreshToken),
		Expiry: r.UserExpiry, Version: version, LeaseHolder: str(r.UserLeaseHolder), LeaseUntil: r.UserLeaseUntil,
		Created: r.UserCreated, Refreshed: r.UserRefreshed, LastError: str(r.UserLastError)}, true
}

// InstanceOffers reads every instance with its issuer's revision, the course's switch, the system account's
// tokens and the user's token in one query.
func (s *Store) InstanceOffers(ctx context.Context, course, userID string) ([]store.InstanceOffer, error) {
	var rows []offerRow
	sqlRows, err := s.db.WithContext(bounded(ctx)).Raw(`SELECT i.id AS id, i.name AS name, i.issuer_id AS issuer_id,
			i.controlled_link_folder AS controlled_link_folder, i.supported AS supported,
			i.default_return AS default_return, i.enabled AS enabled, i.created AS created, i.updated AS updated,
			iss.revision AS issuer_revision, c.enabled AS course_enabled,
			t.issuer_id AS system_issuer, t.access_token AS system_access, t.refresh_token AS system_refresh,
			u.issuer_id AS u_issuer_id, u.cloud_user AS u_cloud_user, u.cloud_email AS u_cloud_email,
			u.cloud_name AS u_cloud_name, u.access_token AS u_access_token, u.refresh_token AS u_refresh_token,
			u.expiry AS u_expiry, u.version AS u_version, u.lease_holder AS u_lease_holder,
			u.lease_until AS u_lease_until, u.created AS u_created, u.refreshed AS u_refreshed,
			u.last_error AS u_last_error
		FROM ocrepo_instances i
		JOIN ocrepo_issuers iss ON iss.id = i.issuer_id
		LEFT JOIN ocrepo_course_instances c ON c.instance_id = i.id AND c.course = ?
		LEFT JOIN ocrepo_tokens t ON t.issuer_id = i.issuer_id AND t.system = ? AND t.user_id = ?
		LEFT JOIN ocrepo_tokens u ON u.issuer_id = i.issuer_id AND u.system = ? AND u.user_id = ? AND u.user_id <> ?
		ORDER BY i.id`, course, true, "", false, userID, "").Rows()
	if err == nil {
		rows, err = scanOffers(sqlRows)
	}
	if err != nil {
		return nil, wrapErr(s.db, "instance offers", err)
	}
	out := make([]store.InstanceOffer, 0, len(rows))
	userTokens := map[int64]*store.Token{} // by issuer: instances of one issuer share the user's token
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
		if tr, ok := r.userToken(userID); ok {
			if o.UserToken = userTokens[tr.IssuerID]; o.UserToken == nil {
				tok, err := s.tokenFromRow(tr)
				if err != nil {
					return nil, err
				}
				o.UserToken = &tok
				userTokens[tr.IssuerID] = &tok
			}
		}
		out = append(out, o)
	}
	return out, nil
}

// scanOffers reads the InstanceOffers query's rows into offerRows, column by column in the query's order: the
// picker's hot query, scanned without GORM's reflection. It closes rows.
func scanOffers(rows *sql.Rows) ([]offerRow, error) {
	defer rows.Close()
	var out []offerRow
	for rows.Next() {
		var r offerRow
		var systemAccess, systemRefresh *string // NULL without a system account
		if err := rows.Scan(&r.ID, &r.Name, &r.IssuerID, &r.ControlledLinkFolder, &r.Supported, &r.DefaultReturn,
			&r.Enabled, &r.Created, &r.Updated, &r.IssuerRevision, &r.CourseEnabled,
			&r.SystemIssuer, &systemAccess, &systemRefresh,
			&r.UserIssuer, &r.UserCloudUser, &r.UserCloudEmail, &r.UserCloudName, &r.UserAccessToken,
			&r.UserRefreshToken, &r.UserExpiry, &r.UserVersion, &r.UserLeaseHolder, &r.UserLeaseUntil,
			&r.UserCreated, &r.UserRefreshed, &r.UserLastError); err != nil {
			return nil, err
		}
		if systemAccess != nil {
			r.SystemAccess = *systemAccess
		}
		if systemRefresh != nil {
			r.SystemRefresh = *systemRefresh
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
