package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
)

// ErrImportLimit is an import refused because the user reached one of the host's ImportLimits; it comes wrapped
// in a *Refusal that says which, in the user's words.
var ErrImportLimit = errors.New("service: import limit reached")

// ImportLimits bound what one user's imports may hold of the host's storage. An import is unclaimed from the
// moment its files reach the host's FileSink until the host looks its result up (Repository.PickResult); unclaimed
// imports older than UnclaimedTTL are removed through the host's FileRemover.
type ImportLimits struct {
	// Running bounds a user's imports in progress at once (across replicas); 0 means 3, negative: no bound.
	Running int
	// UnclaimedBytes bounds the bytes of a user's unclaimed imports; a new import starts only below it (and may
	// pass it by at most its own size, which the pick request's MaxBytes bounds); 0 means 1 GiB, negative: no
	// bound.
	UnclaimedBytes int64
	// UnclaimedTTL is how long an unclaimed import is kept; 0 means 24 hours, negative: kept for ever.
	UnclaimedTTL time.Duration
}

// withDefaults fills the zero fields.
func (l ImportLimits) withDefaults() ImportLimits {
	if l.Running == 0 {
		l.Running = 3
	}
	if l.UnclaimedBytes == 0 {
		l.UnclaimedBytes = 1 << 30
	}
	if l.UnclaimedTTL == 0 {
		l.UnclaimedTTL = 24 * time.Hour
	}
	return l
}

// sweepInterval is how often, at most, one process looks for expired unclaimed imports; sweepBatch how many it
// removes per look.
const (
	sweepInterval = time.Minute
	sweepBatch    = 100
)

// checkImportLimits refuses an import the user's limits do not allow: too many running, or too many unclaimed
// bytes (with what this pick adds, when the listing told its size).
func (s *Service) checkImportLimits(ctx context.Context, u host.User, adding int64) error {
	lim := s.cfg.ImportLimits
	// A running job nobody touched for this long died with its process (as ImportStatus says).
	stale := 2*time.Minute + s.cfg.Timeout
	var n, held int64
	usage, together := s.store.(store.ImportUsage)
	together = together && lim.Running > 0 && lim.UnclaimedBytes > 0
	if together {
		var err error
		if n, held, err = usage.ImportUsage(ctx, u.ID, stale); err != nil {
			return fmt.Errorf("service: import usage: %w", err)
		}
	}
	if lim.Running > 0 {
		if !together {
			var err error
			if n, err = s.store.CountRunningImports(ctx, u.ID, stale); err != nil {
				return fmt.Errorf("service: count running imports: %w", err)
			}
		}
		if n >= int64(lim.Running) {
			return &Refusal{Err: ErrImportLimit, Reason: Msg("problem.import_limit.running", "Count", n)}
		}
	}
	if lim.UnclaimedBytes > 0 {
		if !together {
			var err error
			if held, err = s.store.UnclaimedBytes(ctx, u.ID); err != nil {
				return fmt.Errorf("service: unclaimed bytes: %w", err)
			}
		}
		if held >= lim.UnclaimedBytes || held+adding > lim.UnclaimedBytes {
			if lim.UnclaimedTTL > 0 {
				return &Refusal{Err: ErrImportLimit, Reason: Msg("problem.import_limit.bytes_ttl",
					"Held", Bytes(held), "Limit", Bytes(lim.UnclaimedBytes), "Lifetime", Wait(lim.UnclaimedTTL))}
			}
			return &Refusal{Err: ErrImportLimit, Reason: Msg("problem.import_limit.bytes",
				"Held", Bytes(held), "Limit", Bytes(lim.UnclaimedBytes))}
		}
	}
	return nil
}

// ClaimPick hands the files of a pick over to the host: they no longer count against the user's unclaimed
// imports and are never removed as expired.
func (s *Service) ClaimPick(ctx context.Context, id string) error {
	if err := s.store.ClaimPickResult(ctx, id, s.now().UTC()); err != nil {
		return fmt.Errorf("service: claim pick %s: %w", id, err)
	}
	return nil
}

// maybeSweepImports runs SweepImports when this process has not done so for sweepInterval. It rides on requests
// that start imports, so no goroutine waits for it; replicas sweeping at once share the work through the store.
func (s *Service) maybeSweepImports(ctx context.Context) {
	now := s.now()
	last := s.lastSweep.Load()
	if last != 0 && now.Sub(time.Unix(0, last)) < sweepInterval {
		return
	}
	if !s.lastSweep.CompareAndSwap(last, now.UnixNano()) {
		return // another request of this process is sweeping
	}
	if _, err := s.SweepImports(ctx); err != nil {
		s.log.WarnContext(ctx, "ocrepo: sweep expired imports", "err", err)
	}
}

// SweepImports removes unclaimed imports older than ImportLimits.UnclaimedTTL: each is taken from the store
// (exactly one replica gets it) and its files are removed through the host's FileRemover. It returns how many
// imports went. Hosts may call it from a job of their own; imports also sweep now and then.
func (s *Service) SweepImports(ctx context.Context) (int, error) {
	ttl := s.cfg.ImportLimits.UnclaimedTTL
	if ttl <= 0 {
		return 0, nil
	}
	rm, _ := s.cfg.Files.(host.FileRemover)
	total := 0
	for {
		taken, err := s.store.TakeExpiredImports(ctx, s.now().Add(-ttl), sweepBatch)
		if err != nil {
			return total, fmt.Errorf("service: take expired imports: %w", err)
		}
		for _, p := range taken {
			s.removeImported(ctx, rm, p)
		}
		total += len(taken)
		if len(taken) < sweepBatch {
			return total, nil
		}
	}
}

// removeImported removes the files of an expired import at the host.
func (s *Service) removeImported(ctx context.Context, rm host.FileRemover, p store.PickResult) {
	files, err := decodeFiles(p.Payload)
	if err != nil {
		s.log.ErrorContext(ctx, "ocrepo: expired import unreadable; its files stay at the host", "pick", p.ID, "err", err)
		return
	}
	if rm == nil {
		s.log.WarnContext(ctx, "ocrepo: expired import dropped; the host's FileSink cannot remove its files",
			"pick", p.ID, "user", p.UserID, "files", len(files))
		return
	}
	for _, f := range files {
		if err := rm.Remove(ctx, f.Ref); err != nil {
			s.log.ErrorContext(ctx, "ocrepo: remove file of an expired import", "pick", p.ID, "ref", f.Ref, "err", err)
		}
	}
	s.log.InfoContext(ctx, "ocrepo: removed an unclaimed import", "pick", p.ID, "user", p.UserID, "bytes", p.Bytes)
}
