package perftest

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// bigFolder is the size of the folder the listing benchmarks open.
const bigFolder = 10_000

// listingRig is a rig whose student is logged in with a 10,000-entry folder /Big, listed once so that the
// PROPFIND ocrepo sends is recorded.
func listingRig(b *testing.B) (*rig, *http.Client, string, recorded) {
	b.Helper()
	r := newRig(b, rigOptions{})
	r.h.Connect(b, r.iss.ID, "student")
	r.h.Cloud.SeedFolder("alice", "/Big", bigFolder)
	c := r.h.Client("student").Client
	u := r.listURL(b, "student", "path", "/Big", "reload", "1")
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("HX-Request", "true")
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !contains(string(body), "file-00000.txt", "file-00049.txt", "10,000") ||
		strings.Contains(string(body), "file-00050.txt") {
		b.Fatalf("the first listing page is not what it should be: status %d, %d bytes", resp.StatusCode, len(body))
	}
	return r, c, u, r.tr.first(b, "PROPFIND")
}

// bareFetch sends the recorded PROPFIND with a plain client and reads the body to io.Discard.
func bareFetch(ctx context.Context, c *http.Client, rc recorded) (int64, error) {
	req, err := rc.replay(ctx)
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusMultiStatus {
		return 0, &statusError{resp.StatusCode}
	}
	return io.Copy(io.Discard, resp.Body)
}

type statusError struct{ code int }

func (e *statusError) Error() string { return "status " + http.StatusText(e.code) }

// BenchmarkListing10000 is the picker's listing request for a 10,000-entry folder (reload=1, so every iteration
// reads the folder from the cloud) end to end through Echo: sign-in, the signed pick request, the token, one
// PROPFIND to the fake cloud on loopback, the parse, the page of 50 rows and its HTML. Each iteration also runs
// the bare fetch of the same PROPFIND (untimed; bare and ours alternate which goes first, so both see the same
// machine), and the benchmark reports:
//
//	bare-ns/op      the bare fetch (what the cloud costs to produce and send the body)
//	ratio           ours / bare time, the median of the iterations: the figure to keep at or under 1.5
//	allocs/entry    heap objects ocrepo allocates per listed entry (ours minus bare, per entry)
//	B/entry         heap bytes ocrepo allocates per listed entry (ours minus bare, per entry)
func BenchmarkListing10000(b *testing.B) {
	_, c, u, rc := listingRig(b)
	bare := &http.Client{Transport: newTransport()}
	defer bare.CloseIdleConnections()
	ctx := context.Background()
	m := newAllocMeter()
	var bareTime time.Duration
	var bareObj, bareBytes, oursObj, oursBytes uint64
	var size int64
	ratios := make([]float64, 0, b.N)
	runBare := func() time.Duration {
		o0, y0 := m.read()
		t0 := time.Now()
		n, err := bareFetch(ctx, bare, rc)
		d := time.Since(t0)
		o1, y1 := m.read()
		if err != nil {
			b.Fatal(err)
		}
		size = n
		bareObj, bareBytes = bareObj+o1-o0, bareBytes+y1-y0
		return d
	}
	runOurs := func() time.Duration {
		o0, y0 := m.read()
		b.StartTimer()
		t0 := time.Now()
		status, _, err := fetch(ctx, c, u)
		d := time.Since(t0)
		b.StopTimer()
		o1, y1 := m.read()
		if err != nil || status != http.StatusOK {
			b.Fatalf("listing: status %d, %v", status, err)
		}
		oursObj, oursBytes = oursObj+o1-o0, oursBytes+y1-y0
		return d
	}
	b.ResetTimer()
	b.StopTimer()
	for i := 0; i < b.N; i++ {
		// Alternate which goes first, so neither always meets a warmer or a busier machine.
		var db, do time.Duration
		if i%2 == 0 {
			db, do = runBare(), runOurs()
		} else {
			do, db = runOurs(), runBare()
		}
		bareTime += db
		ratios = append(ratios, float64(do)/float64(db))
	}
	per := float64(b.N) * bigFolder
	b.ReportMetric(float64(bareTime.Nanoseconds())/float64(b.N), "bare-ns/op")
	b.ReportMetric(median(ratios), "ratio")
	b.ReportMetric((float64(oursObj)-float64(bareObj))/per, "allocs/entry")
	b.ReportMetric((float64(oursBytes)-float64(bareBytes))/per, "B/entry")
	b.ReportMetric(float64(size), "body-bytes")
}

// BenchmarkBareFetch10000 is the floor BenchmarkListing10000 is held against, on its own: the PROPFIND ocrepo
// sends for the same folder (same URL, headers and body, recorded from a real listing) sent by a plain
// http.Client with the same transport settings to the same fake cloud, the body read to io.Discard.
func BenchmarkBareFetch10000(b *testing.B) {
	_, _, _, rc := listingRig(b)
	bare := &http.Client{Transport: newTransport()}
	defer bare.CloseIdleConnections()
	ctx := context.Background()
	var size int64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n, err := bareFetch(ctx, bare, rc)
		if err != nil {
			b.Fatal(err)
		}
		size = n
	}
	b.SetBytes(size)
}

// BenchmarkListingPage10000 is what paging, sorting and filtering cost once a 10,000-entry folder is cached: the
// listing request for another page (no request to the cloud), end to end through Echo. Allocations are the
// whole process's, the fake cloud being idle.
func BenchmarkListingPage10000(b *testing.B) {
	r, c, _, _ := listingRig(b)
	ctx := context.Background()
	urls := make([]string, 0, 8)
	for _, kv := range [][]string{{"page", "2"}, {"page", "100"}, {"sort", "size", "desc", "1", "page", "3"}, {"filter", "file-0042"}} {
		urls = append(urls, r.listURL(b, "student", append([]string{"path", "/Big"}, kv...)...))
	}
	r.h.Cloud.ResetCounts()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if status, _, err := fetch(ctx, c, urls[i%len(urls)]); err != nil || status != http.StatusOK {
			b.Fatalf("status %d, %v", status, err)
		}
	}
	b.StopTimer()
	if n := cloudRequests(r.h.Cloud); n != 0 {
		b.Fatalf("paging a cached folder sent %d requests to the cloud", n)
	}
}
