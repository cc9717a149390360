package gormstore_test

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/store/gormstore"
	"github.com/ocrepo/ocrepo/store/seal"
)

// The plaintexts the tests look for in raw tables and logs.
const (
	clientSecret = "CLIENT-SECRET-1f0c9a"
	accessToken  = "ACCESS-TOKEN-77be21"
	refreshToken = "REFRESH-TOKEN-c4d2e8"
	verifier     = "PKCE-VERIFIER-90ab3f"
)

// writeSecrets stores one of each kind of secret, for two rows each, and returns the issuer IDs.
func writeSecrets(t *testing.T, s store.Store) [2]int64 {
	t.Helper()
	ctx := t.Context()
	var ids [2]int64
	for i := range ids {
		iss, err := s.CreateIssuer(ctx, store.Issuer{Name: fmt.Sprint("issuer ", i), ClientSecret: clientSecret + fmt.Sprint(i)})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = iss.ID
		for _, user := range []string{"alice", "bob"} {
			tok, err := s.PutToken(ctx, store.Token{
				Key:         store.TokenKey{IssuerID: iss.ID, UserID: user},
				AccessToken: accessToken + user, RefreshToken: refreshToken + user,
			})
			if err != nil {
				t.Fatal(err)
			}
			// A swap writes the secrets along another path.
			tok.AccessToken += "-swapped"
			if _, err := s.SwapToken(ctx, tok, tok.Version); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.PutToken(ctx, store.Token{Key: store.TokenKey{IssuerID: iss.ID, System: true},
			AccessToken: accessToken + "system", RefreshToken: refreshToken + "system"}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddRevocation(ctx, store.PendingRevocation{ID: fmt.Sprint("revocation-", i), IssuerID: iss.ID,
			UserID: "alice", AccessToken: accessToken + "revoke", RefreshToken: refreshToken + "revoke"}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateLoginState(ctx, store.LoginState{ID: fmt.Sprint("state-", i), IssuerID: iss.ID,
			Verifier: verifier + fmt.Sprint(i), Expires: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// tables lists the store's tables.
func tables(t *testing.T, db *gorm.DB) []string {
	t.Helper()
	var names []string
	query := `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE 'ocrepo%'`
	switch db.Dialector.Name() {
	case "sqlite":
		query = `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'ocrepo%'`
	case "mysql":
		query = `SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE 'ocrepo%'`
	}
	if err := db.Raw(query).Scan(&names).Error; err != nil {
		t.Fatal(err)
	}
	return names
}

// dumpTable returns every cell of a table as text.
func dumpTable(t *testing.T, db *gorm.DB, table string) []string {
	t.Helper()
	rows, err := db.Raw("SELECT * FROM " + table).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var cells []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			cells = append(cells, fmt.Sprintf("%s.%s=%v", table, cols[i], v))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return cells
}

func TestNoSecretInRawTables(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			db, _ := b.fresh(t)
			s := newStore(t, db, keyring(t, secret(1)))
			ids := writeSecrets(t, s)

			names := tables(t, db)
			if len(names) != 15 {
				t.Fatalf("found %d ocrepo tables, want 15: %v", len(names), names)
			}
			var all []string
			for _, table := range names {
				all = append(all, dumpTable(t, db, table)...)
			}
			for _, cell := range all {
				for _, secret := range []string{clientSecret, accessToken, refreshToken, verifier} {
					if strings.Contains(cell, secret) {
						t.Errorf("secret in clear: %s", cell)
					}
				}
			}
			// The sealed columns are filled, not blanked.
			filled := map[string]int{}
			for _, cell := range all {
				col, val, _ := strings.Cut(cell, "=")
				if val != "" {
					filled[col]++
				}
			}
			for col, want := range map[string]int{"ocrepo_issuers.client_secret": 2, "ocrepo_tokens.access_token": 6,
				"ocrepo_tokens.refresh_token": 6, "ocrepo_login_states.verifier": 2} {
				if filled[col] != want {
					t.Errorf("%s is set in %d rows, want %d", col, filled[col], want)
				}
			}
			// And the store reads them back.
			tok, err := s.GetToken(t.Context(), store.TokenKey{IssuerID: ids[0], UserID: "alice"})
			if err != nil || tok.AccessToken != accessToken+"alice-swapped" || tok.RefreshToken != refreshToken+"alice" {
				t.Fatalf("GetToken = %q, %q, %v", tok.AccessToken, tok.RefreshToken, err)
			}
		})
	}
}

// TestSealedValuesAreBoundToTheirRow moves sealed values between rows and columns with raw SQL, as someone with
// write access to the database might, and expects the store to refuse them.
func TestSealedValuesAreBoundToTheirRow(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db, _ := b.fresh(t)
			s := newStore(t, db, keyring(t, secret(1)))
			ids := writeSecrets(t, s)
			tests := []struct {
				name  string
				sql   string
				args  []any
				check func() error
			}{
				{
					"bob's access token into alice's row",
					`UPDATE ocrepo_tokens SET access_token = (SELECT access_token FROM ocrepo_tokens WHERE issuer_id = ? AND user_id = 'bob')
						WHERE issuer_id = ? AND user_id = 'alice'`,
					[]any{ids[0], ids[0]},
					func() error {
						_, err := s.GetToken(ctx, store.TokenKey{IssuerID: ids[0], UserID: "alice"})
						return err
					},
				},
				{
					"refresh token into the access column",
					`UPDATE ocrepo_tokens SET access_token = refresh_token WHERE issuer_id = ? AND user_id = 'bob'`,
					[]any{ids[0]},
					func() error {
						_, err := s.GetToken(ctx, store.TokenKey{IssuerID: ids[0], UserID: "bob"})
						return err
					},
				},
				{
					"user token into the system row",
					`UPDATE ocrepo_tokens SET refresh_token = (SELECT refresh_token FROM ocrepo_tokens WHERE issuer_id = ? AND user_id = 'alice')
						WHERE issuer_id = ? AND system = ?`,
					[]any{ids[1], ids[1], true},
					func() error {
						_, err := s.GetToken(ctx, store.TokenKey{IssuerID: ids[1], System: true})
						return err
					},
				},
				{
					"client secret of another issuer",
					`UPDATE ocrepo_issuers SET client_secret = (SELECT client_secret FROM ocrepo_issuers WHERE id = ?) WHERE id = ?`,
					[]any{ids[0], ids[1]},
					func() error {
						_, err := s.GetIssuer(ctx, ids[1])
						return err
					},
				},
				{
					"verifier of another login",
					`UPDATE ocrepo_login_states SET verifier = (SELECT verifier FROM ocrepo_login_states WHERE id = 'state-0') WHERE id = 'state-1'`,
					nil,
					func() error {
						_, err := s.TakeLoginState(ctx, "state-1")
						return err
					},
				},
			}
			for _, tt := range tests {
				if err := db.Exec(tt.sql, tt.args...).Error; err != nil {
					t.Fatalf("%s: %v", tt.name, err)
				}
				err := tt.check()
				if !errors.Is(err, seal.ErrCannotOpen) {
					t.Fatalf("%s: err = %v, want seal.ErrCannotOpen", tt.name, err)
				}
				for _, secret := range []string{clientSecret, accessToken, refreshToken, verifier} {
					if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "alice") {
						t.Fatalf("%s: error names a secret or a user: %v", tt.name, err)
					}
				}
			}
			// Untouched rows still open.
			if _, err := s.GetIssuer(ctx, ids[0]); err != nil {
				t.Fatalf("GetIssuer of an untouched issuer: %v", err)
			}
		})
	}
}

// TestLoggedSQLHoldsNoSecret logs every statement with its parameter values, and finds no secret there: secrets
// are sealed before they reach SQL.
func TestLoggedSQLHoldsNoSecret(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	loud := logger.New(log.New(&buf, "", 0), logger.Config{LogLevel: logger.Info, ParameterizedQueries: false})
	s := newStore(t, openSQLite(t, sqliteFile(t)), keyring(t, secret(1)), gormstore.WithLogger(loud))
	writeSecrets(t, s)
	if _, err := s.TakeLoginState(t.Context(), "state-0"); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "INSERT INTO") || !strings.Contains(out, "ocrepo_tokens") {
		t.Fatalf("the logger saw no statements:\n%s", out)
	}
	for _, secret := range []string{clientSecret, accessToken, refreshToken, verifier} {
		if strings.Contains(out, secret) {
			t.Fatalf("log holds %s", secret)
		}
	}
}
