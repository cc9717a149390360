package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
)

// PreviewSize is the box (pixels, square) thumbnails are asked for: twice the picker's 48 px cell, sharp on
// high-density screens, and small enough that a page of them costs little.
const PreviewSize = 96

// ErrNoPreview means the cloud offers no preview of the file (a folder, a type without previews, or a listing
// that says has-preview false). It matches cloud.ErrNotFound.
var ErrNoPreview = fmt.Errorf("service: the cloud offers no preview of this file: %w", cloud.ErrNotFound)

// Preview returns the thumbnail of a file in the user's cloud, fetched with the user's token (which never leaves
// the server). Only a file whose listing says it has a preview is asked for: the entry comes from the user's
// recent listing when the path is in it (no request), else from one Depth 0 PROPFIND; then one preview request
// (Nextcloud's core/preview by file id, ownCloud 10's WebDAV ?preview=1, by the issuer's detected product).
func (s *Service) Preview(ctx context.Context, u host.User, inst store.Instance, p string) (cloud.Thumbnail, error) {
	iss, _, err := s.issuerClient(ctx, inst.IssuerID)
	if err != nil {
		return cloud.Thumbnail{}, err
	}
	conn, tok, err := s.userConn(ctx, inst.IssuerID, u.ID)
	if err != nil {
		return cloud.Thumbnail{}, err
	}
	p = cleanPath(p)
	e, known := s.cachedEntry(inst.IssuerID, u.ID, tok.CloudUser, p)
	if !known {
		if e, err = conn.Stat(ctx, p); err != nil {
			return cloud.Thumbnail{}, fmt.Errorf("service: preview %q: %w", p, err)
		}
	}
	if e.Dir || !e.HasPreview {
		return cloud.Thumbnail{}, ErrNoPreview
	}
	th, err := conn.Preview(ctx, cloud.PreviewAPIFor(iss.Product), e, PreviewSize)
	if err != nil {
		if errors.Is(err, cloud.ErrNotFound) {
			return cloud.Thumbnail{}, fmt.Errorf("%w (%w)", ErrNoPreview, err)
		}
		return cloud.Thumbnail{}, fmt.Errorf("service: preview %q: %w", p, err)
	}
	return th, nil
}
