package service

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"

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
	origins, err := s.linkOrigins(ctx, inst.IssuerID)
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
		sh, err := s.publicLink(ctx, conn, p, origins)
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
func (s *Service) publicLink(ctx context.Context, conn *cloud.Conn, p string, origins []string) (cloud.Share, error) {
	shares, err := conn.SharesOf(ctx, p)
	if err != nil && !errors.Is(err, cloud.ErrNotFound) {
		return cloud.Share{}, fmt.Errorf("service: shares of %q: %w", p, err)
	}
	if err == nil {
		for _, sh := range shares {
			if s.reusableLink(sh) {
				return sh, checkShareURL(p, sh.URL, origins)
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
	if err := checkShareURL(p, sh.URL, origins); err != nil {
		return cloud.Share{}, err
	}
	return sh, nil
}

// checkShareURL accepts a share's url only as an absolute http(s) URL on one of origins (the issuer's own, or one
// its admin listed): the host receives it and pages show it as a link, where a javascript: or data: URL, or an
// address elsewhere, from a broken or hostile cloud would run script or send people away.
func checkShareURL(p, raw string, origins []string) error {
	if raw == "" {
		return fmt.Errorf("service: public link for %q: %w: the share has no url", p, cloud.ErrInvalidResponse)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return fmt.Errorf("service: public link for %q: %w: the share's url is not an http(s) address", p, cloud.ErrInvalidResponse)
	}
	if !slices.Contains(origins, originOf(raw)) {
		return fmt.Errorf("service: public link for %q: %w: the share's url is on %s, not on the cloud server's address "+
			"(an admin may list it as the endpoint %s)", p, cloud.ErrInvalidResponse, originOf(raw), PublicLinkOriginEndpoint)
	}
	return nil
}

// PublicLinkOriginEndpoint names the issuer endpoint (or endpoints, with a suffix: public_link_origin_2) whose
// origin public links may also be on: a cloud behind a proxy hands out links on its public host name. No
// request is ever sent there.
const PublicLinkOriginEndpoint = "public_link_origin"

// isPublicLinkOrigin reports whether an endpoint only lists an origin for public links.
func isPublicLinkOrigin(name string) bool { return strings.HasPrefix(name, PublicLinkOriginEndpoint) }

// linkOrigins are the origins an issuer's public links may be on: its base URL's and every endpoint's.
func (s *Service) linkOrigins(ctx context.Context, issuerID int64) ([]string, error) {
	iss, err := s.issuerFor(ctx, issuerID)
	if err != nil {
		return nil, fmt.Errorf("service: issuer %d: %w", issuerID, err)
	}
	out := []string{originOf(iss.BaseURL)}
	for _, e := range iss.Endpoints {
		if o := originOf(e.URL); !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out, nil
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
