package store

import (
	"context"
	"time"
)

// ImportUsage is implemented by stores that can read what a user's import limits weigh in one statement
// (gormstore does); a store without it is asked CountRunningImports and UnclaimedBytes in turn.
type ImportUsage interface {
	// ImportUsage returns a user's running imports updated within the last stale, as CountRunningImports counts
	// them, and the bytes of the user's unclaimed results, as UnclaimedBytes sums them, read together.
	ImportUsage(ctx context.Context, userID string, stale time.Duration) (running, unclaimedBytes int64, err error)
}
