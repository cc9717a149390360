package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/ocrepo/ocrepo/store"
)

// ErrShareRevoked means an admin (or a course manager) revoked the viewer's share of a controlled link: no share
// is handed out to them again, whatever they open or ask, until someone re-grants it.
var ErrShareRevoked = errors.New("service: share revoked by an administrator")

// shareRevoked reports whether the viewer's share of a link was revoked and not granted again. A revoke keeps the
// share's record with an empty share id (RevokeControlledShare); a re-grant fills it again.
func (s *Service) shareRevoked(ctx context.Context, linkID int64, userID string) (bool, error) {
	sh, err := s.store.GetControlledShare(ctx, linkID, userID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("service: read share record: %w", err)
	}
	return sh.ShareID == "", nil
}
