package gormstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/store"
)

// BenchmarkImportUsage measures what an import's limits read: the running imports and the unclaimed bytes apart
// (CountRunningImports, UnclaimedBytes) and together (ImportUsage), for a user with a few jobs and results.
func BenchmarkImportUsage(b *testing.B) {
	for name, open := range benchBackends(b) {
		b.Run(name, func(b *testing.B) {
			s := open(b)
			ctx := b.Context()
			for i := range 5 {
				if err := s.CreateImportJob(ctx, store.ImportJob{ID: fmt.Sprintf("job-%d", i), UserID: "user-1"}); err != nil {
					b.Fatal(err)
				}
				if err := s.CreatePickResult(ctx, store.PickResult{ID: fmt.Sprintf("pick-%d", i), UserID: "user-1", Type: 1,
					Bytes: 1000, Payload: []byte("[]")}); err != nil {
					b.Fatal(err)
				}
			}
			b.Run("apart", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					n, err := s.CountRunningImports(ctx, "user-1", time.Hour)
					if err != nil || n != 5 {
						b.Fatal(n, err)
					}
					held, err := s.UnclaimedBytes(ctx, "user-1")
					if err != nil || held != 5000 {
						b.Fatal(held, err)
					}
				}
			})
			b.Run("together", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					n, held, err := s.ImportUsage(ctx, "user-1", time.Hour)
					if err != nil || n != 5 || held != 5000 {
						b.Fatal(n, held, err)
					}
				}
			})
		})
	}
}

// BenchmarkGetImportJob measures the import status poll's read of its job.
func BenchmarkGetImportJob(b *testing.B) {
	for name, open := range benchBackends(b) {
		b.Run(name, func(b *testing.B) {
			s := open(b)
			ctx := b.Context()
			if err := s.CreateImportJob(ctx, store.ImportJob{ID: "job-1", UserID: "user-1", Name: "report.pdf", Total: 1 << 20}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				j, err := s.GetImportJob(ctx, "job-1")
				if err != nil || j.Name != "report.pdf" {
					b.Fatal(j, err)
				}
			}
		})
	}
}
