package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
)

// ConsoleQuery selects one page of the controlled-link console (the admins' page for the whole site, or a
// teacher's page for one course).
type ConsoleQuery struct {
	Course   string // one course only; "" for every course
	IssuerID int64  // one cloud server only; 0 for all
	Owner    string // links one host user picked only; "" for everybody's
	Orphans  bool   // only links whose LMS item the host reports gone
	Page     int    // 1-based; anything below 1 is the first page
	PerPage  int    // 0 means 25
}

// ConsolePage is one page of controlled links, newest first, each with the shares handed out for it.
type ConsolePage struct {
	Rows    []ControlledRow
	Total   int // links the query matches, on every page
	Page    int
	PerPage int
	HasNext bool
	// OrphanCheck tells whether the host can report gone LMS items (it configured an Items hook); without one no
	// link is ever an orphan.
	OrphanCheck bool
}

// ControlledConsole returns one page of the controlled links q selects, newest first. The host's Items hook is
// asked about the links on the page only, unless q.Orphans asks for orphans, which needs every matching link
// checked; links that share an LMS item are asked about once.
func (s *Service) ControlledConsole(ctx context.Context, q ConsoleQuery) (ConsolePage, error) {
	if q.Page < 1 {
		q.Page = 1
	}
	if q.PerPage <= 0 {
		q.PerPage = 25
	}
	p := ConsolePage{Page: q.Page, PerPage: q.PerPage, OrphanCheck: s.cfg.Items != nil}
	links, err := s.store.ListControlledLinks(ctx, store.ControlledLinkFilter{Course: q.Course, IssuerID: q.IssuerID, Owner: q.Owner})
	if err != nil {
		return ConsolePage{}, fmt.Errorf("service: list controlled links: %w", err)
	}
	slices.Reverse(links) // the store lists oldest first
	items := itemCache{}
	if q.Orphans {
		kept := links[:0]
		for _, l := range links {
			if s.orphan(ctx, items, l) {
				kept = append(kept, l)
			}
		}
		links = kept
	}
	p.Total = len(links)
	// A page past the end is the page just after the last one: a huge page number must not overflow the offset.
	if last := max(1, (len(links)+q.PerPage-1)/q.PerPage); q.Page > last+1 {
		q.Page = last + 1
		p.Page = q.Page
	}
	start := min((q.Page-1)*q.PerPage, len(links))
	end := min(start+q.PerPage, len(links))
	p.HasNext = end < len(links)
	for _, l := range links[start:end] {
		r, err := s.consoleRow(ctx, items, l)
		if err != nil {
			return ConsolePage{}, err
		}
		p.Rows = append(p.Rows, r)
	}
	return p, nil
}

// itemCache remembers the Items hook's answers during one request, by course and LMS context.
type itemCache map[string]bool

// orphan asks the host whether a link's LMS item is gone. A failing hook is logged and counts as "not gone": the
// console must not call a link an orphan on a guess.
func (s *Service) orphan(ctx context.Context, items itemCache, l store.ControlledLink) bool {
	if s.cfg.Items == nil {
		return false
	}
	key := l.Course + "\x00" + strings.Join(l.Context, "\x00")
	if gone, ok := items[key]; ok {
		return gone
	}
	exists, err := s.cfg.Items.ItemExists(ctx, l.Course, l.Context)
	if err != nil {
		s.log.WarnContext(ctx, "ocrepo: items hook failed", "link", l.ID, "err", err)
		return false
	}
	items[key] = !exists
	return !exists
}

func (s *Service) consoleRow(ctx context.Context, items itemCache, l store.ControlledLink) (ControlledRow, error) {
	shares, err := s.store.ListControlledShares(ctx, l.ID)
	if err != nil {
		return ControlledRow{}, fmt.Errorf("service: shares of controlled link %d: %w", l.ID, err)
	}
	return ControlledRow{Link: l, Shares: shares, Orphan: s.orphan(ctx, items, l)}, nil
}

// ConsoleRow returns one controlled link as the console shows it. course limits it to a course's links ("" for
// any): a link of another course is store.ErrNotFound, so a teacher's page cannot reach other courses' links.
func (s *Service) ConsoleRow(ctx context.Context, course string, id int64) (ControlledRow, error) {
	l, err := s.consoleLink(ctx, course, id)
	if err != nil {
		return ControlledRow{}, err
	}
	return s.consoleRow(ctx, itemCache{}, l)
}

// consoleLink loads a link within a course ("" for any).
func (s *Service) consoleLink(ctx context.Context, course string, id int64) (store.ControlledLink, error) {
	l, err := s.store.GetControlledLink(ctx, id)
	if err != nil {
		return store.ControlledLink{}, fmt.Errorf("service: controlled link %d: %w", id, err)
	}
	if course != "" && l.Course != course {
		return store.ControlledLink{}, fmt.Errorf("service: controlled link %d is not in course %q: %w", id, course, store.ErrNotFound)
	}
	return l, nil
}

// ConsoleRevoke revokes a user's share of a controlled link from the console: the share goes at the cloud (the
// file vanishes from the user's space) and the record stays, marked revoked, so it can be granted again. course
// limits it to one course's links ("" for any). A share revoked before is left as it is (and not audited twice).
// It returns the link's row as it stands afterwards.
func (s *Service) ConsoleRevoke(ctx context.Context, actor host.User, course string, linkID int64, userID string) (ControlledRow, error) {
	if _, err := s.consoleLink(ctx, course, linkID); err != nil {
		return ControlledRow{}, err
	}
	sh, err := s.store.GetControlledShare(ctx, linkID, userID)
	if err != nil {
		return ControlledRow{}, fmt.Errorf("service: share of %s: %w", userID, err)
	}
	if !ShareRevoked(sh) {
		if err := s.RevokeControlledShare(ctx, actor, linkID, userID); err != nil {
			return ControlledRow{}, err
		}
	}
	return s.ConsoleRow(ctx, course, linkID)
}

// ConsoleRegrant shares a controlled link's copy with a user again after a revoke, with the permissions they had
// (read only for a submitted link's owner). When the user's own login to the cloud is at hand the file is moved
// straight back into their controlled-link folder; otherwise it stays where the cloud put it and the user's next
// "add to my cloud" or "edit" moves it. course limits it to one course's links ("" for any). A share that was
// never revoked is left as it is. It returns the link's row as it stands afterwards.
func (s *Service) ConsoleRegrant(ctx context.Context, actor host.User, course string, linkID int64, userID string) (ControlledRow, error) {
	l, err := s.consoleLink(ctx, course, linkID)
	if err != nil {
		return ControlledRow{}, err
	}
	sh, err := s.store.GetControlledShare(ctx, linkID, userID)
	if err != nil {
		return ControlledRow{}, fmt.Errorf("service: share of %s: %w", userID, err)
	}
	if ShareRevoked(sh) {
		if err := s.RegrantControlledShare(ctx, actor, linkID, userID); err != nil {
			return ControlledRow{}, err
		}
		s.placeRegranted(ctx, l, userID)
	}
	return s.ConsoleRow(ctx, course, linkID)
}

// placeRegranted moves a share granted again into the user's controlled-link folder with the user's own login,
// when they have one for the same cloud account. Failing is no error: the share stands, only elsewhere.
func (s *Service) placeRegranted(ctx context.Context, l store.ControlledLink, userID string) {
	sh, err := s.store.GetControlledShare(ctx, l.ID, userID)
	if err != nil {
		s.log.WarnContext(ctx, "ocrepo: share granted again, record not read", "link", l.ID, "user", userID, "err", err)
		return
	}
	folder := s.controlledFolder(ctx, l)
	if strings.HasPrefix(sh.Target, folder+"/") {
		return
	}
	vc, vtok, err := s.userConn(ctx, l.IssuerID, userID)
	if errors.Is(err, ErrNotConnected) || errors.Is(err, ErrLoginAgain) {
		return // the user's next open moves it
	}
	if err != nil {
		s.log.WarnContext(ctx, "ocrepo: share granted again, user's login not usable", "link", l.ID, "user", userID, "err", err)
		return
	}
	if !strings.EqualFold(vtok.CloudUser, sh.CloudUser) {
		return // logged in to another account since: that account does not see the share
	}
	target, err := s.placeShare(ctx, vc, l, host.User{ID: userID}, cloud.Share{ID: sh.ShareID}, folder)
	if err != nil {
		s.log.WarnContext(ctx, "ocrepo: share granted again, not moved into the user's folder", "link", l.ID, "user", userID, "err", err)
		return
	}
	sh.Target, sh.Updated = target, s.now().UTC()
	if _, err := s.store.PutControlledShare(ctx, sh); err != nil {
		s.log.WarnContext(ctx, "ocrepo: share granted again, new place not recorded", "link", l.ID, "user", userID, "err", err)
	}
}

// controlledFolder is the folder, in a viewer's cloud, that receives a link's shares: the instance's setting, or
// "LMS files" when the instance is gone or names none.
func (s *Service) controlledFolder(ctx context.Context, l store.ControlledLink) string {
	name := "LMS files"
	if inst, err := s.store.GetInstance(ctx, l.InstanceID); err == nil && inst.ControlledLinkFolder != "" {
		name = inst.ControlledLinkFolder
	}
	return "/" + safeName(name)
}

// ShareRevoked reports whether a share handed out for a controlled link was revoked.
func ShareRevoked(sh store.ControlledShare) bool { return sh.ShareID == "" }

// ShareEdits reports whether a share lets its holder change the file (read-only shares do not).
func ShareEdits(sh store.ControlledShare) bool { return sh.Permissions&cloud.PermUpdate != 0 }
