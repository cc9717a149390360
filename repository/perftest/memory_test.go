package perftest

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// logIn logs host users student<from>..student<to-1> in through the popup flow, each as their own cloud account
// u<n>, and lists their root folder once (the listing stays in the cache).
func (r *rig) logIn(t testing.TB, from, to, files int) {
	t.Helper()
	for n := from; n < to; n++ {
		user, cloudUser := "student"+strconv.Itoa(n), "u"+strconv.Itoa(n)
		r.h.Cloud.AddUser(cloudUser, cloudUser, "", "User "+strconv.Itoa(n))
		for f := range files {
			r.h.Cloud.WriteFile(cloudUser, fmt.Sprintf("/file-%02d.txt", f), []byte("x"))
		}
		r.callback(t, user, r.loginStart(t, user, cloudUser))
		if body := r.get(t, user, r.listURL(t, user)); files > 0 && !strings.Contains(body, "file-00.txt") {
			t.Fatalf("%s's listing lacks file-00.txt", user)
		}
	}
}

// settledGoroutines is the goroutine count once finished requests have let their goroutines go.
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for range 100 {
		runtime.Gosched()
		m := runtime.NumGoroutine()
		if m >= n {
			return m
		}
		n = m
	}
	return n
}

// TestLoginsStartNoGoroutines logs 100 users in through the popup flow (picker, login, callback) and lists a
// folder for each: a logged-in user is a row in the database and, for a minute, a cached listing, never a
// goroutine, timer or connection of their own. It counts the whole process's goroutines, so it does not run in
// parallel with other tests.
func TestLoginsStartNoGoroutines(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.logIn(t, 1000, 1002, 3) // warm up: connections and pools exist before counting
	before := settledGoroutines()
	r.logIn(t, 1, 101, 3)
	after := settledGoroutines()
	// A few goroutines may belong to connections the HTTP clients opened meanwhile; a goroutine per user would
	// add 100.
	const slack = 8
	if after-before > slack {
		t.Fatalf("goroutines grew from %d to %d after 100 logins, more than %d", before, after, slack)
	}
	for n := 1; n < 101; n += 33 {
		if body := r.get(t, "student"+strconv.Itoa(n), r.listURL(t, "student"+strconv.Itoa(n))); !strings.Contains(body, "file-02.txt") {
			t.Fatalf("student%d is not logged in any more", n)
		}
	}
}

// heapInUseAfterGC is the Go heap in use after a full collection, and the part of it that ocrepo's own code
// allocated (by the heap profile: records whose innermost 32 frames include one of ocrepo's packages other than
// the fake cloud and the test host). The second figure counts every allocation only while
// runtime.MemProfileRate is 1.
func heapInUseAfterGC() (total, ours uint64) {
	runtime.GC()
	runtime.GC() // the heap profile reports as of the last completed cycle
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	var recs []runtime.MemProfileRecord
	n, _ := runtime.MemProfile(nil, false)
	for {
		recs = make([]runtime.MemProfileRecord, n+64)
		var ok bool
		if n, ok = runtime.MemProfile(recs, false); ok {
			recs = recs[:n]
			break
		}
	}
	for i := range recs {
		if ownAllocation(recs[i].Stack()) {
			ours += uint64(recs[i].InUseBytes())
		}
	}
	return ms.HeapInuse, ours
}

// ownAllocation reports whether an allocation's stack passes through ocrepo's code (not the fake cloud, the test
// host or this package).
func ownAllocation(stk []uintptr) bool {
	frames := runtime.CallersFrames(stk)
	for {
		f, more := frames.Next()
		if rest, ok := strings.CutPrefix(f.Function, "github.com/ocrepo/ocrepo/"); ok &&
			!strings.HasPrefix(rest, "repository/cloud/cloudtest.") && !strings.HasPrefix(rest, "repository/repositorytest.") &&
			!strings.HasPrefix(rest, "repository/perftest.") {
			return true
		}
		if !more {
			return false
		}
	}
}

// BenchmarkIdleUsers measures what logged-in users cost a process while idle: 500 users log in through the popup
// flow, then each lists a 20-file folder (kept in the listing cache). The fake cloud runs in the same process and
// keeps its own record of every code and token it issued, so the heap is reported twice: all of it, and the part
// ocrepo's code allocated (from the heap profile, sampled at every allocation during this benchmark). Per user:
//
//	heap-B/user         Go heap in use after GC per login, fake cloud included
//	own-B/user          the part of it ocrepo allocated (the token itself lives in the database)
//	own-B/listing       ocrepo's heap per cached 20-file listing (21 entries with the folder itself)
//	own-B/entry         the same per cached entry
//	goroutines/user     goroutines added per logged-in user
//
// Run it with -benchtime 1x: each iteration builds a fresh host.
func BenchmarkIdleUsers(b *testing.B) {
	const users, files = 500, 20
	rate := runtime.MemProfileRate
	runtime.MemProfileRate = 1
	defer func() { runtime.MemProfileRate = rate }()
	var heapUser, ownUser, ownListing, gorUser float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		r := newRig(b, rigOptions{})
		r.logIn(b, 10_000, 10_002, files) // warm up
		for n := range users {
			cloudUser := "u" + strconv.Itoa(n+1)
			r.h.Cloud.AddUser(cloudUser, cloudUser, "", "User")
			for f := range files {
				r.h.Cloud.WriteFile(cloudUser, fmt.Sprintf("/file-%02d.txt", f), []byte("x"))
			}
		}
		g0 := settledGoroutines()
		h0, o0 := heapInUseAfterGC()
		b.StartTimer()
		// Logins without listings first, then the listings: the two costs apart.
		for n := range users {
			user, cloudUser := "student"+strconv.Itoa(n+1), "u"+strconv.Itoa(n+1)
			r.callback(b, user, r.loginStart(b, user, cloudUser))
		}
		b.StopTimer()
		h1, o1 := heapInUseAfterGC()
		b.StartTimer()
		for n := range users {
			user := "student" + strconv.Itoa(n+1)
			if body := r.get(b, user, r.listURL(b, user)); !strings.Contains(body, "file-19.txt") {
				b.Fatalf("%s's listing lacks file-19.txt", user)
			}
		}
		b.StopTimer()
		g2 := settledGoroutines()
		_, o2 := heapInUseAfterGC()
		heapUser += (float64(h1) - float64(h0)) / users
		ownUser += (float64(o1) - float64(o0)) / users
		ownListing += (float64(o2) - float64(o1)) / users
		gorUser += float64(g2-g0) / users
	}
	n := float64(b.N)
	b.ReportMetric(heapUser/n, "heap-B/user")
	b.ReportMetric(ownUser/n, "own-B/user")
	b.ReportMetric(ownListing/n, "own-B/listing")
	b.ReportMetric(ownListing/n/(files+1), "own-B/entry")
	b.ReportMetric(gorUser/n, "goroutines/user")
}
