package cloudtest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Share permission bits, as the OCS share API numbers them.
const (
	permRead   = 1
	permUpdate = 2
	permCreate = 4
	permDelete = 8
	permShare  = 16
	permAll    = 31
)

// content is the immutable body of a file. Writes replace it whole, so a COPY can share it.
type content interface {
	Size() int64
	ReadAt(p []byte, off int64) (int, error)
}

// bytesContent is a file held in memory.
type bytesContent []byte

func (b bytesContent) Size() int64 { return int64(len(b)) }

func (b bytesContent) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// generatedContent is a file of a given size whose bytes follow GeneratedByte; it costs no memory.
type generatedContent struct{ size int64 }

func (g generatedContent) Size() int64 { return g.size }

func (g generatedContent) ReadAt(p []byte, off int64) (int, error) {
	if off >= g.size {
		return 0, io.EOF
	}
	want := len(p)
	if rest := g.size - off; int64(want) > rest {
		want = int(rest)
	}
	// The pattern has a period of 256 bytes: fill one period, then copy it along.
	var period [256]byte
	for i := range period {
		period[i] = GeneratedByte(off + int64(i))
	}
	for n := 0; n < want; {
		n += copy(p[n:want], period[:])
	}
	if want < len(p) {
		return want, io.EOF
	}
	return want, nil
}

// GeneratedByte is the byte at offset off of every file seeded with SeedGeneratedFile.
func GeneratedByte(off int64) byte { return byte(off*31 + 7) }

// node is a file or folder in the shared tree, or (mount != nil) the place where a received share appears in
// the recipient's space.
type node struct {
	name     string
	parent   *node // nil for a home folder
	dir      bool
	children map[string]*node
	data     content
	size     int64 // files: content size; folders: the sum of the files below (received shares excluded)
	mtime    time.Time
	id       int64
	etag     string
	owner    string
	mount    *share // set on mount points only; the other fields then describe nothing
	removed  bool
	props    map[xmlName]string // custom dead properties set by PROPPATCH (inner XML)
}

// xmlName is a namespace-qualified property name.
type xmlName struct{ Space, Local string }

// resolved is where a user-visible path leads.
type resolved struct {
	n         *node  // the real node (never a mount point)
	perm      int    // effective permissions (permAll in one's own space)
	shared    bool   // reached through a received share (or a public link)
	mountRoot *node  // the mount point when the path is exactly a received share
	share     *share // the innermost share traversed
	path      string // the cleaned path, "/" for the root
}

// errNotDir is returned when a path runs through a file.
var errNotDir = errors.New("cloudtest: not a directory")

// cleanPath makes a slash-rooted clean path.
func cleanPath(p string) string {
	if p == "" || p[0] != '/' {
		p = "/" + p
	}
	return path.Clean(p)
}

// splitPath returns the components of a clean path.
func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// resolveLocked walks p from root with the permissions rootPerm. The caller holds s.mu.
func (s *Server) resolveLocked(root *node, rootPerm int, rootShared bool, p string) (resolved, error) {
	p = cleanPath(p)
	r := resolved{n: root, perm: rootPerm, shared: rootShared, path: p}
	if root == nil || root.removed {
		return r, fs.ErrNotExist
	}
	now := s.now()
	for _, c := range splitPath(p) {
		if !r.n.dir {
			return r, errNotDir
		}
		child := r.n.children[c]
		if child == nil {
			return r, fs.ErrNotExist
		}
		r.mountRoot = nil
		if child.mount != nil {
			sh := child.mount
			if !sh.live(now) {
				return r, fs.ErrNotExist
			}
			r.perm &= sh.perms
			r.shared = true
			r.share = sh
			r.mountRoot = child
			child = sh.node
		}
		r.n = child
	}
	return r, nil
}

// parentOf resolves the folder that would hold p and returns the base name.
func (s *Server) parentOfLocked(root *node, rootPerm int, rootShared bool, p string) (resolved, string, error) {
	p = cleanPath(p)
	if p == "/" {
		return resolved{}, "", fs.ErrPermission
	}
	dir, name := path.Split(p)
	r, err := s.resolveLocked(root, rootPerm, rootShared, dir)
	if err != nil {
		return r, name, err
	}
	if !r.n.dir {
		return r, name, errNotDir
	}
	return r, name, nil
}

func (s *Server) newIDLocked() int64 {
	s.nextID++
	return s.nextID
}

func (s *Server) newETagLocked() string {
	s.etagSeq++
	return strconv.FormatUint(s.etagBase+s.etagSeq, 16)
}

// touchLocked records a change below n: sizes grow by delta and every folder up to the home gets a new etag.
func (s *Server) touchLocked(n *node, delta int64) {
	for x := n; x != nil; x = x.parent {
		if x.dir {
			x.size += delta
		}
		x.etag = s.newETagLocked()
	}
}

// newDirLocked creates a folder named name in parent (which must be a real folder).
func (s *Server) newDirLocked(parent *node, name string) *node {
	now := s.now()
	d := &node{
		name: name, parent: parent, dir: true, children: map[string]*node{},
		mtime: now, id: s.newIDLocked(), etag: s.newETagLocked(), owner: parent.owner,
	}
	parent.children[name] = d
	parent.mtime = now
	s.touchLocked(parent, 0)
	return d
}

// putFileLocked creates or replaces the file name in parent. An existing file keeps its id (and its shares).
func (s *Server) putFileLocked(parent *node, name string, c content, id int64, etag string) *node {
	now := s.now()
	if f := parent.children[name]; f != nil && !f.dir && f.mount == nil {
		delta := c.Size() - f.size
		f.data, f.size, f.mtime = c, c.Size(), now
		if etag == "" {
			etag = s.newETagLocked()
		}
		f.etag = etag
		s.touchLocked(parent, delta)
		return f
	}
	if id == 0 {
		id = s.newIDLocked()
	}
	if etag == "" {
		etag = s.newETagLocked()
	}
	f := &node{name: name, parent: parent, data: c, size: c.Size(), mtime: now, id: id, etag: etag, owner: parent.owner}
	parent.children[name] = f
	parent.mtime = now
	s.touchLocked(parent, f.size)
	return f
}

// detachLocked unlinks n (a real node or a mount point) from its parent, keeping sizes and etags right.
func (s *Server) detachLocked(n *node) {
	p := n.parent
	if p == nil {
		return
	}
	delete(p.children, n.name)
	p.mtime = s.now()
	var delta int64
	if n.mount == nil {
		delta = -n.size
	}
	s.touchLocked(p, delta)
	n.parent = nil
}

// attachLocked links n into parent under name.
func (s *Server) attachLocked(n *node, parent *node, name string) {
	n.name = name
	n.parent = parent
	parent.children[name] = n
	parent.mtime = s.now()
	var delta int64
	if n.mount == nil {
		delta = n.size
	}
	s.touchLocked(parent, delta)
}

// removeLocked deletes n and everything below it, and every share of what it removes; mount points below it
// (received shares) are unshared.
func (s *Server) removeLocked(n *node) {
	s.detachLocked(n)
	var walk func(x *node)
	walk = func(x *node) {
		x.removed = true
		if x.mount != nil {
			s.dropShareLocked(x.mount)
			return
		}
		for _, c := range x.children {
			walk(c)
		}
	}
	walk(n)
	for _, sh := range s.shares {
		if sh.node.removed {
			s.dropShareLocked(sh)
		}
	}
}

// within reports whether n is d or lies below d in the real tree.
func within(n, d *node) bool {
	for x := n; x != nil; x = x.parent {
		if x == d {
			return true
		}
	}
	return false
}

// pathOf is the path of n in its owner's space (or, for a mount point, in the recipient's space).
func pathOf(n *node) string {
	var parts []string
	for x := n; x != nil && x.parent != nil; x = x.parent {
		parts = append(parts, x.name)
	}
	if len(parts) == 0 {
		return "/"
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(parts[i])
	}
	return b.String()
}

// uniqueNameLocked returns name, or "name (2).ext", "name (3).ext"... whichever is free in dir.
func uniqueNameLocked(dir *node, name string, isDir bool) string {
	if dir.children[name] == nil {
		return name
	}
	stem, ext := name, ""
	if !isDir {
		if e := path.Ext(name); e != "" && e != name {
			stem, ext = strings.TrimSuffix(name, e), e
		}
	}
	for i := 2; ; i++ {
		c := fmt.Sprintf("%s (%d)%s", stem, i, ext)
		if dir.children[c] == nil {
			return c
		}
	}
}

// info is a snapshot of what a path shows, taken under the lock so that it can be used without it.
type info struct {
	name       string
	dir        bool
	size       int64
	mtime      time.Time
	etag       string // without quotes
	id         int64
	ctype      string
	perms      string // oc:permissions letters
	owner      string
	ownerName  string
	hasPreview bool
	props      map[xmlName]string
}

// infoLocked snapshots a resolved path; name is what the entry is called there.
func (s *Server) infoLocked(r resolved, name string) info {
	n := r.n
	in := info{
		name: name, dir: n.dir, size: n.size, mtime: n.mtime, etag: n.etag, id: n.id,
		owner: n.owner, perms: permLetters(n.dir, r.perm, r.shared, r.mountRoot != nil),
	}
	if u := s.users[n.owner]; u != nil {
		in.ownerName = u.displayName
	}
	if n.dir {
		in.ctype = "httpd/unix-directory"
	} else {
		in.ctype = mimeType(name)
		in.hasPreview = hasPreview(in.ctype)
	}
	if len(n.props) > 0 {
		in.props = make(map[xmlName]string, len(n.props))
		for k, v := range n.props {
			in.props[k] = v
		}
	}
	return in
}

// permLetters renders oc:permissions the way Nextcloud does: S shared, R shareable, M mounted, G readable,
// D deletable, N renameable, V movable, W writable (files), C and K create (folders).
func permLetters(dir bool, perm int, shared, mountRoot bool) string {
	var b strings.Builder
	if shared {
		b.WriteByte('S')
	}
	if perm&permShare != 0 {
		b.WriteByte('R')
	}
	if shared {
		b.WriteByte('M')
	}
	if perm&permRead != 0 {
		b.WriteByte('G')
	}
	if perm&permDelete != 0 || mountRoot {
		b.WriteByte('D')
	}
	if perm&permUpdate != 0 {
		b.WriteString("NV")
	}
	if dir {
		if perm&permCreate != 0 {
			b.WriteString("CK")
		}
	} else if perm&permUpdate != 0 {
		b.WriteByte('W')
	}
	return b.String()
}

// childrenLocked lists a folder as its viewer sees it, sorted by name. Expired received shares are hidden.
func (s *Server) childrenLocked(r resolved) []info {
	now := s.now()
	out := make([]info, 0, len(r.n.children))
	for name, c := range r.n.children {
		cr := resolved{n: c, perm: r.perm, shared: r.shared, share: r.share}
		if c.mount != nil {
			if !c.mount.live(now) {
				continue
			}
			cr = resolved{n: c.mount.node, perm: r.perm & c.mount.perms, shared: true, share: c.mount, mountRoot: c}
		}
		out = append(out, s.infoLocked(cr, name))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// mimeType guesses a content type from a file name, with a fixed table so that every machine agrees.
func mimeType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".txt", ".log":
		return "text/plain"
	case ".md":
		return "text/markdown"
	case ".csv":
		return "text/csv"
	case ".html", ".htm":
		return "text/html"
	case ".json":
		return "application/json"
	case ".xml":
		return "application/xml"
	case ".pdf":
		return "application/pdf"
	case ".zip":
		return "application/zip"
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".gif":
		return "image/gif"
	case ".webp":
		return "image/webp"
	case ".svg":
		return "image/svg+xml"
	case ".mp3":
		return "audio/mpeg"
	case ".mp4":
		return "video/mp4"
	case ".odt":
		return "application/vnd.oasis.opendocument.text"
	case ".ods":
		return "application/vnd.oasis.opendocument.spreadsheet"
	case ".odp":
		return "application/vnd.oasis.opendocument.presentation"
	case ".docx":
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	case ".xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case ".pptx":
		return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	}
	return "application/octet-stream"
}

// hasPreview is whether Nextcloud would offer a preview for a content type.
func hasPreview(ctype string) bool {
	switch ctype {
	case "image/png", "image/jpeg", "image/gif", "image/webp", "text/plain", "text/markdown", "application/pdf":
		return true
	}
	return false
}

// isNotExist reports a missing path (or one that runs through a file).
func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotDir)
}

// pathErr wraps err the way the os package does, so x/net/webdav classifies it.
func pathErr(op, name string, err error) error {
	if errors.Is(err, errNotDir) {
		err = fs.ErrNotExist
	}
	return &os.PathError{Op: op, Path: name, Err: err}
}
