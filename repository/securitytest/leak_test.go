package securitytest

import (
	"bytes"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

// goroutines returns every goroutine's stack by its id.
func goroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		head, _, _ := bytes.Cut(g, []byte("\n"))
		f := strings.Fields(string(head)) // "goroutine 17 [chan receive]:"
		if len(f) >= 2 && f[0] == "goroutine" {
			out[f[1]] = string(g)
		}
	}
	return out
}

// leakWait bounds how long goroutines get to finish after the test's own cleanups; they normally need a few
// scheduling rounds (connections closing after their servers did).
const leakWait = 15 * time.Second

// checkGoroutines fails the test if goroutines it started are still running once all of its cleanups have run.
// Call it first in a test that does not run in parallel with others (its cleanup, registered first, runs last).
// It waits by yielding the processor, not by sleeping, and reports the leaked stacks.
func checkGoroutines(t *testing.T) {
	t.Helper()
	before := goroutines()
	t.Cleanup(func() {
		deadline := time.Now().Add(leakWait)
		for {
			var leaked []string
			for id, stack := range goroutines() {
				if _, ok := before[id]; !ok {
					leaked = append(leaked, stack)
				}
			}
			if len(leaked) == 0 {
				return
			}
			if time.Now().After(deadline) {
				sort.Strings(leaked)
				t.Errorf("%d goroutines left behind:\n\n%s", len(leaked), strings.Join(leaked, "\n\n"))
				return
			}
			runtime.Gosched()
		}
	})
}
