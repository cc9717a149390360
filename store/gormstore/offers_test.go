package gormstore_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/store"
)

// TestInstanceOffersCarryTheUsersToken: the offers query returns, per instance, exactly the token GetToken gives
// for the named user at the instance's issuer (secrets opened), nothing for a user without one, never the system
// account's or another user's, and nothing when no user is named.
func TestInstanceOffersCarryTheUsersToken(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db, _ := b.fresh(t)
			s := newStore(t, db, keyring(t, secret(1)))
			var issuers []store.Issuer
			for _, name := range []string{"one", "two"} {
				iss, err := s.CreateIssuer(ctx, store.Issuer{Name: name, ClientSecret: "secret " + name})
				if err != nil {
					t.Fatal(err)
				}
				issuers = append(issuers, iss)
			}
			// Two instances on the first issuer, one on the second.
			for _, iss := range []store.Issuer{issuers[0], issuers[0], issuers[1]} {
				if _, err := s.CreateInstance(ctx, store.Instance{Name: "files", IssuerID: iss.ID, Enabled: true,
					Supported: 1, DefaultReturn: 1}); err != nil {
					t.Fatal(err)
				}
			}
			now := time.Date(2031, time.March, 4, 5, 6, 7, 0, time.UTC)
			put := func(key store.TokenKey, access string) {
				if _, err := s.PutToken(ctx, store.Token{Key: key, CloudUser: "cloud-" + key.UserID, CloudEmail: "e@example.org",
					CloudName: "Name", AccessToken: access, RefreshToken: "refresh " + access, Expiry: now.Add(time.Hour),
					Created: now, Refreshed: now}); err != nil {
					t.Fatal(err)
				}
			}
			put(store.TokenKey{IssuerID: issuers[0].ID, UserID: "alice"}, "alice at one")
			put(store.TokenKey{IssuerID: issuers[1].ID, UserID: "bob"}, "bob at two")
			put(store.TokenKey{IssuerID: issuers[1].ID, System: true}, "system at two")

			offers, err := s.InstanceOffers(ctx, "", "alice")
			if err != nil {
				t.Fatal(err)
			}
			if len(offers) != 3 {
				t.Fatalf("%d offers, want 3", len(offers))
			}
			want, err := s.GetToken(ctx, store.TokenKey{IssuerID: issuers[0].ID, UserID: "alice"})
			if err != nil {
				t.Fatal(err)
			}
			for i, o := range offers[:2] {
				if o.UserToken == nil || !reflect.DeepEqual(*o.UserToken, want) {
					t.Fatalf("offer %d: user token %+v, want GetToken's %+v", i, o.UserToken, want)
				}
			}
			if offers[2].UserToken != nil {
				t.Fatalf("alice has no token at the second issuer, offer carries %+v", *offers[2].UserToken)
			}
			if !offers[2].SystemConnected {
				t.Fatal("the second issuer's system account is connected")
			}
			for _, user := range []string{"carol", ""} {
				offers, err := s.InstanceOffers(ctx, "", user)
				if err != nil {
					t.Fatal(err)
				}
				for i, o := range offers {
					if o.UserToken != nil {
						t.Fatalf("user %q: offer %d carries %+v", user, i, *o.UserToken)
					}
				}
			}
		})
	}
}
