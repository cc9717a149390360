package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/host"
)

// PreviewControlled returns the thumbnail of a controlled link's copy for a viewer the host lets see it, o being
// what OpenControlled gave that viewer: fetched through the system account, which owns the copy (two requests: a
// Depth 0 PROPFIND for its file id and has-preview, then the preview), so the viewer needs no share and no login
// at the cloud. ErrNoPreview when the cloud has none.
func (s *Service) PreviewControlled(ctx context.Context, o ControlledOpen) (cloud.Thumbnail, error) {
	if o.Access == host.AccessNone {
		return cloud.Thumbnail{}, ErrNoAccess
	}
	id := o.Link.ID
	iss, _, err := s.issuerClient(ctx, o.Link.IssuerID)
	if err != nil {
		return cloud.Thumbnail{}, err
	}
	// The system account's client is the same issuer's: not read again.
	ctx = WithIssuer(ctx, iss)
	conn, _, err := s.systemConn(ctx, o.Link.IssuerID)
	if errors.Is(err, ErrNotConnected) {
		return cloud.Thumbnail{}, ErrNoSystemAccount
	}
	if err != nil {
		return cloud.Thumbnail{}, err
	}
	e, err := conn.Stat(ctx, o.Link.SystemPath)
	if err != nil {
		return cloud.Thumbnail{}, fmt.Errorf("service: preview of controlled link %d: %w", id, err)
	}
	if e.Dir || !e.HasPreview {
		return cloud.Thumbnail{}, ErrNoPreview
	}
	th, err := conn.Preview(ctx, cloud.PreviewAPIFor(iss.Product), e, PreviewSize)
	if errors.Is(err, cloud.ErrNotFound) {
		return cloud.Thumbnail{}, fmt.Errorf("%w (%w)", ErrNoPreview, err)
	}
	if err != nil {
		return cloud.Thumbnail{}, fmt.Errorf("service: preview of controlled link %d: %w", id, err)
	}
	return th, nil
}
