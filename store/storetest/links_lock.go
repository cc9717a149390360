package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/store"
)

func testControlledLinkLock(t *testing.T, s store.Store) {
	ctx := t.Context()
	iss := newIssuer(t, s, "a")
	l, err := s.CreateControlledLink(ctx, store.ControlledLink{IssuerID: iss.ID, Name: "x", Created: at(1)})
	noErr(t, "CreateControlledLink", err)
	other, err := s.CreateControlledLink(ctx, store.ControlledLink{IssuerID: iss.ID, Name: "y", Created: at(1)})
	noErr(t, "CreateControlledLink", err)
	t0 := at(2)
	noErr(t, "lock a free link", s.LockControlledLink(ctx, l.ID, "r1", t0, t0.Add(time.Minute)))
	wantErr(t, "lock a held link", s.LockControlledLink(ctx, l.ID, "r2", t0.Add(time.Second), t0.Add(time.Minute)), store.ErrConflict)
	noErr(t, "another link is free", s.LockControlledLink(ctx, other.ID, "r2", t0, t0.Add(time.Minute)))
	noErr(t, "the holder extends", s.LockControlledLink(ctx, l.ID, "r1", t0.Add(time.Second), t0.Add(2*time.Minute)))
	wantErr(t, "lock before the extension ends", s.LockControlledLink(ctx, l.ID, "r2", t0.Add(90*time.Second), t0.Add(3*time.Minute)), store.ErrConflict)
	// Updating the link leaves its lock alone.
	l.Submitted = true
	_, err = s.UpdateControlledLink(ctx, l)
	noErr(t, "UpdateControlledLink", err)
	wantErr(t, "lock after an update", s.LockControlledLink(ctx, l.ID, "r2", t0.Add(90*time.Second), t0.Add(3*time.Minute)), store.ErrConflict)
	// Only the holder unlocks.
	noErr(t, "unlock by another", s.UnlockControlledLink(ctx, l.ID, "r2"))
	wantErr(t, "lock after another's unlock", s.LockControlledLink(ctx, l.ID, "r2", t0.Add(90*time.Second), t0.Add(3*time.Minute)), store.ErrConflict)
	noErr(t, "unlock", s.UnlockControlledLink(ctx, l.ID, "r1"))
	noErr(t, "lock after unlock", s.LockControlledLink(ctx, l.ID, "r2", t0.Add(90*time.Second), t0.Add(3*time.Minute)))
	// A lock whose time is over is free.
	noErr(t, "lock after expiry", s.LockControlledLink(ctx, l.ID, "r3", t0.Add(4*time.Minute), t0.Add(5*time.Minute)))
	wantErr(t, "the old holder lost it", s.LockControlledLink(ctx, l.ID, "r2", t0.Add(4*time.Minute), t0.Add(5*time.Minute)), store.ErrConflict)
	wantErr(t, "lock a missing link", s.LockControlledLink(ctx, l.ID+other.ID+100, "r1", t0, t0.Add(time.Minute)), store.ErrNotFound)
	noErr(t, "unlock a missing link", s.UnlockControlledLink(ctx, l.ID+other.ID+100, "r1"))
}

// testControlledLinkLockConcurrent: holders race for one link many times; at no moment do two hold it.
func testControlledLinkLockConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	iss := newIssuer(t, s, "a")
	l, err := s.CreateControlledLink(ctx, store.ControlledLink{IssuerID: iss.ID, Name: "x", Created: at(1)})
	noErr(t, "CreateControlledLink", err)
	const workers, rounds = 8, 10
	var inside, maxInside, wins atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			holder := fmt.Sprintf("worker-%d", w)
			for got := 0; got < rounds; {
				now := time.Now()
				err := s.LockControlledLink(ctx, l.ID, holder, now, now.Add(time.Hour))
				if errors.Is(err, store.ErrConflict) {
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				n := inside.Add(1)
				for {
					m := maxInside.Load()
					if n <= m || maxInside.CompareAndSwap(m, n) {
						break
					}
				}
				wins.Add(1)
				// Stay inside for a database round trip, so that an overlapping holder would be seen.
				if _, err := s.GetControlledLink(ctx, l.ID); err != nil {
					errs <- err
					return
				}
				inside.Add(-1)
				if err := s.UnlockControlledLink(ctx, l.ID, holder); err != nil {
					errs <- err
					return
				}
				got++
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if m := maxInside.Load(); m != 1 {
		t.Errorf("%d holders at once", m)
	}
	if n := wins.Load(); n != workers*rounds {
		t.Errorf("%d locks taken, want %d", n, workers*rounds)
	}
}
