package gormstore

import (
	"context"
	"fmt"

	"github.com/ocrepo/ocrepo/store"
)

// Reseal rewrites every stored secret that was not sealed with the keyring's primary key, and returns how many
// values it rewrote. Run it after making a new secret primary; once it returns without error, the old secrets can
// leave the keyring.
//
// Each value is rewritten only if it is still the one read (a compare-and-swap on the sealed text), so Reseal
// never undoes a concurrent write, and token versions do not change. A value that does not open with any key of
// the keyring is an error: Reseal stops without touching it.
func (s *Store) Reseal(ctx context.Context) (int64, error) {
	db := s.db.WithContext(ctx)
	var n int64
	// reseal rewrites one column of one row; where is the row's key condition, args its arguments.
	reseal := func(table, column, sealed, aad, where string, args ...any) error {
		if s.keys.SealedWithPrimary(sealed) {
			return nil
		}
		plain, err := s.open(sealed, aad)
		if err != nil {
			return err
		}
		fresh, err := s.seal(plain, aad)
		if err != nil {
			return err
		}
		query := fmt.Sprintf("UPDATE %s SET %s = ? WHERE %s AND %s = ?", table, column, where, column)
		res := db.Exec(query, append(append([]any{fresh}, args...), sealed)...)
		if res.Error != nil {
			return wrapErr(s.db, "reseal "+table+"."+column, res.Error)
		}
		n += res.RowsAffected
		return nil
	}

	var issuers []issuerRow
	if err := db.Select("id, client_secret").Find(&issuers).Error; err != nil {
		return n, wrapErr(s.db, "reseal issuers", err)
	}
	for _, r := range issuers {
		if err := reseal("ocrepo_issuers", "client_secret", r.ClientSecret, aadClientSecret(r.ID), "id = ?", r.ID); err != nil {
			return n, fmt.Errorf("gormstore: reseal issuer %d: %w", r.ID, err)
		}
	}

	var tokens []tokenRow
	if err := db.Select("issuer_id, system, user_id, access_token, refresh_token").Find(&tokens).Error; err != nil {
		return n, wrapErr(s.db, "reseal tokens", err)
	}
	for _, r := range tokens {
		key := store.TokenKey{IssuerID: r.IssuerID, UserID: r.UserID, System: r.System}
		args := tokenKeyArgs(key)
		if err := reseal("ocrepo_tokens", "access_token", r.AccessToken, aadToken("access", key), tokenKeyWhere, args...); err != nil {
			return n, fmt.Errorf("gormstore: reseal %s: %w", describeKey(key), err)
		}
		if err := reseal("ocrepo_tokens", "refresh_token", r.RefreshToken, aadToken("refresh", key), tokenKeyWhere, args...); err != nil {
			return n, fmt.Errorf("gormstore: reseal %s: %w", describeKey(key), err)
		}
	}

	var states []loginStateRow
	if err := db.Select("id, verifier").Find(&states).Error; err != nil {
		return n, wrapErr(s.db, "reseal login states", err)
	}
	for _, r := range states {
		if err := reseal("ocrepo_login_states", "verifier", r.Verifier, aadVerifier(r.ID), "id = ?", r.ID); err != nil {
			return n, fmt.Errorf("gormstore: reseal login state: %w", err)
		}
	}

	var revocations []revocationRow
	if err := db.Select("id, issuer_id, access_token, refresh_token").Find(&revocations).Error; err != nil {
		return n, wrapErr(s.db, "reseal revocations", err)
	}
	for _, r := range revocations {
		if err := reseal("ocrepo_revocations", "access_token", r.AccessToken, aadRevocation("access_token", r.IssuerID, r.ID), "id = ?", r.ID); err != nil {
			return n, fmt.Errorf("gormstore: reseal pending revocation: %w", err)
		}
		if err := reseal("ocrepo_revocations", "refresh_token", r.RefreshToken, aadRevocation("refresh_token", r.IssuerID, r.ID), "id = ?", r.ID); err != nil {
			return n, fmt.Errorf("gormstore: reseal pending revocation: %w", err)
		}
	}
	return n, nil
}
