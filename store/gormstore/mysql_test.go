package gormstore_test

import (
	"errors"
	"strings"
	"testing"

	gormmysqldriver "gorm.io/driver/mysql"
	"gorm.io/gorm"

	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/store/gormstore/gormmysql"
	"github.com/ocrepo/ocrepo/store/gormstore/gormtest"
)

// TestMySQLHostHandleClassifiesErrors gives the store a handle the host opened itself, without gorm's error
// translation: a taken key is still store.ErrDuplicate and a missing parent store.ErrNotFound, and the host's
// handle keeps its own setting.
func TestMySQLHostHandleClassifiesErrors(t *testing.T) {
	t.Parallel()
	dsn := gormtest.MySQLDatabase(t)
	cfg, err := gormmysql.Config(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db, err := gorm.Open(gormmysqldriver.New(gormmysqldriver.Config{DSNConfig: cfg}), &gorm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, db)
	s := newStore(t, db, keyring(t, secret(1)))
	ctx := t.Context()
	if err := s.CreateImportJob(ctx, store.ImportJob{ID: "job", Name: "first"}); err != nil {
		t.Fatal(err)
	}
	err = s.CreateImportJob(ctx, store.ImportJob{ID: "job", Name: "second"})
	if !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("second CreateImportJob = %v, want store.ErrDuplicate", err)
	}
	_, err = s.PutToken(ctx, store.Token{Key: store.TokenKey{IssuerID: 4242, UserID: "alice"}, AccessToken: "a", RefreshToken: "r"})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("PutToken for a missing issuer = %v, want store.ErrNotFound", err)
	}
	if db.Config.TranslateError {
		t.Fatal("the store changed the host's handle")
	}
}

// TestMySQLLongKeyIsRefusedNotCut stores a token for a user ID longer than the key column: MySQL outside strict
// mode would cut it to 255 characters, so two users sharing their first 255 would share one token row. Open's strict
// SQL mode makes it an error instead.
func TestMySQLLongKeyIsRefusedNotCut(t *testing.T) {
	t.Parallel()
	s := newStore(t, gormtest.OpenMySQL(t, gormtest.MySQLDatabase(t)), keyring(t, secret(1)))
	ctx := t.Context()
	iss, err := s.CreateIssuer(ctx, store.Issuer{Name: "a", BaseURL: "https://cloud.example.org/", ClientID: "c",
		ClientSecret: "s", Preset: "nextcloud"})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("u", 255)
	if _, err := s.PutToken(ctx, store.Token{Key: store.TokenKey{IssuerID: iss.ID, UserID: long + "1"},
		AccessToken: "a1", RefreshToken: "r1"}); err == nil {
		t.Fatal("PutToken with a 256-character user ID succeeded")
	}
	if _, err := s.GetToken(ctx, store.TokenKey{IssuerID: iss.ID, UserID: long}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetToken of the cut key = %v, want store.ErrNotFound", err)
	}
}

func TestGormMySQLOpenHidesPassword(t *testing.T) {
	t.Parallel()
	// Port 1 on loopback refuses the connection.
	_, err := gormmysql.Open("ocrepo:hunter2-secret@tcp(127.0.0.1:1)/lms?timeout=2s")
	if err == nil {
		t.Fatal("Open of a closed port succeeded")
	}
	if strings.Contains(err.Error(), "hunter2-secret") {
		t.Fatalf("error shows the password: %v", err)
	}
	_, err = gormmysql.Open("ocrepo:hunter2-secret@tcp(127.0.0.1:1)/lms?unknownparam%zz")
	if err == nil || strings.Contains(err.Error(), "hunter2-secret") {
		t.Fatalf("Open of a malformed DSN = %v", err)
	}
}
