package service

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/store/gormstore/gormtest"
)

// tokenReads counts GetToken calls.
type tokenReads struct {
	store.Store
	n atomic.Int32
}

func (s *tokenReads) GetToken(ctx context.Context, key store.TokenKey) (store.Token, error) {
	s.n.Add(1)
	return s.Store.GetToken(ctx, key)
}

// TestTokenReadWithTheInstancesServesTheFirstConnectionOnly: the user's token AvailableFor read with the instances
// spares the first connection of the request a read; the next connection reads the store again (a token rotated
// meanwhile is seen); a user the read found without a token is not connected, without a read; a key the read did
// not cover is read from the store.
func TestTokenReadWithTheInstancesServesTheFirstConnectionOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cloudtest.Options{})
	st := &tokenReads{Store: e.store(t, gormtest.OpenSQLite(t, gormtest.SQLiteFile(t)))}
	ctx := context.Background()
	iss, err := st.CreateIssuer(ctx, e.iss)
	if err != nil {
		t.Fatal(err)
	}
	access, refresh, life := e.cloud.IssueToken("alice")
	now := e.clock.Now()
	key := store.TokenKey{IssuerID: iss.ID, UserID: "u1"}
	tok, err := st.PutToken(ctx, store.Token{Key: key, CloudUser: "alice", AccessToken: access, RefreshToken: refresh,
		Expiry: now.Add(life), Created: now, Refreshed: now})
	if err != nil {
		t.Fatal(err)
	}
	s := e.service(t, st)
	nobody := store.TokenKey{IssuerID: iss.ID, UserID: "u2"}
	rctx := WithIssuers(ctx, []Available{
		{Issuer: iss, tokenRead: true, tokenKey: key, userToken: &tok},
		{Issuer: iss, tokenRead: true, tokenKey: nobody},
	})

	if _, got, err := s.userConn(rctx, iss.ID, "u1"); err != nil || got.AccessToken != access {
		t.Fatalf("first connection: %v, token %q", err, got.AccessToken)
	}
	if n := st.n.Load(); n != 0 {
		t.Fatalf("first connection read the token %d times, want 0 (read with the instances)", n)
	}
	if _, _, err := s.userConn(rctx, iss.ID, "u1"); err != nil {
		t.Fatal(err)
	}
	if n := st.n.Load(); n != 1 {
		t.Fatalf("second connection: %d reads, want 1", n)
	}
	if _, _, err := s.userConn(rctx, iss.ID, "u2"); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("user without a token: %v, want ErrNotConnected", err)
	}
	if n := st.n.Load(); n != 1 {
		t.Fatalf("user without a token: %d reads, want still 1", n)
	}
	if _, _, err := s.systemConn(rctx, iss.ID); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("system account: %v, want ErrNotConnected", err)
	}
	if n := st.n.Load(); n != 2 {
		t.Fatalf("system account: %d reads, want 2 (not covered by the instances' read)", n)
	}
}
