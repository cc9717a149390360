package gormstore_test

import (
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/store/gormstore"
)

// benchBackends are the databases benchmarks run on: a SQLite file always, PostgreSQL when configured.
func benchBackends(b *testing.B) map[string]func(b *testing.B) *gormstore.Store {
	keys := keyring(b, secret(1))
	out := map[string]func(b *testing.B) *gormstore.Store{
		"sqlite": func(b *testing.B) *gormstore.Store { return newStore(b, openSQLite(b, sqliteFile(b)), keys) },
	}
	if os.Getenv(postgresEnv) != "" {
		out["postgres"] = func(b *testing.B) *gormstore.Store { return newStore(b, openPostgres(b, postgresSchema(b)), keys) }
	}
	return out
}

// benchToken stores a token of realistic size for a new issuer and returns it.
func benchToken(b *testing.B, s *gormstore.Store, user string) store.Token {
	b.Helper()
	ctx := b.Context()
	iss, err := s.CreateIssuer(ctx, store.Issuer{Name: "bench " + user, ClientSecret: "secret"})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := s.PutToken(ctx, store.Token{
		Key:          store.TokenKey{IssuerID: iss.ID, UserID: user},
		CloudUser:    user,
		AccessToken:  fmt.Sprintf("%064d", 1),
		RefreshToken: fmt.Sprintf("%0128d", 2),
		Expiry:       time.Now().Add(time.Hour),
	})
	if err != nil {
		b.Fatal(err)
	}
	return tok
}

// BenchmarkSwapToken measures one refresh write: seal two secrets and compare-and-swap the row.
func BenchmarkSwapToken(b *testing.B) {
	for name, open := range benchBackends(b) {
		b.Run(name, func(b *testing.B) {
			s := open(b)
			ctx := b.Context()
			tok := benchToken(b, s, "alice")
			for b.Loop() {
				next, err := s.SwapToken(ctx, tok, tok.Version)
				if err != nil {
					b.Fatal(err)
				}
				tok = next
			}
		})
	}
}

// BenchmarkSwapTokenParallel measures refresh writes of many users at once (no conflicts).
func BenchmarkSwapTokenParallel(b *testing.B) {
	for name, open := range benchBackends(b) {
		b.Run(name, func(b *testing.B) {
			s := open(b)
			ctx := b.Context()
			var n atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				tok := benchToken(b, s, fmt.Sprint("user-", n.Add(1)))
				for pb.Next() {
					next, err := s.SwapToken(ctx, tok, tok.Version)
					if err != nil {
						b.Error(err)
						return
					}
					tok = next
				}
			})
		})
	}
}

// BenchmarkGetToken measures one token read: select the row and open two secrets.
func BenchmarkGetToken(b *testing.B) {
	for name, open := range benchBackends(b) {
		b.Run(name, func(b *testing.B) {
			s := open(b)
			ctx := b.Context()
			tok := benchToken(b, s, "alice")
			for b.Loop() {
				if _, err := s.GetToken(ctx, tok.Key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
