package service

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
)

// ErrNoAccess means the host's hook gives the viewer no access to a controlled link.
var ErrNoAccess = errors.New("service: no access to this controlled link")

// ControlledOpen is what a viewer may do with a controlled link. Deciding it costs no request to the cloud.
type ControlledOpen struct {
	Link   store.ControlledLink
	Access host.Access
	Share  *store.ControlledShare // the viewer's share of the copy, if they have one
}

// OpenControlled asks the host what the viewer may do with a link. The owner keeps read access only once the
// link is submitted, whatever the hook says.
func (s *Service) OpenControlled(ctx context.Context, viewer host.User, id int64) (ControlledOpen, error) {
	l, err := s.store.GetControlledLink(ctx, id)
	if err != nil {
		return ControlledOpen{}, fmt.Errorf("service: controlled link %d: %w", id, err)
	}
	a, err := s.linkAccess(ctx, viewer, l)
	if err != nil {
		return ControlledOpen{}, err
	}
	if a == host.AccessNone {
		return ControlledOpen{Link: l}, ErrNoAccess
	}
	o := ControlledOpen{Link: l, Access: a}
	if sh, err := s.store.GetControlledShare(ctx, l.ID, viewer.ID); err == nil && sh.ShareID != "" {
		o.Share = &sh
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return ControlledOpen{}, fmt.Errorf("service: read share record: %w", err)
	}
	s.countControlled(controlledOpened, 1)
	return o, nil
}

func (s *Service) linkAccess(ctx context.Context, viewer host.User, l store.ControlledLink) (host.Access, error) {
	a := host.AccessNone
	if s.cfg.LinkAccess == nil {
		if viewer.ID == l.OwnerUserID {
			a = host.AccessView
		}
	} else {
		var err error
		a, err = s.cfg.LinkAccess.ControlledLinkAccess(ctx, viewer, LinkInfo(l))
		if err != nil {
			return host.AccessNone, fmt.Errorf("service: controlled link access hook: %w", err)
		}
	}
	if l.Submitted && viewer.ID == l.OwnerUserID && a > host.AccessView {
		a = host.AccessView
	}
	return a, nil
}

// LinkInfo is what the host's hook is told about a link.
func LinkInfo(l store.ControlledLink) host.ControlledLinkInfo {
	return host.ControlledLinkInfo{ID: l.ID, Course: l.Course, Context: l.Context, Owner: l.OwnerUserID, Name: l.Name, Submitted: l.Submitted}
}

// ControlledFile streams a controlled link's copy through the system account: one request, no share. The caller
// closes the body.
func (s *Service) ControlledFile(ctx context.Context, viewer host.User, id int64) (*cloud.File, store.ControlledLink, error) {
	o, err := s.OpenControlled(ctx, viewer, id)
	if err != nil {
		return nil, o.Link, err
	}
	sys, _, err := s.systemConn(ctx, o.Link.IssuerID)
	if err != nil {
		return nil, o.Link, fmt.Errorf("%w: %w", ErrNoSystemAccount, err)
	}
	f, err := sys.Open(ctx, o.Link.SystemPath, 0)
	if err != nil {
		return nil, o.Link, fmt.Errorf("service: open controlled link %d: %w", id, err)
	}
	return f, o.Link, nil
}

// Granted is a share of a controlled link's copy in the viewer's cloud.
type Granted struct {
	Share  store.ControlledShare
	WebURL string // the folder in the cloud's web UI where the file now sits
}

// Share permissions the library grants on a controlled link's copy: never 16 (share), because Nextcloud does not
// carry a later cut of a share's permissions over to the re-shares and public links made from it.
const (
	permEdit = cloud.PermRead | cloud.PermUpdate
	permView = cloud.PermRead
)

// GrantControlled puts the copy into the viewer's cloud: an edit share (read and update) for editors, a
// read-only share for viewers who ask. An existing share is checked (1 request) and reused; a new one is created
// by the system account, found in the viewer's cloud by its id and confirmed by the file's id, and moved by the
// viewer into the instance's controlled-link folder (created if missing; clashes become "name (1).ext"). Grants
// and submission of one link hold the link's lock, so a grant never lands after a submission that did not see it.
// ErrNotConnected means the viewer must log in to the cloud first.
func (s *Service) GrantControlled(ctx context.Context, viewer host.User, id int64, edit bool) (Granted, error) {
	o, err := s.OpenControlled(ctx, viewer, id)
	if err != nil {
		return Granted{}, err
	}
	if revoked, err := s.shareRevoked(ctx, id, viewer.ID); err != nil {
		return Granted{}, err
	} else if revoked {
		return Granted{}, fmt.Errorf("%w: link %d", ErrShareRevoked, id)
	}
	if edit && o.Access < host.AccessEdit {
		return Granted{}, fmt.Errorf("%w: editing", ErrNoAccess)
	}
	var g Granted
	err = s.withLinkLock(ctx, id, func() error {
		var err error
		g, err = s.grantLocked(ctx, viewer, id, edit)
		return err
	})
	return g, err
}

// grantLocked is GrantControlled under the link's lock: what the viewer may do is read again, now that no
// submission can run beside it.
func (s *Service) grantLocked(ctx context.Context, viewer host.User, id int64, edit bool) (Granted, error) {
	o, err := s.OpenControlled(ctx, viewer, id)
	if err != nil {
		return Granted{}, err
	}
	if edit && o.Access < host.AccessEdit {
		return Granted{}, fmt.Errorf("%w: editing", ErrNoAccess)
	}
	perms := permView
	if edit {
		perms = permEdit
	}
	l := o.Link
	iss, err := s.store.GetIssuer(ctx, l.IssuerID)
	if err != nil {
		return Granted{}, fmt.Errorf("service: issuer of controlled link %d: %w", id, err)
	}
	folder := s.controlledFolder(ctx, l)
	web := Available{Issuer: iss}.WebUI(folder)
	sys, _, err := s.systemConn(ctx, l.IssuerID)
	if err != nil {
		return Granted{}, fmt.Errorf("%w: %w", ErrNoSystemAccount, err)
	}
	// A share handed out before: check it still stands and carries the right permissions.
	if o.Share != nil {
		cur, err := sys.GetShare(ctx, o.Share.ShareID)
		switch {
		case err == nil:
			sh := *o.Share
			if !grants(cur.Permissions, perms) {
				// Permissions changed (submitted, a viewer became an editor, or a share with 16 from before): set them.
				if _, err := sys.UpdateShare(ctx, cur.ID, perms); err != nil {
					return Granted{}, fmt.Errorf("service: update share: %w", err)
				}
				sh.Permissions = perms
			}
			if !strings.HasPrefix(sh.Target, folder+"/") {
				// Shared again by an admin: the share still sits where the cloud put it.
				vc, _, err := s.userConn(ctx, l.IssuerID, viewer.ID)
				if err != nil {
					return Granted{}, err
				}
				if sh.Target, err = s.placeShare(ctx, vc, l, viewer, cur, folder); err != nil {
					return Granted{}, err
				}
			}
			if sh != *o.Share {
				sh.Updated = s.now().UTC()
				if sh, err = s.store.PutControlledShare(ctx, sh); err != nil {
					return Granted{}, fmt.Errorf("service: record share: %w", err)
				}
			}
			return Granted{Share: sh, WebURL: web}, nil
		case !errors.Is(err, cloud.ErrNotFound):
			return Granted{}, fmt.Errorf("service: check share: %w", err)
		}
		// Gone at the cloud: share again.
	}
	viewerConn, vtok, err := s.userConn(ctx, l.IssuerID, viewer.ID)
	if err != nil {
		return Granted{}, err
	}
	sh, err := sys.CreateShare(ctx, cloud.ShareRequest{Path: l.SystemPath, ShareType: cloud.ShareUser, ShareWith: vtok.CloudUser, Permissions: perms})
	if errors.Is(err, cloud.ErrAlreadyShared) {
		sh, err = s.findUserShare(ctx, sys, l.SystemPath, vtok.CloudUser)
	}
	if err != nil {
		return Granted{}, fmt.Errorf("service: share with %s: %w", vtok.CloudUser, err)
	}
	if !grants(sh.Permissions, perms) {
		// Nextcloud 34 answers a repeated share with the existing one, whatever it carries.
		if _, err := sys.UpdateShare(ctx, sh.ID, perms); err != nil {
			return Granted{}, fmt.Errorf("service: update share: %w", err)
		}
	}
	target, err := s.placeShare(ctx, viewerConn, l, viewer, sh, folder)
	if err != nil {
		if derr := sys.DeleteShare(context.WithoutCancel(ctx), sh.ID); derr != nil && !errors.Is(derr, cloud.ErrNotFound) {
			s.log.WarnContext(ctx, "ocrepo: share of a failed grant not removed", "link", l.ID, "share", sh.ID, "err", derr)
		}
		return Granted{}, err
	}
	rec, err := s.store.PutControlledShare(ctx, store.ControlledShare{LinkID: l.ID, UserID: viewer.ID, CloudUser: vtok.CloudUser,
		ShareID: sh.ID, Permissions: perms, Target: target, Created: s.now().UTC(), Updated: s.now().UTC()})
	if err != nil {
		return Granted{}, fmt.Errorf("service: record share: %w", err)
	}
	return Granted{Share: rec, WebURL: web}, nil
}

// placeShare moves a received share into the controlled-link folder of the viewer's cloud (made if missing). The
// share is found by its id in what the viewer received, and its file id must be the copy's: the create reply's
// file_target may name a file of the viewer's own.
func (s *Service) placeShare(ctx context.Context, vc *cloud.Conn, l store.ControlledLink, viewer host.User, sh cloud.Share, folder string) (string, error) {
	copyID := sh.ItemSource
	if copyID == "" {
		copyID = sh.FileSource
	}
	target, err := s.receivedShare(ctx, vc, sh.ID, copyID)
	if err != nil {
		return "", fmt.Errorf("service: find the shared file in your cloud: %w", err)
	}
	if strings.HasPrefix(target, folder+"/") {
		return target, nil
	}
	if err := vc.Mkcol(ctx, folder); err != nil && !errors.Is(err, cloud.ErrAlreadyExists) {
		return "", fmt.Errorf("service: create %q in your cloud: %w", folder, err)
	}
	moved, err := s.moveFree(ctx, vc, target, folder, l.Name)
	if err != nil {
		return "", fmt.Errorf("service: move the shared file into %q: %w", folder, err)
	}
	s.listings.forgetUser(l.IssuerID, viewer.ID)
	return moved, nil
}

// grants reports whether a share's permissions are exactly what the library grants: edit shares carry update,
// read shares do not, and none carries share (16).
func grants(have, want int) bool {
	if have&(cloud.PermShare|cloud.PermCreate|cloud.PermDelete) != 0 {
		return false
	}
	if want&cloud.PermUpdate != 0 {
		return have&cloud.PermUpdate != 0
	}
	return have&cloud.PermUpdate == 0
}

// moveFree moves src into dir under name, or "name (1).ext", ... when taken.
func (s *Service) moveFree(ctx context.Context, c *cloud.Conn, src, dir, name string) (string, error) {
	for i := 0; i < 20; i++ {
		dst := dir + "/" + numbered(name, i)
		err := c.Move(ctx, src, dst, false)
		if err == nil {
			return dst, nil
		}
		if !errors.Is(err, cloud.ErrPreconditionFailed) {
			return "", err
		}
	}
	return "", fmt.Errorf("no free name for %q in %q after 20 tries: %w", name, dir, cloud.ErrPreconditionFailed)
}

// MarkSubmitted locks a controlled link: its owner keeps read access only. Under the link's lock (no grant runs
// beside it, on any replica) it lists every share of the system copy at the cloud, re-shares and public links
// included, and cuts or removes each one that lets anyone write or share: shares the library handed to editors
// the host still allows keep read and update; its other shares become read-only; shares the library never made
// (re-shares, public links, shares made at the cloud) are removed. Calling it again repeats the sweep.
func (s *Service) MarkSubmitted(ctx context.Context, id int64) error {
	err := s.withLinkLock(ctx, id, func() error { return s.submitLocked(ctx, id) })
	if err == nil {
		s.countControlled(controlledSubmitted, 1)
	}
	return err
}

func (s *Service) submitLocked(ctx context.Context, id int64) error {
	l, err := s.store.GetControlledLink(ctx, id)
	if err != nil {
		return fmt.Errorf("service: controlled link %d: %w", id, err)
	}
	if !l.Submitted {
		l.Submitted, l.Updated = true, s.now().UTC()
		if l, err = s.store.UpdateControlledLink(ctx, l); err != nil {
			return fmt.Errorf("service: mark controlled link %d submitted: %w", id, err)
		}
	}
	sys, _, err := s.systemConn(ctx, l.IssuerID)
	if err != nil {
		return fmt.Errorf("service: lock the shares of controlled link %d: %w: %w", id, ErrNoSystemAccount, err)
	}
	shares, err := sys.SharesOf(ctx, l.SystemPath)
	if err != nil {
		return fmt.Errorf("service: list the shares of controlled link %d: %w", id, err)
	}
	recs, err := s.store.ListControlledShares(ctx, l.ID)
	if err != nil {
		return fmt.Errorf("service: read the shares of controlled link %d: %w", id, err)
	}
	byID := make(map[string]store.ControlledShare, len(recs))
	for _, r := range recs {
		if r.ShareID != "" {
			byID[r.ShareID] = r
		}
	}
	for _, sh := range shares {
		if sh.Permissions&^cloud.PermRead == 0 {
			continue // reads only: harmless
		}
		rec, ours := byID[sh.ID]
		ours = ours && sh.ShareType == cloud.ShareUser && strings.EqualFold(sh.ShareWith, rec.CloudUser)
		if !ours {
			if err := sys.DeleteShare(ctx, sh.ID); err != nil && !errors.Is(err, cloud.ErrNotFound) {
				return fmt.Errorf("service: remove share %s of submitted controlled link %d: %w", sh.ID, id, err)
			}
			s.log.InfoContext(ctx, "ocrepo: share removed at submission", "link", id, "share", sh.ID, "type", sh.ShareType,
				"by", sh.Owner, "permissions", sh.Permissions)
			continue
		}
		a, err := s.linkAccess(ctx, host.User{ID: rec.UserID}, l)
		if err != nil {
			return err
		}
		want := permView
		if a >= host.AccessEdit {
			want = permEdit
		}
		if grants(sh.Permissions, want) {
			continue
		}
		if _, err := sys.UpdateShare(ctx, sh.ID, want); err != nil && !errors.Is(err, cloud.ErrNotFound) {
			return fmt.Errorf("service: cut share %s of submitted controlled link %d: %w", sh.ID, id, err)
		}
		rec.Permissions, rec.Updated = want, s.now().UTC()
		if _, err := s.store.PutControlledShare(ctx, rec); err != nil {
			return fmt.Errorf("service: record the cut share of %s: %w", rec.UserID, err)
		}
	}
	return nil
}

// ControlledRow is a controlled link as the console lists it.
type ControlledRow struct {
	Link   store.ControlledLink
	Shares []store.ControlledShare
	Orphan bool // the host reports its LMS item gone
}

// ListControlled lists controlled links with their shares and whether their LMS item is gone.
func (s *Service) ListControlled(ctx context.Context, f store.ControlledLinkFilter) ([]ControlledRow, error) {
	links, err := s.store.ListControlledLinks(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("service: list controlled links: %w", err)
	}
	rows := make([]ControlledRow, 0, len(links))
	for _, l := range links {
		shares, err := s.store.ListControlledShares(ctx, l.ID)
		if err != nil {
			return nil, fmt.Errorf("service: shares of controlled link %d: %w", l.ID, err)
		}
		r := ControlledRow{Link: l, Shares: shares}
		if s.cfg.Items != nil {
			ok, err := s.cfg.Items.ItemExists(ctx, l.Course, l.Context)
			if err != nil {
				s.log.WarnContext(ctx, "ocrepo: items hook failed", "link", l.ID, "err", err)
			} else {
				r.Orphan = !ok
			}
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// RevokeControlledShare removes a user's share of a controlled link at the cloud and marks it revoked.
func (s *Service) RevokeControlledShare(ctx context.Context, actor host.User, linkID int64, userID string) error {
	l, err := s.store.GetControlledLink(ctx, linkID)
	if err != nil {
		return fmt.Errorf("service: controlled link %d: %w", linkID, err)
	}
	sh, err := s.store.GetControlledShare(ctx, linkID, userID)
	if err != nil {
		return fmt.Errorf("service: share of %s: %w", userID, err)
	}
	if sh.ShareID != "" {
		sys, _, err := s.systemConn(ctx, l.IssuerID)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrNoSystemAccount, err)
		}
		if err := sys.DeleteShare(ctx, sh.ShareID); err != nil && !errors.Is(err, cloud.ErrNotFound) {
			return fmt.Errorf("service: revoke share: %w", err)
		}
	}
	sh.ShareID, sh.Updated = "", s.now().UTC()
	if _, err := s.store.PutControlledShare(ctx, sh); err != nil {
		return fmt.Errorf("service: record revoked share: %w", err)
	}
	s.audit(ctx, actor, "share.revoke", fmt.Sprintf("controlled link %d", linkID), Msg("audit.share_revoked", "User", userID))
	return nil
}

// RegrantControlledShare shares a controlled link's copy with a user again, with the permissions they had (read
// and update at most; read only for a submitted link's owner), under the link's lock. The
// share lands where the cloud puts it; the user's next open moves it into their controlled-link folder.
func (s *Service) RegrantControlledShare(ctx context.Context, actor host.User, linkID int64, userID string) error {
	return s.withLinkLock(ctx, linkID, func() error { return s.regrantLocked(ctx, actor, linkID, userID) })
}

func (s *Service) regrantLocked(ctx context.Context, actor host.User, linkID int64, userID string) error {
	l, err := s.store.GetControlledLink(ctx, linkID)
	if err != nil {
		return fmt.Errorf("service: controlled link %d: %w", linkID, err)
	}
	sh, err := s.store.GetControlledShare(ctx, linkID, userID)
	if err != nil {
		return fmt.Errorf("service: share of %s: %w", userID, err)
	}
	perms := permView
	if sh.Permissions&cloud.PermUpdate != 0 && !(l.Submitted && userID == l.OwnerUserID) {
		perms = permEdit
	}
	sys, _, err := s.systemConn(ctx, l.IssuerID)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNoSystemAccount, err)
	}
	created, err := sys.CreateShare(ctx, cloud.ShareRequest{Path: l.SystemPath, ShareType: cloud.ShareUser, ShareWith: sh.CloudUser, Permissions: perms})
	if errors.Is(err, cloud.ErrAlreadyShared) {
		created, err = s.findUserShare(ctx, sys, l.SystemPath, sh.CloudUser)
	}
	if err != nil {
		return fmt.Errorf("service: share again: %w", err)
	}
	sh.ShareID, sh.Permissions, sh.Target, sh.Updated = created.ID, perms, created.FileTarget, s.now().UTC()
	if _, err := s.store.PutControlledShare(ctx, sh); err != nil {
		return fmt.Errorf("service: record share: %w", err)
	}
	s.audit(ctx, actor, "share.regrant", fmt.Sprintf("controlled link %d", linkID), Msg("audit.share_regranted", "User", userID))
	return nil
}
