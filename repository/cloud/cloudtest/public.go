package cloudtest

import (
	"archive/zip"
	"crypto/subtle"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

// publicCookie is the cookie that remembers a password-protected link was unlocked.
const publicCookie = "oc_sharePassword"

// servePublic serves public links: index.php/s/{token}[/download|/authenticate], public.php/dav/files/{token}/
// and public.php/webdav/ (Basic auth with the token as user).
func (s *Server) servePublic(w http.ResponseWriter, r *http.Request, rel string) {
	switch {
	case strings.HasPrefix(rel, "index.php/s/"):
		token, action, _ := strings.Cut(strings.TrimPrefix(rel, "index.php/s/"), "/")
		s.servePublicPage(w, r, token, action)
	case strings.HasPrefix(rel, "public.php/dav/files/"):
		token, _, _ := strings.Cut(strings.TrimPrefix(rel, "public.php/dav/files/"), "/")
		sh := s.publicShare(token)
		if sh == nil {
			s.sabreError(w, http.StatusNotFound, "NotFound", "Share not found")
			return
		}
		if !s.publicUnlocked(r, sh, token) {
			reason := reasonNoBasic
			if _, _, ok := r.BasicAuth(); ok {
				reason = reasonBadBasic
			}
			w.Header().Set("WWW-Authenticate", `Basic realm="`+s.productName()+`"`)
			s.sabreError(w, http.StatusUnauthorized, "NotAuthenticated", reason)
			return
		}
		s.davServe(w, r, &davFS{s: s, share: sh}, s.base+"public.php/dav/files/"+token, "p:"+token)
	default:
		login, _, ok := r.BasicAuth()
		var sh *share
		if ok {
			sh = s.publicShare(login)
		}
		if sh == nil || !s.publicUnlocked(r, sh, login) {
			w.Header().Set("WWW-Authenticate", `Basic realm="`+s.productName()+`"`)
			s.sabreError(w, http.StatusUnauthorized, "NotAuthenticated", reasonNoPublic)
			return
		}
		s.davServe(w, r, &davFS{s: s, share: sh}, s.base+"public.php/webdav", "p:"+login)
	}
}

// publicShare finds a live public link by token.
func (s *Server) publicShare(token string) *share {
	if token == "" {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	now := s.now()
	for _, sh := range s.shares {
		if sh.typ == shareTypePublic && subtle.ConstantTimeCompare([]byte(sh.token), []byte(token)) == 1 && sh.live(now) {
			return sh
		}
	}
	return nil
}

// publicUnlocked reports whether a request may read a link: no password, the password as Basic auth
// (any user name), or the cookie of an earlier unlock.
func (s *Server) publicUnlocked(r *http.Request, sh *share, token string) bool {
	s.mu.RLock()
	pw := sh.password
	s.mu.RUnlock()
	if pw == "" {
		return true
	}
	if _, p, ok := r.BasicAuth(); ok && subtle.ConstantTimeCompare([]byte(p), []byte(pw)) == 1 {
		return true
	}
	if c, err := r.Cookie(publicCookie); err == nil {
		s.authMu.Lock()
		defer s.authMu.Unlock()
		return s.publicAuth[c.Value] == token
	}
	return false
}

// servePublicPage is the link's HTML page, its download and its password form.
func (s *Server) servePublicPage(w http.ResponseWriter, r *http.Request, token, action string) {
	sh := s.publicShare(token)
	if sh == nil {
		s.htmlPage(w, http.StatusNotFound, "Share not found", "This share does not exist or is no longer available.")
		return
	}
	pageURL := s.URL + "index.php/s/" + token
	switch action {
	case "authenticate":
		if r.Method != http.MethodPost {
			http.Redirect(w, r, pageURL, http.StatusSeeOther)
			return
		}
		if err := r.ParseForm(); err != nil {
			s.htmlPage(w, http.StatusBadRequest, "Bad request", "The form could not be read.")
			return
		}
		s.mu.RLock()
		pw := sh.password
		s.mu.RUnlock()
		if pw == "" || subtle.ConstantTimeCompare([]byte(r.PostForm.Get("password")), []byte(pw)) != 1 {
			s.render(w, http.StatusForbidden, "publicpassword", struct{ Title, Product, Action, Error string }{
				"Password", s.productName(), pageURL + "/authenticate", "The password is wrong. Try again."})
			return
		}
		session := randomToken(40)
		s.authMu.Lock()
		s.publicAuth[session] = token
		s.authMu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: publicCookie, Value: session, Path: s.base, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		http.Redirect(w, r, pageURL, http.StatusSeeOther)
		return
	case "":
	case "download":
	default:
		s.htmlPage(w, http.StatusNotFound, "File not found", "The specified document has not been found on the server.")
		return
	}
	if !s.publicUnlocked(r, sh, token) {
		if action == "download" {
			http.Redirect(w, r, pageURL, http.StatusSeeOther)
			return
		}
		s.render(w, http.StatusOK, "publicpassword", struct{ Title, Product, Action, Error string }{
			"Password", s.productName(), pageURL + "/authenticate", ""})
		return
	}
	s.mu.RLock()
	n := sh.node
	name, dir, size, owner := n.name, n.dir, n.size, s.displayNameLocked(sh.owner)
	s.mu.RUnlock()
	if action == "" {
		s.render(w, http.StatusOK, "public", struct {
			Title, Product, Name, Owner, Download string
			Dir                                   bool
			Size                                  int64
		}{name, s.productName(), name, owner, pageURL + "/download", dir, size})
		return
	}
	if dir {
		s.serveZip(w, sh)
		return
	}
	if s.flavor.Has(cloud.QuirkPublicDownloadRedirect) {
		http.Redirect(w, r, s.URL+"public.php/dav/files/"+token, http.StatusSeeOther)
		return
	}
	// Older servers serve the bytes here; the WebDAV GET does the same (with Range and etags).
	r2 := r.Clone(r.Context())
	r2.Method = http.MethodGet
	r2.URL.Path = s.base + "public.php/dav/files/" + token
	s.davServe(w, r2, &davFS{s: s, share: sh}, s.base+"public.php/dav/files/"+token, "p:"+token)
}

// zipEntry is one file of a folder download.
type zipEntry struct {
	path  string
	data  content
	mtime time.Time
	dir   bool
}

// serveZip streams a shared folder as a zip archive.
func (s *Server) serveZip(w http.ResponseWriter, sh *share) {
	s.mu.RLock()
	root := sh.node
	var entries []zipEntry
	var walk func(n *node, prefix string, depth int)
	walk = func(n *node, prefix string, depth int) {
		if depth > 64 {
			return
		}
		for _, in := range s.childrenLocked(resolved{n: n, perm: sh.perms, shared: true}) {
			c := n.children[in.name]
			if c.mount != nil {
				c = c.mount.node
			}
			p := prefix + "/" + in.name
			if c.dir {
				entries = append(entries, zipEntry{path: p + "/", mtime: c.mtime, dir: true})
				walk(c, p, depth+1)
				continue
			}
			entries = append(entries, zipEntry{path: p, data: c.data, mtime: c.mtime})
		}
	}
	walk(root, root.name, 0)
	name := root.name
	s.mu.RUnlock()

	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", contentDisposition(name+".zip"))
	w.WriteHeader(http.StatusOK)
	zw := zip.NewWriter(w)
	for _, e := range entries {
		hdr := &zip.FileHeader{Name: e.path, Modified: e.mtime, Method: zip.Store}
		fw, err := zw.CreateHeader(hdr)
		if err != nil {
			return
		}
		if e.dir {
			continue
		}
		if _, err := io.Copy(fw, io.NewSectionReader(e.data, 0, e.data.Size())); err != nil {
			return
		}
	}
	_ = zw.Close()
}
