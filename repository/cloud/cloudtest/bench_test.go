package cloudtest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkPropfind10000 lists a 10,000-entry folder (PROPFIND Depth 1 with the listing properties) and reads
// the body to io.Discard.
func BenchmarkPropfind10000(b *testing.B) {
	s := NewServer(b, Options{})
	s.AddUser("alice", "pw", "", "Alice")
	s.SeedFolder("alice", "/big", 10000)
	tok, _, _ := s.IssueToken("alice")
	c := s.Client()
	var size int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest("PROPFIND", s.URL+"remote.php/dav/files/alice/big/", strings.NewReader(listingProps))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Depth", "1")
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 207 {
			b.Fatalf("HTTP %d %v", resp.StatusCode, err)
		}
		size = n
	}
	b.ReportMetric(float64(size), "bytes/listing")
}

// BenchmarkSeedFolder10000 seeds a 10,000-file folder.
func BenchmarkSeedFolder10000(b *testing.B) {
	s := NewServer(b, Options{})
	s.AddUser("alice", "pw", "", "Alice")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.SeedFolder("alice", fmt.Sprintf("/big%d", i), 10000)
	}
}
