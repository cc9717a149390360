package cloud

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkReadDir100000Heap lists a 100,000-entry folder from a server that answers at once with a pre-built
// body, and reports what the listing keeps (retained-MiB, measured after a collection with the listing alive) and
// what the whole call allocated (alloc-MiB, an upper bound of its peak heap), and their ratio.
func BenchmarkReadDir100000Heap(b *testing.B) {
	body := nextcloudListing("/remote.php/dav/files/alice/", "/big", bigListing(100000))
	ts := newTestServer(b, "/", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusMultiStatus)
		_, _ = w.Write(body)
	}))
	cn := ts.client(b).As("alice", staticToken("tok"))
	ctx := context.Background()
	var retained, allocated float64
	for b.Loop() {
		var before, mid, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, children, err := cn.ReadDir(ctx, "/big")
		runtime.ReadMemStats(&mid)
		runtime.GC()
		runtime.ReadMemStats(&after)
		if err != nil || len(children) != 100000 {
			b.Fatal(err, len(children))
		}
		retained += float64(after.HeapAlloc) - float64(before.HeapAlloc)
		allocated += float64(mid.TotalAlloc - before.TotalAlloc)
		runtime.KeepAlive(children)
	}
	n := float64(b.N)
	b.ReportMetric(retained/n/(1<<20), "retained-MiB")
	b.ReportMetric(allocated/n/(1<<20), "alloc-MiB")
	b.ReportMetric(allocated/retained, "alloc/retained")
}

// BenchmarkReadDirPaired10000 runs ReadDir and the bare fetch of the same body back to back in every iteration
// (alternating which goes first) against a server that answers at once with a pre-built body, and reports the
// median of the per-iteration ratios: what our request, parse and entries cost over only moving the bytes.
func BenchmarkReadDirPaired10000(b *testing.B) {
	ts, _ := listingServer(b)
	c := ts.client(b)
	cn := c.As("alice", staticToken("tok"))
	ctx := context.Background()
	u := ts.base + "remote.php/dav/files/alice/big"
	bare := func() {
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
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	ours := func() {
		if _, children, err := cn.ReadDir(ctx, "/big"); err != nil || len(children) != 10000 {
			b.Fatal(err, len(children))
		}
	}
	var ratios []float64
	var oursTotal, bareTotal time.Duration
	i := 0
	for b.Loop() {
		var to, tb time.Duration
		timed := func(f func()) time.Duration { s := time.Now(); f(); return time.Since(s) }
		if i%2 == 0 {
			to, tb = timed(ours), timed(bare)
		} else {
			tb, to = timed(bare), timed(ours)
		}
		i++
		oursTotal, bareTotal = oursTotal+to, bareTotal+tb
		ratios = append(ratios, float64(to)/float64(tb))
	}
	slices.Sort(ratios)
	b.ReportMetric(ratios[len(ratios)/2], "ours/bare")
	b.ReportMetric(float64(oursTotal.Microseconds())/float64(len(ratios))/1000, "ours-ms")
	b.ReportMetric(float64(bareTotal.Microseconds())/float64(len(ratios))/1000, "bare-ms")
}
