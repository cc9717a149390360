package service

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
)

// The steps of making an access controlled link, named in errors so the user hears which one failed.
const (
	StepShare   = "share"   // the user shares the file with the system account
	StepFolders = "folders" // the system account creates the folder chain
	StepCopy    = "copy"    // the system account copies the file
	StepRecord  = "record"  // the link is recorded
)

// ErrNoSystemAccount means the issuer has no connected system account, so no controlled links.
var ErrNoSystemAccount = errors.New("service: no system account connected")

// StepError is a controlled-link step that failed; earlier steps were undone where possible.
type StepError struct {
	Step string
	Err  error
}

func (e *StepError) Error() string {
	return "service: controlled link, step " + e.Step + ": " + e.Err.Error()
}

func (e *StepError) Unwrap() error { return e.Err }

// PickControlled makes an access controlled link of each file: the user shares it with the system account,
// which copies it into a folder chain named by the LMS context (creating only the missing levels), and the
// temporary share is removed. The system account finds the share by its id (shared_with_me) and confirms the file
// by its id (a Depth 0 PROPFIND) before it copies anything. That is 5 requests plus one per missing folder level,
// and one PROPFIND more for a path that is not in the user's fresh listing.
func (s *Service) PickControlled(ctx context.Context, u host.User, inst store.Instance, req host.PickRequest, paths []string) (host.PickResult, error) {
	if err := s.checkReturn(ctx, inst, req, host.ReturnControlledLink); err != nil {
		return host.PickResult{}, err
	}
	if len(paths) == 0 {
		return host.PickResult{}, ErrNoFiles
	}
	if len(paths) > 1 && !req.Multiple {
		return host.PickResult{}, ErrTooManyFiles
	}
	user, utok, err := s.userConn(ctx, inst.IssuerID, u.ID)
	if err != nil {
		return host.PickResult{}, err
	}
	sys, stok, err := s.systemConn(ctx, inst.IssuerID)
	if errors.Is(err, ErrNotConnected) || errors.Is(err, ErrLoginAgain) {
		return host.PickResult{}, fmt.Errorf("%w: %w", ErrNoSystemAccount, err)
	}
	if err != nil {
		return host.PickResult{}, err
	}
	acc := NewAcceptor(req)
	var made []store.ControlledLink
	var files []host.PickedFile
	for _, p := range paths {
		p = cleanPath(p)
		e, err := s.checkPicked(ctx, user, inst.IssuerID, u.ID, utok.CloudUser, acc, p)
		if err != nil {
			for _, m := range made {
				s.dropControlled(ctx, sys, m)
			}
			return host.PickResult{}, err
		}
		l, err := s.makeControlled(ctx, u, inst, req, user, utok, sys, stok, p, e)
		if err != nil {
			for _, m := range made {
				s.dropControlled(ctx, sys, m)
			}
			return host.PickResult{}, err
		}
		made = append(made, l)
		files = append(files, host.PickedFile{Name: l.Name, ContentType: l.ContentType, Size: l.Size,
			ControlledLinkID: l.ID, ControlledURL: s.controlledURL(l.ID)})
	}
	res, err := s.savePick(ctx, u, inst, req, host.ReturnControlledLink, files)
	if err == nil {
		s.countControlled(controlledCreated, len(made))
	}
	return res, err
}

func (s *Service) controlledURL(id int64) string {
	if s.cfg.LinkURL == nil {
		return ""
	}
	return s.cfg.LinkURL(id)
}

// makeControlled makes one access controlled link of the file at p. listed is the file's entry from the listing
// the user picked it in (zero when not at hand): its size and type go into the record, so the link's page can
// show them without asking the cloud.
func (s *Service) makeControlled(ctx context.Context, u host.User, inst store.Instance, req host.PickRequest,
	user *cloud.Conn, utok store.Token, sys *cloud.Conn, stok store.Token, p string, listed cloud.Entry) (store.ControlledLink, error) {
	name := path.Base(p)
	// 1. The user shares the file with the system account, read only.
	sh, err := user.CreateShare(ctx, cloud.ShareRequest{Path: p, ShareType: cloud.ShareUser, ShareWith: stok.CloudUser, Permissions: cloud.PermRead})
	if errors.Is(err, cloud.ErrAlreadyShared) {
		sh, err = s.findUserShare(ctx, user, p, stok.CloudUser)
	}
	if err != nil {
		return store.ControlledLink{}, &StepError{Step: StepShare, Err: err}
	}
	unshare := func() {
		if err := user.DeleteShare(context.WithoutCancel(ctx), sh.ID); err != nil && !errors.Is(err, cloud.ErrNotFound) {
			s.log.WarnContext(ctx, "ocrepo: temporary share to the system account not removed", "share", sh.ID, "err", err)
		}
	}
	// 2. The system account finds the share by its id and confirms the file by its id: the create reply's
	// file_target is only the name asked for, and may be a file of the system account's own.
	src, err := s.receivedShare(ctx, sys, sh.ID, listed.FileID)
	if err != nil {
		unshare()
		return store.ControlledLink{}, &StepError{Step: StepShare, Err: err}
	}
	// 3. The system account makes the folder chain.
	chain := s.chainFor(inst, req)
	created, err := s.ensureChain(ctx, sys, inst.IssuerID, chain)
	if err != nil {
		unshare()
		return store.ControlledLink{}, &StepError{Step: StepFolders, Err: err}
	}
	undoFolders := func() {
		if created != "" {
			if err := sys.Delete(context.WithoutCancel(ctx), created); err != nil {
				s.log.WarnContext(ctx, "ocrepo: folder made for a failed controlled link not removed", "path", created, "err", err)
			}
		}
	}
	// 4. The system account copies the file from where the share is mounted into the chain.
	dst, err := s.copyFree(ctx, sys, src, chain, name)
	if err != nil {
		undoFolders()
		unshare()
		return store.ControlledLink{}, &StepError{Step: StepCopy, Err: err}
	}
	// 5. The temporary share goes (a failure here is only a warning: the copy is made).
	unshare()
	contentType := listed.ContentType
	if contentType == "" {
		contentType = sh.MimeType
	}
	l, err := s.store.CreateControlledLink(ctx, store.ControlledLink{
		InstanceID: inst.ID, IssuerID: inst.IssuerID, Course: req.Course, Context: req.Context, OwnerUserID: u.ID,
		OwnerCloud: utok.CloudUser, OriginalPath: p, SystemPath: dst, Name: path.Base(dst), ContentType: contentType,
		Size: listed.Size, Created: s.now().UTC(), Updated: s.now().UTC(),
	})
	if err != nil {
		if derr := sys.Delete(context.WithoutCancel(ctx), dst); derr != nil {
			s.log.WarnContext(ctx, "ocrepo: copy of a failed controlled link not removed", "path", dst, "err", derr)
		}
		undoFolders()
		return store.ControlledLink{}, &StepError{Step: StepRecord, Err: err}
	}
	return l, nil
}

// findUserShare finds the user share of p with a recipient (the older servers' answer to a repeated share).
func (s *Service) findUserShare(ctx context.Context, c *cloud.Conn, p, with string) (cloud.Share, error) {
	shares, err := c.SharesOf(ctx, p)
	if err != nil {
		return cloud.Share{}, err
	}
	for _, sh := range shares {
		if sh.ShareType == cloud.ShareUser && strings.EqualFold(sh.ShareWith, with) {
			return sh, nil
		}
	}
	return cloud.Share{}, fmt.Errorf("the cloud says the file is already shared with %s, but lists no such share: %w", with, cloud.ErrNotFound)
}

// chainFor is the system account's folder chain for a pick: the instance's folder, then one level per LMS
// context item.
func (s *Service) chainFor(inst store.Instance, req host.PickRequest) []string {
	root := safeName(inst.ControlledLinkFolder)
	chain := []string{root}
	for _, c := range req.Context {
		chain = append(chain, safeName(c))
	}
	return chain
}

// safeName makes one path segment of an LMS context item: no slashes, no leading dots, at most 80 characters.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '/' || r == '\\':
			return '-'
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
	s = strings.TrimLeft(strings.TrimSpace(s), ".")
	for utf8.RuneCountInString(s) > 80 {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "_"
	}
	return s
}

// ensureChain creates the missing levels of chain in the system account's space. Levels that earlier controlled
// links of this issuer already live under are known to exist and cost nothing; the rest are made top-down (405,
// "exists", is fine). It returns the topmost folder it created ("" when none), so a failure later can remove it.
func (s *Service) ensureChain(ctx context.Context, sys *cloud.Conn, issuerID int64, chain []string) (string, error) {
	known, err := s.knownDepth(ctx, issuerID, chain)
	if err != nil {
		return "", err
	}
	created, restarted := "", false
	for i := known; i < len(chain); i++ {
		dir := "/" + strings.Join(chain[:i+1], "/")
		err := sys.Mkcol(ctx, dir)
		switch {
		case err == nil:
			if created == "" {
				created = dir
			}
		case errors.Is(err, cloud.ErrAlreadyExists):
		case errors.Is(err, cloud.ErrConflict) && i > 0 && !restarted:
			// What the records promised is gone (someone removed folders): build from the top.
			restarted, i = true, -1
		default:
			return created, fmt.Errorf("create folder %q: %w", dir, err)
		}
	}
	return created, nil
}

// knownDepth is how many leading levels of chain are known to exist because a recorded controlled link lives
// under them.
func (s *Service) knownDepth(ctx context.Context, issuerID int64, chain []string) (int, error) {
	links, err := s.store.ListControlledLinks(ctx, store.ControlledLinkFilter{IssuerID: issuerID})
	if err != nil {
		return 0, fmt.Errorf("read controlled links: %w", err)
	}
	best := 0
	for _, l := range links {
		parts := strings.Split(strings.Trim(path.Dir(l.SystemPath), "/"), "/")
		n := 0
		for n < len(parts) && n < len(chain) && parts[n] == chain[n] {
			n++
		}
		best = max(best, n)
		if best == len(chain) {
			break
		}
	}
	return best, nil
}

// copyFree copies src into dir under name, or "name (1).ext", "name (2).ext" when taken.
func (s *Service) copyFree(ctx context.Context, c *cloud.Conn, src string, chain []string, name string) (string, error) {
	dir := "/" + strings.Join(chain, "/")
	for i := 0; i < 20; i++ {
		dst := dir + "/" + numbered(name, i)
		err := c.Copy(ctx, src, dst, false)
		if err == nil {
			return dst, nil
		}
		if !errors.Is(err, cloud.ErrPreconditionFailed) {
			return "", err
		}
	}
	return "", fmt.Errorf("no free name for %q in %q after 20 tries: %w", name, dir, cloud.ErrPreconditionFailed)
}

// numbered is name with " (n)" before the extension; n == 0 is name itself.
func numbered(name string, n int) string {
	if n == 0 {
		return name
	}
	ext := path.Ext(name)
	if ext == name {
		ext = ""
	}
	return fmt.Sprintf("%s (%d)%s", strings.TrimSuffix(name, ext), n, ext)
}

// dropControlled removes a controlled link made earlier in a batch that failed later.
func (s *Service) dropControlled(ctx context.Context, sys *cloud.Conn, l store.ControlledLink) {
	ctx = context.WithoutCancel(ctx)
	if err := sys.Delete(ctx, l.SystemPath); err != nil && !errors.Is(err, cloud.ErrNotFound) {
		s.log.WarnContext(ctx, "ocrepo: copy of a failed batch not removed", "path", l.SystemPath, "err", err)
	}
	if err := s.store.DeleteControlledLink(ctx, l.ID); err != nil {
		s.log.WarnContext(ctx, "ocrepo: record of a failed batch not removed", "link", l.ID, "err", err)
	}
}
