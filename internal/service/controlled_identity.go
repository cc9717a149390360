package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

// ErrWrongFile means the cloud shows something else than the shared file where a received share should be: the
// library refuses to copy or move it. A share's create reply names the place the sharer asked for, not where the
// recipient sees it (Nextcloud mounts it as "name (2).ext" when the recipient already has "name.ext"), so every
// COPY or MOVE of a received share acts on a place found by the share's id and confirmed by the file's id.
var ErrWrongFile = errors.New("service: the cloud shows another file where the share should be")

// receivedShare finds where the recipient behind rc sees the share id: its mount from shared_with_me (1 request),
// confirmed by a Depth 0 PROPFIND whose oc:fileid must be the share's item source (1 request). wantID, when not
// empty, is the file id the share must carry (the file the user picked). It returns the mount's path.
func (s *Service) receivedShare(ctx context.Context, rc *cloud.Conn, id, wantID string) (string, error) {
	shares, err := rc.SharesWithMe(ctx)
	if err != nil {
		return "", fmt.Errorf("find the received share: %w", err)
	}
	var sh *cloud.Share
	for i := range shares {
		if shares[i].ID == id {
			sh = &shares[i]
			break
		}
	}
	if sh == nil {
		return "", fmt.Errorf("share %s is not among the shares %s received: %w", id, rc.User(), cloud.ErrNotFound)
	}
	src := sh.ItemSource
	if src == "" {
		src = sh.FileSource
	}
	if src == "" || sh.FileTarget == "" {
		return "", fmt.Errorf("share %s: %w: no item source or target", id, cloud.ErrInvalidResponse)
	}
	if wantID != "" && !cloud.SameFileID(src, wantID) {
		return "", fmt.Errorf("share %s is of file %s, not of the chosen file %s: %w", id, src, wantID, ErrWrongFile)
	}
	e, err := rc.Stat(ctx, sh.FileTarget)
	if err != nil {
		return "", fmt.Errorf("check the received share at %q: %w", sh.FileTarget, err)
	}
	if !cloud.SameFileID(e.FileID, src) {
		return "", fmt.Errorf("%q has file id %q, the share is of %q: %w", sh.FileTarget, e.FileID, src, ErrWrongFile)
	}
	return sh.FileTarget, nil
}
