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

// ImportJobCompleter is implemented by stores that can record an import's final progress with its end in one
// statement (gormstore does); a store without it is asked UpdateImportProgress and FinishImportJob in turn.
type ImportJobCompleter interface {
	// CompleteImportJob records done bytes (as UpdateImportProgress) and sets a final state (as FinishImportJob,
	// with the same errors) together.
	CompleteImportJob(ctx context.Context, id string, done int64, state ImportState, errText, resultID string) error
}

// SystemTokens is implemented by stores that can read the system account of every issuer in one statement
// (gormstore does); a store without it is asked GetToken once per issuer.
type SystemTokens interface {
	// SystemTokens returns the system account's token of every issuer that has one, by issuer ID, each as
	// GetToken would return it.
	SystemTokens(ctx context.Context) ([]Token, error)
}
