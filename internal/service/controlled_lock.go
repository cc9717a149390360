package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ocrepo/ocrepo/store"
)

// ErrLinkBusy means a controlled link stayed locked by another request (submission or a grant, on any replica)
// for longer than a request may wait; trying again shortly works.
var ErrLinkBusy = errors.New("service: the controlled link is busy; try again in a moment")

// Lock timing: a holder's lock lasts linkLockLease (longer than any one grant or submission takes with the cloud's
// timeouts); a request waits up to linkLockWait for it, polling from linkLockPollMin up to linkLockPollMax.
const (
	linkLockLease   = 2 * time.Minute
	linkLockWait    = 30 * time.Second
	linkLockPollMin = 5 * time.Millisecond
	linkLockPollMax = 250 * time.Millisecond
)

// withLinkLock runs fn while holding the link's lock in the store, so that submission and grants of one link
// never interleave, in this process or across replicas sharing the database.
func (s *Service) withLinkLock(ctx context.Context, id int64, fn func() error) error {
	holder := randomID(12)
	wait := linkLockPollMin
	deadline := time.Now().Add(linkLockWait)
	for {
		now := s.now()
		err := s.store.LockControlledLink(ctx, id, holder, now, now.Add(linkLockLease))
		if err == nil {
			break
		}
		if !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("service: lock controlled link %d: %w", id, err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("service: controlled link %d: %w", id, ErrLinkBusy)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("service: wait for controlled link %d: %w", id, ctx.Err())
		case <-t.C:
		}
		wait = min(wait*2, linkLockPollMax)
	}
	defer func() {
		if err := s.store.UnlockControlledLink(context.WithoutCancel(ctx), id, holder); err != nil {
			s.log.WarnContext(ctx, "ocrepo: controlled link lock not released (it lapses by itself)", "link", id, "err", err)
		}
	}()
	return fn()
}
