package storetest

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/store"
)

func testTokenRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	iss := newIssuer(t, s, "a")
	in := store.Token{
		Key:          userKey(iss.ID, "user@example.org ünïcødé"),
		CloudUser:    "jürgen",
		CloudEmail:   "jürgen@example.org",
		CloudName:    "Jürgen Müller 日本",
		AccessToken:  "at-🔑-x.y.z",
		RefreshToken: "rt-secret-value-with-unicode-ß",
		Expiry:       at(3),
		LeaseHolder:  "ignored by PutToken",
		LeaseUntil:   at(4),
		Created:      at(1),
		Refreshed:    at(2),
		LastError:    "invalid_grant: the refresh token was revoked",
	}
	got, err := s.PutToken(ctx, in)
	noErr(t, "PutToken", err)
	want := in
	want.Version = 1
	want.LeaseHolder, want.LeaseUntil = "", time.Time{}
	same(t, "stored token", got, want)
	read, err := s.GetToken(ctx, in.Key)
	noErr(t, "GetToken", err)
	same(t, "read token", read, want)

	// Created defaults to now; zero times stay zero.
	bare, err := s.PutToken(ctx, store.Token{Key: userKey(iss.ID, "bare")})
	noErr(t, "PutToken bare", err)
	stamped(t, "Created", bare.Created)
	read, err = s.GetToken(ctx, bare.Key)
	noErr(t, "GetToken bare", err)
	if !read.Expiry.IsZero() || !read.Refreshed.IsZero() || !read.LeaseUntil.IsZero() {
		t.Fatalf("zero times came back set: %+v", read)
	}
	same(t, "bare token", read, bare)
}

func testTokenKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := newIssuer(t, s, "a"), newIssuer(t, s, "b")
	keys := []store.TokenKey{
		systemKey(a.ID), systemKey(b.ID),
		userKey(a.ID, "alice"), userKey(a.ID, "bob"), userKey(b.ID, "alice"),
		userKey(a.ID, ""), // a user key with an empty ID is not the system key
	}
	for i, k := range keys {
		_, err := s.PutToken(ctx, newToken(k, i))
		noErr(t, fmt.Sprintf("PutToken %+v", k), err)
	}
	for i, k := range keys {
		got, err := s.GetToken(ctx, k)
		noErr(t, fmt.Sprintf("GetToken %+v", k), err)
		if got.Key != k || got.AccessToken != newToken(k, i).AccessToken || got.Version != 1 {
			t.Fatalf("GetToken(%+v) = key %+v, access %q, version %d", k, got.Key, got.AccessToken, got.Version)
		}
	}
	noErr(t, "DeleteToken", s.DeleteToken(ctx, userKey(a.ID, "alice")))
	_, err := s.GetToken(ctx, userKey(a.ID, "alice"))
	wantErr(t, "GetToken deleted", err, store.ErrNotFound)
	for _, k := range []store.TokenKey{userKey(b.ID, "alice"), userKey(a.ID, "bob"), systemKey(a.ID)} {
		_, err := s.GetToken(ctx, k)
		noErr(t, fmt.Sprintf("GetToken %+v after deleting another", k), err)
	}
}

func testTokenPut(t *testing.T, s store.Store) {
	ctx := t.Context()
	iss := newIssuer(t, s, "a")
	key := userKey(iss.ID, "alice")
	first, err := s.PutToken(ctx, newToken(key, 1))
	noErr(t, "PutToken", err)
	leased := first
	leased.LeaseHolder = "replica-1"
	leased.LeaseUntil = at(5)
	swapped, err := s.SwapToken(ctx, leased, first.Version)
	noErr(t, "SwapToken taking a lease", err)
	if swapped.Version != 2 || swapped.LeaseHolder != "replica-1" {
		t.Fatalf("after SwapToken: version %d, lease holder %q", swapped.Version, swapped.LeaseHolder)
	}
	read, err := s.GetToken(ctx, key)
	noErr(t, "GetToken", err)
	same(t, "leased token", read, swapped)

	// A new login replaces the token whatever its version, bumps the version and clears the lease.
	fresh := newToken(key, 2)
	fresh.CloudName = "Alice"
	got, err := s.PutToken(ctx, fresh)
	noErr(t, "PutToken again", err)
	if got.Version != 3 {
		t.Fatalf("version after second PutToken = %d, want 3", got.Version)
	}
	read, err = s.GetToken(ctx, key)
	noErr(t, "GetToken", err)
	same(t, "replaced token", read, got)
	if read.LeaseHolder != "" || !read.LeaseUntil.IsZero() {
		t.Fatalf("PutToken kept the lease: %q until %v", read.LeaseHolder, read.LeaseUntil)
	}
	if read.AccessToken != fresh.AccessToken || read.CloudName != "Alice" {
		t.Fatalf("PutToken did not replace the pair: %+v", read)
	}
}

func testTokenSwap(t *testing.T, s store.Store) {
	ctx := t.Context()
	iss := newIssuer(t, s, "a")
	key := systemKey(iss.ID)
	put, err := s.PutToken(ctx, newToken(key, 1))
	noErr(t, "PutToken", err)

	next := newToken(key, 2)
	next.Refreshed = at(6)
	next.LastError = ""
	next.Created = at(28) // ignored: Created stays
	got, err := s.SwapToken(ctx, next, put.Version)
	noErr(t, "SwapToken", err)
	want := next
	want.Version = put.Version + 1
	want.Created = put.Created
	same(t, "swapped token", got, want)
	read, err := s.GetToken(ctx, key)
	noErr(t, "GetToken", err)
	same(t, "read swapped token", read, want)

	// A stale version loses and changes nothing.
	stale := newToken(key, 3)
	_, err = s.SwapToken(ctx, stale, put.Version)
	wantErr(t, "SwapToken with a stale version", err, store.ErrConflict)
	_, err = s.SwapToken(ctx, stale, got.Version+5)
	wantErr(t, "SwapToken with a future version", err, store.ErrConflict)
	read, err = s.GetToken(ctx, key)
	noErr(t, "GetToken", err)
	same(t, "token after lost swaps", read, want)

	// Successive swaps keep counting.
	for i := range 3 {
		read, err = s.SwapToken(ctx, read, read.Version)
		noErr(t, "SwapToken chain", err)
		if read.Version != want.Version+int64(i)+1 {
			t.Fatalf("version = %d, want %d", read.Version, want.Version+int64(i)+1)
		}
	}
}

func testTokenSwapTwoWriters(t *testing.T, s store.Store) {
	ctx := t.Context()
	iss := newIssuer(t, s, "a")
	key := userKey(iss.ID, "alice")
	base, err := s.PutToken(ctx, newToken(key, 1))
	noErr(t, "PutToken", err)
	writers := []store.Token{newToken(key, 2), newToken(key, 3)}
	var errs [2]error
	var results [2]store.Token
	race(2, func(i int) { results[i], errs[i] = s.SwapToken(ctx, writers[i], base.Version) })
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner != -1 {
				t.Fatalf("both writers won")
			}
			winner = i
		case !errors.Is(err, store.ErrConflict):
			t.Fatalf("writer %d: err = %v, want nil or ErrConflict", i, err)
		}
	}
	if winner == -1 {
		t.Fatalf("no writer won: %v", errs)
	}
	read, err := s.GetToken(ctx, key)
	noErr(t, "GetToken", err)
	same(t, "stored token", read, results[winner])
	if read.AccessToken != writers[winner].AccessToken {
		t.Fatalf("stored access token is not the winner's")
	}
}

func testTokenSwapConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	iss := newIssuer(t, s, "a")
	key := userKey(iss.ID, "alice")
	base, err := s.PutToken(ctx, newToken(key, 0))
	noErr(t, "PutToken", err)
	const n = 50
	var won, lost atomic.Int64
	var winner atomic.Int64
	unexpected := make(chan error, n)
	race(n, func(i int) {
		tok := newToken(key, i+1)
		tok.LeaseHolder = fmt.Sprintf("worker-%d", i)
		_, err := s.SwapToken(ctx, tok, base.Version)
		switch {
		case err == nil:
			won.Add(1)
			winner.Store(int64(i))
		case errors.Is(err, store.ErrConflict):
			lost.Add(1)
		default:
			unexpected <- err
		}
	})
	close(unexpected)
	for err := range unexpected {
		t.Fatalf("SwapToken: unexpected error %v", err)
	}
	if won.Load() != 1 || lost.Load() != n-1 {
		t.Fatalf("%d swaps won and %d lost, want 1 and %d", won.Load(), lost.Load(), n-1)
	}
	read, err := s.GetToken(ctx, key)
	noErr(t, "GetToken", err)
	w := winner.Load()
	if read.Version != base.Version+1 || read.LeaseHolder != fmt.Sprintf("worker-%d", w) ||
		read.AccessToken != newToken(key, int(w)+1).AccessToken {
		t.Fatalf("stored token is not the winner's (worker %d): version %d, lease %q", w, read.Version, read.LeaseHolder)
	}
}

func testTokenNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	iss := newIssuer(t, s, "a")
	key := userKey(iss.ID, "nobody")
	_, err := s.GetToken(ctx, key)
	wantErr(t, "GetToken", err, store.ErrNotFound)
	_, err = s.SwapToken(ctx, newToken(key, 1), 1)
	wantErr(t, "SwapToken of a missing token", err, store.ErrNotFound)
	_, err = s.SwapToken(ctx, newToken(key, 1), 0)
	wantErr(t, "SwapToken from version 0", err, store.ErrNotFound)
	wantErr(t, "DeleteToken", s.DeleteToken(ctx, key), store.ErrNotFound)
	_, err = s.GetToken(ctx, key)
	wantErr(t, "GetToken after failed swaps", err, store.ErrNotFound)

	// A token for an issuer that does not exist is refused.
	_, err = s.PutToken(ctx, newToken(userKey(iss.ID+1000, "alice"), 1))
	wantErr(t, "PutToken for a missing issuer", err, store.ErrNotFound)

	put, err := s.PutToken(ctx, newToken(key, 1))
	noErr(t, "PutToken", err)
	noErr(t, "DeleteToken", s.DeleteToken(ctx, key))
	_, err = s.SwapToken(ctx, put, put.Version)
	wantErr(t, "SwapToken of a deleted token", err, store.ErrNotFound)
}

func testTokenEmptySecrets(t *testing.T, s store.Store) {
	ctx := t.Context()
	iss := newIssuer(t, s, "a")
	key := systemKey(iss.ID)
	put, err := s.PutToken(ctx, store.Token{Key: key, AccessToken: "only access"})
	noErr(t, "PutToken", err)
	read, err := s.GetToken(ctx, key)
	noErr(t, "GetToken", err)
	if read.AccessToken != "only access" || read.RefreshToken != "" {
		t.Fatalf("secrets = %q, %q", read.AccessToken, read.RefreshToken)
	}
	cleared := read
	cleared.AccessToken = ""
	got, err := s.SwapToken(ctx, cleared, put.Version)
	noErr(t, "SwapToken", err)
	read, err = s.GetToken(ctx, key)
	noErr(t, "GetToken", err)
	same(t, "cleared token", read, got)
	if read.AccessToken != "" {
		t.Fatalf("cleared access token came back as %q", read.AccessToken)
	}
}

func testCountUserTokens(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := newIssuer(t, s, "a"), newIssuer(t, s, "b")
	count := func(issuerID, want int64) {
		t.Helper()
		n, err := s.CountUserTokens(ctx, issuerID)
		noErr(t, "CountUserTokens", err)
		if n != want {
			t.Fatalf("CountUserTokens(%d) = %d, want %d", issuerID, n, want)
		}
	}
	count(a.ID, 0)
	for i, k := range []store.TokenKey{systemKey(a.ID), userKey(a.ID, "alice"), userKey(a.ID, "bob"), userKey(b.ID, "alice")} {
		_, err := s.PutToken(ctx, newToken(k, i))
		noErr(t, "PutToken", err)
	}
	count(a.ID, 2) // the system account's token is not a user's
	count(b.ID, 1)
	noErr(t, "DeleteToken", s.DeleteToken(ctx, userKey(a.ID, "alice")))
	count(a.ID, 1)
	count(b.ID+1000, 0)
}

// testSystemTokens: a store that reads every issuer's system account at once (store.SystemTokens) gives each as
// GetToken gives it, by issuer ID, and no user's token (not even one with an empty user ID).
func testSystemTokens(t *testing.T, s store.Store) {
	st, ok := s.(store.SystemTokens)
	if !ok {
		t.Skip("the store does not implement store.SystemTokens")
	}
	ctx := t.Context()
	a, b, c := newIssuer(t, s, "a"), newIssuer(t, s, "b"), newIssuer(t, s, "c")
	got, err := st.SystemTokens(ctx)
	noErr(t, "SystemTokens of none", err)
	same(t, "system tokens before any", len(got), 0)
	for i, k := range []store.TokenKey{systemKey(c.ID), systemKey(a.ID), userKey(a.ID, "alice"), userKey(b.ID, ""), userKey(c.ID, "bob")} {
		_, err := s.PutToken(ctx, newToken(k, i))
		noErr(t, fmt.Sprintf("PutToken %+v", k), err)
	}
	got, err = st.SystemTokens(ctx)
	noErr(t, "SystemTokens", err)
	if len(got) != 2 || got[0].Key != systemKey(a.ID) || got[1].Key != systemKey(c.ID) {
		t.Fatalf("SystemTokens = %+v, want issuers %d and %d's system accounts", got, a.ID, c.ID)
	}
	for _, tok := range got {
		want, err := s.GetToken(ctx, tok.Key)
		noErr(t, "GetToken", err)
		same(t, "system token as GetToken reads it", tok, want)
	}
}
