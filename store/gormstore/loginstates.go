package gormstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ocrepo/ocrepo/store"
)

type loginStateRow struct {
	ID         string `gorm:"column:id;primaryKey"`
	IssuerID   int64  `gorm:"column:issuer_id"`
	UserID     string `gorm:"column:user_id"`
	System     bool   `gorm:"column:system"`
	InstanceID int64  `gorm:"column:instance_id"`
	Verifier   string `gorm:"column:verifier"` // sealed
	ReturnTo   string `gorm:"column:return_to"`
	Popup      bool   `gorm:"column:popup"`
	Created    dbTime `gorm:"column:created"`
	Expires    dbTime `gorm:"column:expires"`
	Used       dbTime `gorm:"column:used"`
}

func (loginStateRow) TableName() string { return "ocrepo_login_states" }

const loginStateColumns = "id, issuer_id, user_id, system, instance_id, verifier, return_to, popup, created, expires, used"

// CreateLoginState stores a login in flight. Created is kept when set, else now; Used is ignored (a new state is
// unused). An ID taken gives store.ErrDuplicate, an issuer that does not exist store.ErrNotFound.
func (s *Store) CreateLoginState(ctx context.Context, st store.LoginState) error {
	op := "create login state"
	if st.ID == "" {
		return errors.New("gormstore: create login state: empty ID")
	}
	if st.Expires.IsZero() {
		return errors.New("gormstore: create login state: no expiry")
	}
	verifier, err := s.seal(st.Verifier, aadVerifier(st.ID))
	if err != nil {
		return err
	}
	created := normTime(st.Created)
	if created.IsZero() {
		created = s.now()
	}
	row := loginStateRow{
		ID:         st.ID,
		IssuerID:   st.IssuerID,
		UserID:     st.UserID,
		System:     st.System,
		InstanceID: st.InstanceID,
		Verifier:   verifier,
		ReturnTo:   st.ReturnTo,
		Popup:      st.Popup,
		Created:    timeOf(created),
		Expires:    timeOf(st.Expires),
	}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return wrapErr(s.db, op, err)
	}
	return nil
}

// TakeLoginState marks the state used and returns it, atomically: of concurrent takers exactly one gets it. A state
// used before gives store.ErrAlreadyUsed together with the state; an unknown one store.ErrNotFound.
func (s *Store) TakeLoginState(ctx context.Context, id string) (store.LoginState, error) {
	op := "take login state"
	db := s.db.WithContext(ctx)
	var rows []loginStateRow
	var err error
	if s.dialect == dialectMySQL {
		rows, err = s.takeLoginStateRowsMySQL(db, id)
	} else {
		err = db.Raw("UPDATE ocrepo_login_states SET used = ? WHERE id = ? AND used IS NULL RETURNING "+loginStateColumns,
			timeOf(s.now()), id).Scan(&rows).Error
	}
	if err != nil {
		return store.LoginState{}, wrapErr(s.db, op, err)
	}
	if len(rows) == 1 {
		return s.loginStateFromRow(rows[0])
	}
	if err := db.Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return store.LoginState{}, wrapErr(s.db, op, err)
	}
	if len(rows) == 0 {
		return store.LoginState{}, notFound(op)
	}
	st, err := s.loginStateFromRow(rows[0])
	if err != nil {
		return store.LoginState{}, err
	}
	return st, fmt.Errorf("gormstore: %s (used %s): %w", op, st.Used.Format(time.RFC3339), store.ErrAlreadyUsed)
}

func (s *Store) loginStateFromRow(r loginStateRow) (store.LoginState, error) {
	verifier, err := s.open(r.Verifier, aadVerifier(r.ID))
	if err != nil {
		return store.LoginState{}, fmt.Errorf("gormstore: login state: %w", err)
	}
	return store.LoginState{
		ID:         r.ID,
		IssuerID:   r.IssuerID,
		UserID:     r.UserID,
		System:     r.System,
		InstanceID: r.InstanceID,
		Verifier:   verifier,
		ReturnTo:   r.ReturnTo,
		Popup:      r.Popup,
		Created:    r.Created.Time,
		Expires:    r.Expires.Time,
		Used:       r.Used.Time,
	}, nil
}

// DeleteLoginStatesBefore removes the states that expired before t, used or not, and returns how many.
func (s *Store) DeleteLoginStatesBefore(ctx context.Context, t time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("expires < ?", timeOf(t)).Delete(&loginStateRow{})
	if res.Error != nil {
		return 0, wrapErr(s.db, "delete login states", res.Error)
	}
	return res.RowsAffected, nil
}

// PendingLoginState returns the newest unused state matching want's issuer, user, system flag, instance, return
// target and popup flag that expires after validUntil; store.ErrNotFound when none.
func (s *Store) PendingLoginState(ctx context.Context, want store.LoginState, validUntil time.Time) (store.LoginState, error) {
	op := "pending login state"
	var rows []loginStateRow
	err := s.db.WithContext(ctx).
		Where("issuer_id = ? AND user_id = ? AND system = ? AND instance_id = ? AND return_to = ? AND popup = ? AND used IS NULL AND expires > ?",
			want.IssuerID, want.UserID, want.System, want.InstanceID, want.ReturnTo, want.Popup, timeOf(validUntil)).
		Order("created DESC").Order("id").Limit(1).Find(&rows).Error
	if err != nil {
		return store.LoginState{}, wrapErr(s.db, op, err)
	}
	if len(rows) == 0 {
		return store.LoginState{}, notFound(op)
	}
	return s.loginStateFromRow(rows[0])
}

// TrimLoginStates deletes a user's unused states beyond the newest keep and returns how many went. The ids kept
// are read first (MySQL takes no LIMIT in an IN subquery).
func (s *Store) TrimLoginStates(ctx context.Context, userID string, keep int) (int64, error) {
	op := "trim login states"
	db := s.db.WithContext(ctx)
	q := db.Where("user_id = ? AND used IS NULL", userID)
	if keep > 0 {
		var kept []string
		if err := db.Model(&loginStateRow{}).Where("user_id = ? AND used IS NULL", userID).
			Order("created DESC").Order("id").Limit(keep).Pluck("id", &kept).Error; err != nil {
			return 0, wrapErr(s.db, op, err)
		}
		if len(kept) < keep {
			return 0, nil
		}
		q = q.Where("id NOT IN ?", kept)
	}
	res := q.Delete(&loginStateRow{})
	if res.Error != nil {
		return 0, wrapErr(s.db, op, res.Error)
	}
	return res.RowsAffected, nil
}
