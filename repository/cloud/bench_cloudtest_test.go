package cloud_test

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
)

// benchCloud is a fake Nextcloud with alice, a 10,000-entry folder and a 1 GiB generated file.
func benchCloud(b *testing.B) (*cloudtest.Server, *cloud.Conn, string) {
	b.Helper()
	srv := cloudtest.NewServer(b, cloudtest.Options{DisableBruteForce: true})
	srv.AddUser("alice", "pw", "alice@example.org", "Alice")
	srv.SeedFolder("alice", "/big", 10000)
	srv.SeedGeneratedFile("alice", "/huge.bin", 1<<30)
	eps, err := cloud.PresetEndpoints(cloud.Nextcloud, srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	c, err := cloud.New(cloud.Config{BaseURL: srv.URL, ClientID: "ocrepo", ClientSecret: "secret", BasicAuth: true,
		Endpoints: eps, Timeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	access, _, _ := srv.IssueToken("alice")
	return srv, c.As("alice", cloud.TokenSourceFunc(func(context.Context) (string, error) { return access, nil })), access
}

// The explicit property list the client sends, for the bare fetch.
const benchPropfind = `<?xml version="1.0" encoding="UTF-8"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns"><d:prop><d:getlastmodified/><d:getcontentlength/><d:getcontenttype/><d:resourcetype/><d:getetag/><oc:fileid/><oc:permissions/><oc:size/><nc:has-preview/></d:prop></d:propfind>`

// BenchmarkCloudtestReadDir10000 reads a 10,000-entry folder from the fake cloud through the client; compare
// with BenchmarkCloudtestBareFetch10000 in the same run (the server's own cost is in both).
func BenchmarkCloudtestReadDir10000(b *testing.B) {
	_, conn, _ := benchCloud(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, children, err := conn.ReadDir(ctx, "/big")
		if err != nil || len(children) != 10000 {
			b.Fatal(err, len(children))
		}
	}
}

// BenchmarkCloudtestBareFetch10000 sends the same PROPFIND with a plain http.Client and discards the body.
func BenchmarkCloudtestBareFetch10000(b *testing.B) {
	srv, _, access := benchCloud(b)
	hc := &http.Client{}
	u := srv.URL + "remote.php/dav/files/alice/big"
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest("PROPFIND", u, strings.NewReader(benchPropfind))
		req.Header.Set("Depth", "1")
		req.Header.Set("Authorization", "Bearer "+access)
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMultiStatus {
			b.Fatal(resp.Status)
		}
	}
}

// heapPeak samples the heap in use while a benchmark runs.
type heapPeak struct {
	peak atomic.Uint64
	stop chan struct{}
	wg   sync.WaitGroup
}

func startHeapPeak() *heapPeak {
	runtime.GC()
	h := &heapPeak{stop: make(chan struct{})}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-t.C:
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > base && ms.HeapInuse-base > h.peak.Load() {
					h.peak.Store(ms.HeapInuse - base)
				}
			}
		}
	}()
	return h
}

func (h *heapPeak) done() float64 {
	close(h.stop)
	h.wg.Wait()
	return float64(h.peak.Load()) / (1 << 20)
}

// BenchmarkOpen1GiB streams a 1 GiB file from the fake cloud to io.Discard with a 1 MiB buffer; it reports the
// throughput (MB/s) and the peak growth of the heap in use (peak-heap-MiB).
func BenchmarkOpen1GiB(b *testing.B) {
	_, conn, _ := benchCloud(b)
	ctx := context.Background()
	buf := make([]byte, 1<<20)
	b.SetBytes(1 << 30)
	peak := startHeapPeak()
	for b.Loop() {
		f, err := conn.Open(ctx, "/huge.bin", 0)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.CopyBuffer(io.Discard, f.Body, buf)
		f.Body.Close()
		if err != nil || n != 1<<30 {
			b.Fatal(err, n)
		}
	}
	b.ReportMetric(peak.done(), "peak-heap-MiB")
}
