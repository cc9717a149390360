package service

import (
	"fmt"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/host"
)

// loadFolder is a folder as the load test lists it: 200 small text files and 8 PDFs, in the server's (name)
// order.
func loadFolder() []cloud.Entry {
	var es []cloud.Entry
	mod := time.Date(2024, 5, 14, 9, 12, 44, 0, time.UTC)
	for i := range 200 {
		name := fmt.Sprintf("file-%05d.txt", i)
		es = append(es, cloud.Entry{Path: "/Docs/" + name, Name: name, Size: 11, ContentType: "text/plain",
			Modified: mod, ETag: `"e"`, FileID: fmt.Sprint(100 + i), Permissions: "RGDNVW"})
	}
	for i := range 8 {
		name := fmt.Sprintf("import-%02d.pdf", i)
		es = append(es, cloud.Entry{Path: "/Docs/" + name, Name: name, Size: 64 << 10,
			ContentType: "application/pdf", Modified: mod, ETag: `"e"`, FileID: fmt.Sprint(300 + i),
			Permissions: "RGDNVW"})
	}
	return es
}

// BenchmarkPage200 cuts the first page of 50 rows from a 208-entry folder, as the picker's list action does:
// "reload" from a folder just read (nothing computed for it yet), "cached" from one listed before; with a pick
// request that accepts every file and with one that accepts PDFs only (most files refused).
func BenchmarkPage200(b *testing.B) {
	entries := loadFolder()
	s := &Service{}
	for _, acc := range []struct {
		name string
		req  host.PickRequest
	}{
		{"any", host.PickRequest{}},
		{"pdf", host.PickRequest{Accept: []string{".pdf"}}},
	} {
		b.Run("reload/"+acc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f := &folder{self: cloud.Entry{Path: "/Docs", Dir: true}, entries: entries}
				p := s.page(f, NewAcceptor(acc.req), ListQuery{Path: "/Docs"}, false)
				if len(p.Rows) == 0 || p.InFolder != 208 {
					b.Fatal(len(p.Rows), p.InFolder)
				}
			}
		})
		b.Run("cached/"+acc.name, func(b *testing.B) {
			f := &folder{self: cloud.Entry{Path: "/Docs", Dir: true}, entries: entries}
			b.ReportAllocs()
			for b.Loop() {
				p := s.page(f, NewAcceptor(acc.req), ListQuery{Path: "/Docs", Page: 2}, true)
				if len(p.Rows) == 0 || p.InFolder != 208 {
					b.Fatal(len(p.Rows), p.InFolder)
				}
			}
		})
	}
}
