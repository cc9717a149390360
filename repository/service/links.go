package service

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
)

// Link returns public links to the chosen files: an existing read-only link without a password is reused (1
// request), otherwise one is created (2 requests); a path not in the user's fresh listing is checked first (1
// PROPFIND). The pick is recorded and returned.
func (s *Service) Link(ctx context.Context, u host.User, inst store.Instance, req host.PickRequest, paths []string) (host.PickResult, error) {
	if err := s.checkReturn(ctx, inst, req, host.ReturnLink); err != nil {
		return host.PickResult{}, err
	}
	if len(paths) == 0 {
		return host.PickResult{}, ErrNoFiles
	}
	if len(paths) > 1 && !req.Multiple {
		return host.PickResult{}, ErrTooManyFiles
	}
	conn, tok, err := s.userConn(ctx, inst.IssuerID, u.ID)
	if err != nil {
		return host.PickResult{}, err
	}
	acc := NewAcceptor(req)
	files := make([]host.PickedFile, 0, len(paths))
	for _, p := range paths {
		p = cleanPath(p)
		e, err := s.checkPicked(ctx, conn, inst.IssuerID, u.ID, tok.CloudUser, acc, p)
		if err != nil {
			return host.PickResult{}, err
		}
		sh, err := s.publicLink(ctx, conn, p)
		if err != nil {
			return host.PickResult{}, err
		}
		f := host.PickedFile{Name: path.Base(p), URL: sh.URL, DownloadURL: sh.DownloadURL(), ContentType: e.ContentType, Size: e.Size}
		if f.ContentType == "" {
			f.ContentType = sh.MimeType
		}
		files = append(files, f)
	}
	return s.savePick(ctx, u, inst, req, host.ReturnLink, files)
}

// publicLink reuses or creates a read-only public link share.
func (s *Service) publicLink(ctx context.Context, conn *cloud.Conn, p string) (cloud.Share, error) {
	shares, err := conn.SharesOf(ctx, p)
	if err != nil && !errors.Is(err, cloud.ErrNotFound) {
		return cloud.Share{}, fmt.Errorf("service: shares of %q: %w", p, err)
	}
	if err == nil {
		for _, sh := range shares {
			if s.reusableLink(sh) {
				return sh, checkShareURL(p, sh.URL)
			}
		}
	}
	r := cloud.ShareRequest{Path: p, ShareType: cloud.SharePublic, Permissions: cloud.PermRead}
	if d := s.cfg.LinkPolicy.ExpireAfter; d > 0 {
		r.ExpireDate = s.now().Add(d)
	}
	sh, err := conn.CreateShare(ctx, r)
	if err != nil {
		return cloud.Share{}, fmt.Errorf("service: create public link for %q: %w", p, err)
	}
	if err := checkShareURL(p, sh.URL); err != nil {
		return cloud.Share{}, err
	}
	return sh, nil
}

// checkShareURL accepts a share's url only as an absolute http(s) URL: the host receives it and pages show it as
// a link, where a javascript: or data: URL from a broken or hostile cloud would run script.
func checkShareURL(p, raw string) error {
	if raw == "" {
		return fmt.Errorf("service: public link for %q: %w: the share has no url", p, cloud.ErrInvalidResponse)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return fmt.Errorf("service: public link for %q: %w: the share's url is not an http(s) address", p, cloud.ErrInvalidResponse)
	}
	return nil
}

// reusableLink reports whether an existing share is a public, read-only link without a password that satisfies
// the link policy.
func (s *Service) reusableLink(sh cloud.Share) bool {
	if sh.ShareType != cloud.SharePublic || sh.URL == "" || sh.HasPassword {
		return false
	}
	if sh.Permissions&(cloud.PermUpdate|cloud.PermCreate|cloud.PermDelete) != 0 {
		return false
	}
	now := s.now()
	if !sh.Expiration.IsZero() && !sh.Expiration.After(now) {
		return false
	}
	if d := s.cfg.LinkPolicy.ExpireAfter; d > 0 {
		// A link must expire, and not later than the policy allows.
		if sh.Expiration.IsZero() || sh.Expiration.After(now.Add(d)) {
			return false
		}
	}
	return true
}
