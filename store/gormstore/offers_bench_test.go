package gormstore_test

import (
	"context"
	"testing"

	"github.com/ocrepo/ocrepo/store"
)

// BenchmarkInstanceOffers measures the picker's one query: one instance, the user's token, on each database.
func BenchmarkInstanceOffers(b *testing.B) {
	for name, open := range benchBackends(b) {
		b.Run(name, func(b *testing.B) {
			s := open(b)
			tok := benchToken(b, s, "user-1")
			if _, err := s.CreateInstance(b.Context(), store.Instance{Name: "files", IssuerID: tok.Key.IssuerID, Enabled: true}); err != nil {
				b.Fatal(err)
			}
			for _, ctxName := range []string{"cancellable", "background"} {
				b.Run(ctxName, func(b *testing.B) {
					ctx := context.Background()
					if ctxName == "cancellable" {
						var cancel context.CancelFunc
						ctx, cancel = context.WithCancel(ctx)
						defer cancel()
					}
					b.ReportAllocs()
					for b.Loop() {
						offers, err := s.InstanceOffers(ctx, "course-1", "user-1")
						if err != nil || len(offers) != 1 || offers[0].UserToken == nil {
							b.Fatal(offers, err)
						}
					}
				})
			}
		})
	}
}
