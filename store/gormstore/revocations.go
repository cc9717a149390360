package gormstore

import (
	"context"
	"fmt"
	"time"

	"github.com/ocrepo/ocrepo/store"
)

type clientPauseRow struct {
	IssuerID int64  `gorm:"column:issuer_id"`
	Until    dbTime `gorm:"column:until"`
}

func (clientPauseRow) TableName() string { return "ocrepo_client_pauses" }

// PauseClient pauses refreshes for an issuer until until. An issuer that does not exist gives store.ErrNotFound.
func (s *Store) PauseClient(ctx context.Context, issuerID int64, until time.Time) error {
	op := fmt.Sprintf("pause issuer %d client", issuerID)
	var err error
	if s.dialect == dialectMySQL {
		err = s.pauseClientMySQL(ctx, issuerID, until)
	} else {
		err = s.db.WithContext(ctx).Exec(`INSERT INTO ocrepo_client_pauses (issuer_id, until) VALUES (?, ?)
		ON CONFLICT (issuer_id) DO UPDATE SET until = excluded.until`, issuerID, dbTime{normTime(until)}).Error
	}
	if err != nil {
		return wrapErr(s.db, op, err)
	}
	return nil
}

// ClientPausedUntil is when refreshes for an issuer may be tried again; zero when they are not paused.
func (s *Store) ClientPausedUntil(ctx context.Context, issuerID int64) (time.Time, error) {
	var rows []clientPauseRow
	if err := s.db.WithContext(ctx).Where("issuer_id = ?", issuerID).Limit(1).Find(&rows).Error; err != nil {
		return time.Time{}, wrapErr(s.db, fmt.Sprintf("get issuer %d client pause", issuerID), err)
	}
	if len(rows) == 0 {
		return time.Time{}, nil
	}
	return rows[0].Until.Time, nil
}

// ClearClientPause ends an issuer's pause.
func (s *Store) ClearClientPause(ctx context.Context, issuerID int64) error {
	if err := s.db.WithContext(ctx).Where("issuer_id = ?", issuerID).Delete(&clientPauseRow{}).Error; err != nil {
		return wrapErr(s.db, fmt.Sprintf("clear issuer %d client pause", issuerID), err)
	}
	return nil
}

type revocationRow struct {
	ID           string `gorm:"column:id"`
	IssuerID     int64  `gorm:"column:issuer_id"`
	UserID       string `gorm:"column:user_id"`
	CloudUser    string `gorm:"column:cloud_user"`
	AccessToken  string `gorm:"column:access_token"`  // sealed
	RefreshToken string `gorm:"column:refresh_token"` // sealed
	Created      dbTime `gorm:"column:created"`
	Attempts     int    `gorm:"column:attempts"`
	LastError    string `gorm:"column:last_error"`
}

func (revocationRow) TableName() string { return "ocrepo_revocations" }

// AddRevocation stores a pending revocation with its access token sealed. Created is kept when set, else now.
func (s *Store) AddRevocation(ctx context.Context, r store.PendingRevocation) error {
	op := fmt.Sprintf("add issuer %d pending revocation", r.IssuerID)
	if r.ID == "" {
		return fmt.Errorf("gormstore: %s: empty id", op)
	}
	access, err := s.seal(r.AccessToken, aadRevocation("access_token", r.IssuerID, r.ID))
	if err != nil {
		return err
	}
	refresh, err := s.seal(r.RefreshToken, aadRevocation("refresh_token", r.IssuerID, r.ID))
	if err != nil {
		return err
	}
	created := normTime(r.Created)
	if created.IsZero() {
		created = s.now()
	}
	row := revocationRow{ID: r.ID, IssuerID: r.IssuerID, UserID: r.UserID, CloudUser: r.CloudUser, AccessToken: access,
		RefreshToken: refresh, Created: dbTime{created}, Attempts: r.Attempts, LastError: r.LastError}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return wrapErr(s.db, op, err)
	}
	return nil
}

// ListRevocations returns an issuer's pending revocations, oldest first, at most limit.
func (s *Store) ListRevocations(ctx context.Context, issuerID int64, limit int) ([]store.PendingRevocation, error) {
	op := fmt.Sprintf("list issuer %d pending revocations", issuerID)
	var rows []revocationRow
	q := s.db.WithContext(ctx).Where("issuer_id = ?", issuerID).Order("created, id")
	if limit > 0 {
		q = q.Limit(limit)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, wrapErr(s.db, op, err)
	}
	out := make([]store.PendingRevocation, 0, len(rows))
	for _, r := range rows {
		access, err := s.open(r.AccessToken, aadRevocation("access_token", r.IssuerID, r.ID))
		if err != nil {
			return nil, fmt.Errorf("gormstore: %s: %w", op, err)
		}
		refresh, err := s.open(r.RefreshToken, aadRevocation("refresh_token", r.IssuerID, r.ID))
		if err != nil {
			return nil, fmt.Errorf("gormstore: %s: %w", op, err)
		}
		out = append(out, store.PendingRevocation{ID: r.ID, IssuerID: r.IssuerID, UserID: r.UserID, CloudUser: r.CloudUser,
			AccessToken: access, RefreshToken: refresh, Created: r.Created.Time, Attempts: r.Attempts, LastError: r.LastError})
	}
	return out, nil
}

// DeleteRevocation forgets a pending revocation.
func (s *Store) DeleteRevocation(ctx context.Context, id string) error {
	res := s.db.WithContext(ctx).Where("id = ?", id).Delete(&revocationRow{})
	if res.Error != nil {
		return wrapErr(s.db, "delete pending revocation", res.Error)
	}
	if res.RowsAffected == 0 {
		return notFound("delete pending revocation")
	}
	return nil
}
