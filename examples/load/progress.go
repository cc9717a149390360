package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// counts returns how many actions have finished and how many of them failed.
func (s *stats) counts() (done, failed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.lat {
		done += len(l)
	}
	for _, n := range s.errs {
		failed += n
	}
	return done + failed, failed
}

// showProgress rewrites one status line on w every interval until ctx ends: time elapsed of the total, actions
// done, their rate over the last interval and the errors so far. The line is cleared at the end, so the summary
// that follows starts clean.
func showProgress(ctx context.Context, w io.Writer, st *stats, start time.Time, total, interval time.Duration) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		last, lastAt := 0, start
		for {
			select {
			case <-ctx.Done():
				fmt.Fprint(w, "\r\033[K")
				return
			case now := <-t.C:
				n, failed := st.counts()
				rate := float64(n-last) / now.Sub(lastAt).Seconds()
				last, lastAt = n, now
				fmt.Fprintf(w, "\r\033[K%4.0fs of %.0fs  %d actions  %.1f/s  %d errors", now.Sub(start).Seconds(),
					total.Seconds(), n, rate, failed)
			}
		}
	}()
	return done
}
