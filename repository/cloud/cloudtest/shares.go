package cloudtest

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

// Share types the server supports.
const (
	shareTypeUser   = 0
	shareTypeGroup  = 1
	shareTypePublic = 3
)

// share is a share as the server holds it.
type share struct {
	id       string
	typ      int
	owner    string // who created it (uid_owner); the file owner is node.owner
	node     *node
	with     string // recipient of a user share
	perms    int
	token    string // public links
	password string
	expires  time.Time // zero: none; otherwise 00:00 UTC of the expiry date
	stime    time.Time
	mount    *node // where a user share appears in the recipient's space
	note     string
	label    string
}

// live reports whether the shared item still exists and the share has not expired.
func (sh *share) live(now time.Time) bool {
	return !sh.node.removed && (sh.expires.IsZero() || now.Before(sh.expires))
}

// ServerShare is a share as the server holds it.
type ServerShare struct {
	ID          string
	Owner       string // who created the share
	ShareType   int
	ShareWith   string
	Path        string // file-owner-relative
	Target      string // recipient-relative (user shares); "/" + name for public links
	Permissions int
	Token       string
	Expiration  time.Time // zero: none
}

// Shares lists all live shares the server holds, by id.
func (s *Server) Shares() []ServerShare {
	s.mu.RLock()
	defer s.mu.RUnlock()
	now := s.now()
	out := make([]ServerShare, 0, len(s.shares))
	for _, sh := range s.sortedSharesLocked() {
		if !sh.live(now) {
			continue
		}
		out = append(out, ServerShare{
			ID: sh.id, Owner: sh.owner, ShareType: sh.typ, ShareWith: sh.with, Path: pathOf(sh.node),
			Target: sh.targetLocked(), Permissions: sh.perms, Token: sh.token, Expiration: sh.expires,
		})
	}
	return out
}

// targetLocked is where the recipient sees the share.
func (sh *share) targetLocked() string {
	if sh.mount != nil && sh.mount.parent != nil {
		return pathOf(sh.mount)
	}
	return "/" + sh.node.name
}

// sortedSharesLocked returns the shares ordered by numeric id.
func (s *Server) sortedSharesLocked() []*share {
	out := make([]*share, 0, len(s.shares))
	for _, sh := range s.shares {
		out = append(out, sh)
	}
	sort.Slice(out, func(i, j int) bool {
		a, _ := strconv.Atoi(out[i].id)
		b, _ := strconv.Atoi(out[j].id)
		return a < b
	})
	return out
}

// dropShareLocked deletes a share and takes it out of the recipient's view.
func (s *Server) dropShareLocked(sh *share) {
	delete(s.shares, sh.id)
	if m := sh.mount; m != nil {
		if m.parent != nil {
			s.detachLocked(m)
		}
		m.removed = true
		sh.mount = nil
	}
}

// mountLocked shows a user share in the recipient's home, under a free name.
func (s *Server) mountLocked(sh *share) {
	home := s.homes[sh.with]
	name := uniqueNameLocked(home, sh.node.name, sh.node.dir)
	m := &node{mount: sh, id: sh.node.id}
	sh.mount = m
	s.attachLocked(m, home, name)
}

// passwordHash is what the API shows of a link password (never the password).
func (s *Server) passwordHash(pw string) string {
	sum := sha256.Sum256([]byte(s.salt + "\x00" + pw))
	return "3|$argon2id$v=19$m=65536,t=4,p=1$" + hex.EncodeToString(sum[:])
}

// serveShares is the OCS share API.
func (s *Server) serveShares(w http.ResponseWriter, r *http.Request, rel string) {
	o := ocsFormat(r)
	uid, ok := s.ocsAuth(w, r, o)
	if !ok {
		return
	}
	rest := rel[len("ocs/v1.php/apps/files_sharing/api/v1/shares"):]
	id := strings.Trim(rest, "/")
	if rest != "" && rest[0] != '/' || strings.Contains(id, "/") {
		s.ocsFail(w, o, ocsNotFound, "Invalid query, please check the syntax.")
		return
	}
	switch {
	case id == "" && r.Method == http.MethodPost:
		s.createShare(w, r, o, uid)
	case id == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		s.listShares(w, r, o, uid)
	case id != "" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		s.getShare(w, o, uid, id)
	case id != "" && r.Method == http.MethodDelete:
		s.deleteShare(w, o, uid, id)
	case id != "" && r.Method == http.MethodPut:
		s.updateShare(w, r, o, uid, id)
	default:
		s.ocsFail(w, o, ocsNotFound, "Invalid query, please check the syntax.")
	}
}

// rateLimited records a share-creating POST and reports whether the user is over the limit.
func (s *Server) rateLimited(uid string) bool {
	if s.opts.ShareLimit <= 0 {
		return false
	}
	s.authMu.Lock()
	defer s.authMu.Unlock()
	now := s.now()
	keep := s.shareCreates[uid][:0]
	for _, t := range s.shareCreates[uid] {
		if now.Sub(t) < s.opts.ShareWindow {
			keep = append(keep, t)
		}
	}
	if len(keep) >= s.opts.ShareLimit {
		s.shareCreates[uid] = keep
		return true
	}
	s.shareCreates[uid] = append(keep, now)
	return false
}

// parseExpireDate reads YYYY-MM-DD; the share expires at 00:00 UTC of that day, which must be in the future.
func (s *Server) parseExpireDate(v string) (time.Time, int, string) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(v))
	if err != nil {
		// Nextcloud also accepts a date with a time; the day counts.
		if t2, err2 := time.Parse("2006-01-02 15:04:05", strings.TrimSpace(v)); err2 == nil {
			t = time.Date(t2.Year(), t2.Month(), t2.Day(), 0, 0, 0, 0, time.UTC)
		} else {
			return time.Time{}, http.StatusNotFound, "Invalid date, date format must be YYYY-MM-DD"
		}
	}
	today := s.now().UTC().Truncate(24 * time.Hour)
	if !t.After(today) {
		return time.Time{}, http.StatusNotFound, "Expiration date is in the past"
	}
	return t, 0, ""
}

// normalisePerms applies the server's permission rules: read always, never create or delete on a file.
func normalisePerms(perms int, dir bool) int {
	if perms&permRead == 0 && perms&permCreate == 0 {
		perms |= permRead
	}
	if !dir {
		perms &^= permCreate | permDelete
	}
	return perms
}

// createShare is POST shares.
func (s *Server) createShare(w http.ResponseWriter, r *http.Request, o ocsRequest, uid string) {
	if s.rateLimited(uid) {
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.ocsFail(w, o, 400, "The request body could not be read")
		return
	}
	f := r.Form
	perms := -1
	if v := f.Get("permissions"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil {
			s.ocsFail(w, o, 404, "Invalid permissions")
			return
		}
		perms = p
	}
	shareType := -1
	if v := f.Get("shareType"); v != "" {
		t, err := strconv.Atoi(v)
		if err == nil {
			shareType = t
		}
	}
	if perms == -1 {
		perms = permAll
		if shareType == shareTypePublic || shareType == 4 {
			perms = permRead
		}
	}
	if !f.Has("path") {
		s.ocsFail(w, o, 404, "Please specify a file or folder path")
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	r0, err := s.resolveLocked(s.homes[uid], permAll, false, f.Get("path"))
	if err != nil || cleanPath(f.Get("path")) == "/" {
		s.ocsFail(w, o, 404, "Wrong path, file/folder does not exist")
		return
	}
	n := r0.n
	if perms < 0 || perms > permAll {
		s.ocsFail(w, o, 404, "Invalid permissions")
		return
	}
	perms = normalisePerms(perms, n.dir)
	if r0.perm&permShare == 0 {
		s.ocsFail(w, o, 404, "You are not allowed to share "+n.name)
		return
	}
	var expires time.Time
	if v := f.Get("expireDate"); v != "" {
		t, code, msg := s.parseExpireDate(v)
		if code != 0 {
			s.ocsFail(w, o, code, msg)
			return
		}
		expires = t
	}
	sh := &share{owner: uid, node: n, typ: shareType, expires: expires, stime: now,
		note: f.Get("note"), label: f.Get("label")}
	switch shareType {
	case shareTypeUser:
		with := f.Get("shareWith")
		if with == "" || !s.userExistsLocked(with) {
			msg := "Please specify a valid account to share with"
			if !s.flavor.Has(cloud.QuirkShareeWordsAccount) {
				msg = "Please specify a valid user"
			}
			s.ocsFail(w, o, 404, msg)
			return
		}
		if with == uid {
			s.ocsFail(w, o, 403, "Cannot share with yourself")
			return
		}
		if with == n.owner {
			s.ocsFail(w, o, 403, "Cannot share with the share owner")
			return
		}
		for _, ex := range s.sortedSharesLocked() {
			if ex.typ == shareTypeUser && ex.node == n && ex.with == with && ex.live(now) {
				if s.flavor.Has(cloud.QuirkRepeatedShareReturnsExisting) {
					s.ocsOK(w, o, s.formatShareLocked(ex, uid))
					return
				}
				s.ocsFail(w, o, 403, "Path is already shared with this user")
				return
			}
		}
		if perms&^r0.perm != 0 {
			s.ocsFail(w, o, 404, "Cannot increase permissions of "+pathOf(n))
			return
		}
		sh.with, sh.perms = with, perms
	case shareTypePublic:
		if f.Get("publicUpload") == "true" {
			if !n.dir {
				s.ocsFail(w, o, 404, "Public upload is only possible for publicly shared folders")
				return
			}
			perms = permRead | permCreate | permUpdate | permDelete
		}
		if s.flavor.Has(cloud.QuirkPublicLinksReshare) {
			perms |= permShare
		}
		sh.perms = perms & r0.perm
		sh.token = randomToken(15)
		sh.password = f.Get("password")
	case shareTypeGroup:
		s.ocsFail(w, o, 404, "Group sharing is disabled by the administrator")
		return
	case 4, 6, 7, 10:
		s.ocsFail(w, o, 403, "Sharing "+pathOf(n)+" failed because the back end does not allow shares from type "+strconv.Itoa(shareType))
		return
	default:
		s.ocsFail(w, o, 400, "Unknown share type")
		return
	}
	s.shareSeq++
	sh.id = strconv.Itoa(s.shareSeq)
	s.shares[sh.id] = sh
	reply := s.formatShareLocked(sh, uid)
	if sh.typ == shareTypeUser {
		s.mountLocked(sh)
		// Nextcloud answers with the target it asked for, "/" + name, even when the recipient already has a
		// file of that name and the share is mounted as "name (2).ext": the reply is not an address.
		reply.set("file_target", "/"+n.name)
	}
	s.ocsOK(w, o, reply)
}

// viewerPathLocked is where viewer sees n: in their own space, or inside a share they received.
func (s *Server) viewerPathLocked(viewer string, n *node) string {
	if n.owner == viewer {
		return pathOf(n)
	}
	now := s.now()
	for _, sh := range s.sortedSharesLocked() {
		if sh.typ == shareTypeUser && sh.with == viewer && sh.mount != nil && sh.live(now) && within(n, sh.node) {
			return pathOf(sh.mount) + strings.TrimPrefix(pathOf(n), pathOf(sh.node))
		}
	}
	return pathOf(n)
}

// canSeeShare reports whether viewer may read a share: its creator, the file owner and the recipient.
func canSeeShare(sh *share, viewer string) bool {
	return sh.owner == viewer || sh.node.owner == viewer || (sh.typ == shareTypeUser && sh.with == viewer)
}

// formatShareLocked renders a share as the API does, from viewer's point of view.
func (s *Server) formatShareLocked(sh *share, viewer string) obj {
	n := sh.node
	var expiration any
	if !sh.expires.IsZero() {
		expiration = sh.expires.Format("2006-01-02") + " 00:00:00"
	}
	itemType, mimetype := "file", mimeType(n.name)
	if n.dir {
		itemType, mimetype = "folder", "httpd/unix-directory"
	}
	var parentID int64
	if n.parent != nil {
		parentID = n.parent.id
	}
	var storage int64
	if h := s.homes[n.owner]; h != nil {
		storage = h.id
	}
	manager := sh.owner == viewer || n.owner == viewer
	out := obj{
		{"id", sh.id},
		{"share_type", sh.typ},
		{"uid_owner", sh.owner},
		{"displayname_owner", s.displayNameLocked(sh.owner)},
		{"permissions", sh.perms},
		{"can_edit", manager},
		{"can_delete", manager || sh.with == viewer},
		{"stime", sh.stime.Unix()},
		{"parent", nil},
		{"expiration", expiration},
		{"token", nil},
		{"uid_file_owner", n.owner},
		{"note", sh.note},
		{"label", sh.label},
		{"displayname_file_owner", s.displayNameLocked(n.owner)},
		{"path", s.viewerPathLocked(viewer, n)},
		{"item_type", itemType},
		{"item_permissions", sh.perms},
		{"mimetype", mimetype},
		{"has_preview", !n.dir && hasPreview(mimetype)},
		{"storage_id", "home::" + n.owner},
		{"storage", storage},
		{"item_source", n.id},
		{"file_source", n.id},
		{"file_parent", parentID},
		{"file_target", sh.targetLocked()},
		{"item_size", n.size},
		{"item_mtime", n.mtime.Unix()},
	}
	switch sh.typ {
	case shareTypeUser:
		out = append(out,
			kv{"share_with", sh.with},
			kv{"share_with_displayname", s.displayNameLocked(sh.with)},
			kv{"share_with_displayname_unique", s.uniqueNameOfLocked(sh.with)},
			kv{"status", list{}},
		)
	case shareTypePublic:
		var pw any
		if sh.password != "" {
			pw = s.passwordHash(sh.password)
		}
		out[10] = kv{"token", sh.token}
		out = append(out,
			kv{"share_with", pw},
			kv{"share_with_displayname", "(Shared link)"},
			kv{"password", pw},
			kv{"send_password_by_talk", false},
			kv{"url", s.URL + "index.php/s/" + sh.token},
		)
	}
	out = append(out, kv{"mail_send", 0}, kv{"hide_download", 0}, kv{"attributes", nil})
	return out
}

func (s *Server) displayNameLocked(uid string) string {
	if u := s.users[uid]; u != nil && u.displayName != "" {
		return u.displayName
	}
	return uid
}

func (s *Server) uniqueNameOfLocked(uid string) string {
	if u := s.users[uid]; u != nil && u.email != "" {
		return u.email
	}
	return uid
}

// listShares is GET shares.
func (s *Server) listShares(w http.ResponseWriter, r *http.Request, o ocsRequest, uid string) {
	q := r.URL.Query()
	s.mu.RLock()
	defer s.mu.RUnlock()
	now := s.now()
	var target *node
	var folder resolved
	if p := q.Get("path"); p != "" {
		res, err := s.resolveLocked(s.homes[uid], permAll, false, p)
		if err != nil {
			s.ocsFail(w, o, 404, "Wrong path, file/folder does not exist")
			return
		}
		target, folder = res.n, res
	}
	sharedWithMe := q.Get("shared_with_me") == "true"
	reshares := q.Get("reshares") == "true"
	subfiles := q.Get("subfiles") == "true"
	if subfiles && (target == nil || !target.dir) {
		s.ocsFail(w, o, 400, "Not a directory")
		return
	}
	out := list{}
	for _, sh := range s.sortedSharesLocked() {
		if !sh.live(now) {
			continue
		}
		var match bool
		switch {
		case sharedWithMe:
			match = sh.typ == shareTypeUser && sh.with == uid && (target == nil || sh.node == target)
		case subfiles:
			match = sh.node.parent == folder.n && (sh.owner == uid || sh.node.owner == uid)
		default:
			mine := sh.owner == uid || (reshares && sh.node.owner == uid)
			match = mine && (target == nil || sh.node == target)
		}
		if match {
			out = append(out, s.formatShareLocked(sh, uid))
		}
	}
	s.ocsOK(w, o, out)
}

// findShareLocked returns a live share viewer may see.
func (s *Server) findShareLocked(id, viewer string) *share {
	sh := s.shares[id]
	if sh == nil || !sh.live(s.now()) || !canSeeShare(sh, viewer) {
		return nil
	}
	return sh
}

// getShare is GET shares/{id}: a list of one.
func (s *Server) getShare(w http.ResponseWriter, o ocsRequest, uid, id string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sh := s.findShareLocked(id, uid)
	if sh == nil {
		s.ocsFail(w, o, 404, "Wrong share ID, share does not exist")
		return
	}
	s.ocsOK(w, o, list{s.formatShareLocked(sh, uid)})
}

// deleteShare is DELETE shares/{id}.
func (s *Server) deleteShare(w http.ResponseWriter, o ocsRequest, uid, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh := s.findShareLocked(id, uid)
	if sh == nil {
		s.ocsFail(w, o, 404, "Wrong share ID, share does not exist")
		return
	}
	s.dropShareLocked(sh)
	s.ocsOK(w, o, list{})
}

// updateShare is PUT shares/{id}.
func (s *Server) updateShare(w http.ResponseWriter, r *http.Request, o ocsRequest, uid, id string) {
	if err := r.ParseForm(); err != nil {
		s.ocsFail(w, o, 400, "The request body could not be read")
		return
	}
	f := r.Form
	s.mu.Lock()
	defer s.mu.Unlock()
	sh := s.findShareLocked(id, uid)
	if sh == nil {
		s.ocsFail(w, o, 404, "Wrong share ID, share does not exist")
		return
	}
	if sh.owner != uid && sh.node.owner != uid {
		s.ocsFail(w, o, 403, "You are not allowed to edit incoming shares")
		return
	}
	known := []string{"permissions", "expireDate", "password", "publicUpload", "note", "label", "hideDownload"}
	given := false
	for _, k := range known {
		given = given || f.Has(k)
	}
	if !given {
		s.ocsFail(w, o, 400, "Wrong or no update parameter given")
		return
	}
	upd := *sh
	if f.Has("permissions") {
		p, err := strconv.Atoi(f.Get("permissions"))
		if err != nil || p < 0 || p > permAll {
			s.ocsFail(w, o, 400, "Invalid permissions")
			return
		}
		p = normalisePerms(p, sh.node.dir)
		if sh.typ == shareTypePublic && s.flavor.Has(cloud.QuirkPublicLinksReshare) {
			p |= permShare
		}
		upd.perms = p
	}
	if f.Has("publicUpload") {
		if sh.typ != shareTypePublic || !sh.node.dir {
			s.ocsFail(w, o, 400, "Public upload is only possible for publicly shared folders")
			return
		}
		if f.Get("publicUpload") == "true" {
			upd.perms = permRead | permCreate | permUpdate | permDelete
		} else {
			upd.perms = permRead
		}
		if s.flavor.Has(cloud.QuirkPublicLinksReshare) {
			upd.perms |= permShare
		}
	}
	if f.Has("expireDate") {
		if v := f.Get("expireDate"); v == "" {
			upd.expires = time.Time{}
		} else {
			t, code, msg := s.parseExpireDate(v)
			if code != 0 {
				s.ocsFail(w, o, 400, msg)
				return
			}
			upd.expires = t
		}
	}
	if f.Has("password") {
		if sh.typ != shareTypePublic {
			s.ocsFail(w, o, 400, "Wrong or no update parameter given")
			return
		}
		upd.password = f.Get("password")
	}
	if f.Has("note") {
		upd.note = f.Get("note")
	}
	if f.Has("label") {
		upd.label = f.Get("label")
	}
	*sh = upd
	s.ocsOK(w, o, s.formatShareLocked(sh, uid))
}
