package gormstore

import (
	"context"
	"fmt"
	"time"

	"github.com/ocrepo/ocrepo/store"
)

type tokenRow struct {
	IssuerID     int64  `gorm:"column:issuer_id"`
	System       bool   `gorm:"column:system"`
	UserID       string `gorm:"column:user_id"`
	CloudUser    string `gorm:"column:cloud_user"`
	CloudEmail   string `gorm:"column:cloud_email"`
	CloudName    string `gorm:"column:cloud_name"`
	AccessToken  string `gorm:"column:access_token"`  // sealed
	RefreshToken string `gorm:"column:refresh_token"` // sealed
	Expiry       dbTime `gorm:"column:expiry"`
	Version      int64  `gorm:"column:version"`
	LeaseHolder  string `gorm:"column:lease_holder"`
	LeaseUntil   dbTime `gorm:"column:lease_until"`
	Created      dbTime `gorm:"column:created"`
	Refreshed    dbTime `gorm:"column:refreshed"`
	LastError    string `gorm:"column:last_error"`
}

func (tokenRow) TableName() string { return "ocrepo_tokens" }

// tokenKeyWhere selects one token row; its arguments follow.
const tokenKeyWhere = "issuer_id = ? AND system = ? AND user_id = ?"

func tokenKeyArgs(k store.TokenKey) []any { return []any{k.IssuerID, k.System, k.UserID} }

// describeKey names a token in errors without the host user ID (which may be an email address).
func describeKey(k store.TokenKey) string {
	if k.System {
		return fmt.Sprintf("issuer %d system token", k.IssuerID)
	}
	return fmt.Sprintf("issuer %d user token", k.IssuerID)
}

// GetToken returns the token stored for key.
func (s *Store) GetToken(ctx context.Context, key store.TokenKey) (store.Token, error) {
	op := "get " + describeKey(key)
	var rows []tokenRow
	if err := s.db.WithContext(bounded(ctx)).Where(tokenKeyWhere, tokenKeyArgs(key)...).Limit(1).Find(&rows).Error; err != nil {
		return store.Token{}, wrapErr(s.db, op, err)
	}
	if len(rows) == 0 {
		return store.Token{}, notFound(op)
	}
	return s.tokenFromRow(rows[0])
}

func (s *Store) tokenFromRow(r tokenRow) (store.Token, error) {
	key := store.TokenKey{IssuerID: r.IssuerID, UserID: r.UserID, System: r.System}
	access, err := s.open(r.AccessToken, aadToken("access", key))
	if err != nil {
		return store.Token{}, fmt.Errorf("gormstore: %s: %w", describeKey(key), err)
	}
	refresh, err := s.open(r.RefreshToken, aadToken("refresh", key))
	if err != nil {
		return store.Token{}, fmt.Errorf("gormstore: %s: %w", describeKey(key), err)
	}
	return store.Token{
		Key:          key,
		CloudUser:    r.CloudUser,
		CloudEmail:   r.CloudEmail,
		CloudName:    r.CloudName,
		AccessToken:  access,
		RefreshToken: refresh,
		Expiry:       r.Expiry.Time,
		Version:      r.Version,
		LeaseHolder:  r.LeaseHolder,
		LeaseUntil:   r.LeaseUntil.Time,
		Created:      r.Created.Time,
		Refreshed:    r.Refreshed.Time,
		LastError:    r.LastError,
	}, nil
}

// sealTokens seals t's access and refresh tokens for its key.
func (s *Store) sealTokens(t store.Token) (access, refresh string, err error) {
	if access, err = s.seal(t.AccessToken, aadToken("access", t.Key)); err != nil {
		return "", "", err
	}
	if refresh, err = s.seal(t.RefreshToken, aadToken("refresh", t.Key)); err != nil {
		return "", "", err
	}
	return access, refresh, nil
}

// PutToken stores t for its key, replacing whatever was there, with version 1 for a new key and the old version
// plus one otherwise; the lease is cleared. Created is kept when set, else now. A key whose issuer does not exist
// gives store.ErrNotFound.
func (s *Store) PutToken(ctx context.Context, t store.Token) (store.Token, error) {
	op := "put " + describeKey(t.Key)
	access, refresh, err := s.sealTokens(t)
	if err != nil {
		return store.Token{}, err
	}
	created := normTime(t.Created)
	if created.IsZero() {
		created = s.now()
	}
	var rows []tokenVersionRow
	if s.dialect == dialectMySQL {
		rows, err = s.putTokenMySQL(ctx, t, access, refresh, created)
	} else {
		err = s.db.WithContext(ctx).Raw(`INSERT INTO ocrepo_tokens (issuer_id, system, user_id, cloud_user, cloud_email,
			cloud_name, access_token, refresh_token, expiry, version, lease_holder, lease_until, created, refreshed,
			last_error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, '', NULL, ?, ?, ?)
		ON CONFLICT (issuer_id, system, user_id) DO UPDATE SET
			cloud_user = excluded.cloud_user,
			cloud_email = excluded.cloud_email,
			cloud_name = excluded.cloud_name,
			access_token = excluded.access_token,
			refresh_token = excluded.refresh_token,
			expiry = excluded.expiry,
			version = ocrepo_tokens.version + 1,
			lease_holder = '',
			lease_until = NULL,
			created = excluded.created,
			refreshed = excluded.refreshed,
			last_error = excluded.last_error
		RETURNING version, created`,
			t.Key.IssuerID, t.Key.System, t.Key.UserID, t.CloudUser, t.CloudEmail, t.CloudName, access, refresh,
			timeOf(t.Expiry), timeOf(created), timeOf(t.Refreshed), t.LastError,
		).Scan(&rows).Error
	}
	if err != nil {
		return store.Token{}, wrapErr(s.db, op, err)
	}
	if len(rows) != 1 {
		return store.Token{}, fmt.Errorf("gormstore: %s: upsert returned %d rows", op, len(rows))
	}
	out := normToken(t)
	out.Version = rows[0].Version
	out.Created = rows[0].Created.Time
	out.LeaseHolder = ""
	out.LeaseUntil = time.Time{}
	return out, nil
}

// SwapToken writes t (every field but Created) if the stored version is still expect, and returns it with version
// expect+1. A stored version other than expect gives store.ErrConflict, a missing token store.ErrNotFound.
func (s *Store) SwapToken(ctx context.Context, t store.Token, expect int64) (store.Token, error) {
	op := "swap " + describeKey(t.Key)
	access, refresh, err := s.sealTokens(t)
	if err != nil {
		return store.Token{}, err
	}
	db := s.db.WithContext(bounded(ctx))
	var rows []struct {
		Created dbTime `gorm:"column:created"`
	}
	if s.dialect == dialectMySQL {
		var created []dbTime
		created, err = s.swapTokenMySQL(db, t, access, refresh, expect)
		for _, c := range created {
			rows = append(rows, struct {
				Created dbTime `gorm:"column:created"`
			}{c})
		}
	} else {
		err = db.Raw(`UPDATE ocrepo_tokens SET
			cloud_user = ?, cloud_email = ?, cloud_name = ?, access_token = ?, refresh_token = ?, expiry = ?,
			version = ?, lease_holder = ?, lease_until = ?, refreshed = ?, last_error = ?
		WHERE issuer_id = ? AND system = ? AND user_id = ? AND version = ?
		RETURNING created`,
			t.CloudUser, t.CloudEmail, t.CloudName, access, refresh, timeOf(t.Expiry),
			expect+1, t.LeaseHolder, timeOf(t.LeaseUntil), timeOf(t.Refreshed), t.LastError,
			t.Key.IssuerID, t.Key.System, t.Key.UserID, expect,
		).Scan(&rows).Error
	}
	if err != nil {
		return store.Token{}, wrapErr(s.db, op, err)
	}
	if len(rows) == 0 {
		var versions []int64
		if err := db.Model(&tokenRow{}).Where(tokenKeyWhere, tokenKeyArgs(t.Key)...).Pluck("version", &versions).Error; err != nil {
			return store.Token{}, wrapErr(s.db, op, err)
		}
		if len(versions) == 0 {
			return store.Token{}, notFound(op)
		}
		return store.Token{}, fmt.Errorf("gormstore: %s: expected version %d, stored %d: %w", op, expect, versions[0], store.ErrConflict)
	}
	out := normToken(t)
	out.Version = expect + 1
	out.Created = rows[0].Created.Time
	return out, nil
}

// DeleteToken removes the token stored for key.
func (s *Store) DeleteToken(ctx context.Context, key store.TokenKey) error {
	op := "delete " + describeKey(key)
	res := s.db.WithContext(ctx).Where(tokenKeyWhere, tokenKeyArgs(key)...).Delete(&tokenRow{})
	if res.Error != nil {
		return wrapErr(s.db, op, res.Error)
	}
	if res.RowsAffected == 0 {
		return notFound(op)
	}
	return nil
}

// normToken is t with its times as the store keeps them.
func normToken(t store.Token) store.Token {
	t.Expiry = normTime(t.Expiry)
	t.LeaseUntil = normTime(t.LeaseUntil)
	t.Created = normTime(t.Created)
	t.Refreshed = normTime(t.Refreshed)
	return t
}

// SystemTokens implements store.SystemTokens: every issuer's system account in one statement, by issuer ID. It
// goes from the issuers to their tokens by the tokens' key, so the users' tokens are never scanned.
func (s *Store) SystemTokens(ctx context.Context) ([]store.Token, error) {
	var rows []tokenRow
	err := s.db.WithContext(ctx).Raw(`SELECT t.* FROM ocrepo_issuers i
		JOIN ocrepo_tokens t ON t.issuer_id = i.id AND t.system = ? AND t.user_id = ?
		ORDER BY i.id`, true, "").Scan(&rows).Error
	if err != nil {
		return nil, wrapErr(s.db, "system tokens", err)
	}
	out := make([]store.Token, 0, len(rows))
	for _, r := range rows {
		t, err := s.tokenFromRow(r)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}
