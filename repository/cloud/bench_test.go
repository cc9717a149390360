package cloud

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// listingServer serves one pre-built 10,000-entry Nextcloud-shaped multistatus to every PROPFIND.
func listingServer(b *testing.B) (*testServer, []byte) {
	body := nextcloudListing("/remote.php/dav/files/alice/", "/big", bigListing(10000))
	ts := newTestServer(b, "/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusMultiStatus)
		_, _ = w.Write(body)
	}))
	return ts, body
}

// BenchmarkReadDir10000 lists a 10,000-entry folder through the client (one PROPFIND, the lean parser).
func BenchmarkReadDir10000(b *testing.B) {
	ts, body := listingServer(b)
	cn := ts.client(b).As("alice", staticToken("tok"))
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		_, children, err := cn.ReadDir(ctx, "/big")
		if err != nil || len(children) != 10000 {
			b.Fatal(err, len(children))
		}
	}
}

// BenchmarkReadDir200 lists a 200-entry folder (the load test's size) through the client, from a server that
// answers at once: in Nextcloud's shape with a Content-Length, and in the test cloud's (golang.org/x/net/webdav's
// shape, written a response at a time, so the body goes out in 2 KiB chunks).
func BenchmarkReadDir200(b *testing.B) {
	for _, shape := range []struct {
		name    string
		body    []byte
		chunked bool
	}{
		{"nextcloud", nextcloudListing("/remote.php/dav/files/alice/", "/Docs", bigListing(200)), false},
		{"xnet-chunked", xnetListing("/remote.php/dav/files/alice/", "/Docs", bigListing(200)), true},
	} {
		b.Run(shape.name, func(b *testing.B) {
			body := shape.body
			ts := newTestServer(b, "/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/xml; charset=utf-8")
				if !shape.chunked {
					w.Header().Set("Content-Length", strconv.Itoa(len(body)))
					w.WriteHeader(http.StatusMultiStatus)
					_, _ = w.Write(body)
					return
				}
				w.WriteHeader(http.StatusMultiStatus)
				for rest := body; len(rest) > 0; {
					n := min(len(rest), 620)
					_, _ = w.Write(rest[:n])
					rest = rest[n:]
				}
			}))
			// The client's own transport, its connections counting the reads they make of the socket.
			tr := newTransport()
			var reads atomic.Int64
			dial := tr.DialContext
			tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
				c, err := dial(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				return &countingConn{Conn: c, reads: &reads}, nil
			}
			cn := ts.client(b, func(c *Config) { c.HTTPClient = &http.Client{Transport: tr} }).As("alice",
				staticToken("tok"))
			ctx := context.Background()
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				_, children, err := cn.ReadDir(ctx, "/Docs")
				if err != nil || len(children) != 200 {
					b.Fatal(err, len(children))
				}
			}
			b.ReportMetric(float64(reads.Load())/float64(b.N), "reads/op")
		})
	}
}

// countingConn counts the reads made of a connection.
type countingConn struct {
	net.Conn
	reads *atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	c.reads.Add(1)
	return c.Conn.Read(p)
}

// BenchmarkBareFetch10000 sends the same PROPFIND with the same transport and throws the body away: the floor
// ReadDir is measured against.
func BenchmarkBareFetch10000(b *testing.B) {
	ts, body := listingServer(b)
	c := ts.client(b)
	ctx := context.Background()
	u := ts.base + "remote.php/dav/files/alice/big"
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		req, err := http.NewRequestWithContext(ctx, "PROPFIND", u, strings.NewReader(propfindBody))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Depth", "1")
		req.Header.Set("Authorization", "Bearer tok")
		resp, err := c.hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if err != nil || n != int64(len(body)) {
			b.Fatal(err, n)
		}
	}
}
