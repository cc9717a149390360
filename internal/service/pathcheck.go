package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

// checkPicked checks a chosen path before anything acts on it (an import, a public link, a controlled link): the
// entry comes from the user's fresh cached listing when the path is in it (no request: the cloud's own answer
// moments ago), else from one Depth 0 PROPFIND. A folder, a type the pick request does not accept, or a size over
// its MaxBytes is refused; so is a path the cloud does not have. No flow acts on a path nobody checked.
func (s *Service) checkPicked(ctx context.Context, conn *cloud.Conn, issuerID int64, userID, cloudUser string, acc Acceptor, p string) (cloud.Entry, error) {
	e, known := s.cachedEntry(issuerID, userID, cloudUser, p)
	if !known {
		var err error
		if e, err = conn.Stat(ctx, p); err != nil {
			if errors.Is(err, cloud.ErrNotFound) {
				return cloud.Entry{}, fmt.Errorf("service: %q is not in your cloud (moved or deleted?): %w", p, err)
			}
			return cloud.Entry{}, fmt.Errorf("service: check %q at the cloud: %w", p, err)
		}
	}
	if e.Dir {
		return cloud.Entry{}, &Refusal{Err: ErrNotAccepted, Reason: Msg("problem.refusal.folder", "Name", e.Name)}
	}
	size := max(e.Size, 0)
	if !acc.Refusal(e.Name, e.ContentType, size).IsZero() {
		return cloud.Entry{}, refusalError(acc, e.Name, e.ContentType, size)
	}
	return e, nil
}
