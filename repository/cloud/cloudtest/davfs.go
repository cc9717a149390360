package cloudtest

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	"golang.org/x/net/webdav"
)

// Namespaces of the properties Nextcloud adds.
const (
	nsDAV = "DAV:"
	nsOC  = "http://owncloud.org/ns"
	nsNC  = "http://nextcloud.org/ns"
)

// ctxKey keys request-scoped values.
type ctxKey int

// propRequestKey carries the properties a PROPFIND asked for.
const propRequestKey ctxKey = 1

// propRequest is what a PROPFIND asked for: everything (allprop, or no body) or a list of names.
type propRequest struct {
	allprop bool
	names   map[xmlName]bool
}

// davFS is one space (a user's home, or a public link's shared node) as x/net/webdav sees it.
type davFS struct {
	s     *Server
	home  string // the user whose home is the root; "" for a public link
	share *share // the public link whose node is the root; nil for a home

	// snapshot, when set (PROPFIND), keeps what Readdir saw so that the Stat and OpenFile calls x/net/webdav
	// makes for every child reuse it: one consistent snapshot, one lookup per entry. Writes clear it.
	snapshot map[string]snapEntry
}

// snapEntry is one remembered child.
type snapEntry struct {
	in   info
	data content
}

// cached returns a remembered entry.
func (d *davFS) cached(name string) (snapEntry, bool) {
	if d.snapshot == nil {
		return snapEntry{}, false
	}
	e, ok := d.snapshot[cleanPath(name)]
	return e, ok
}

// forget drops the snapshot before a write.
func (d *davFS) forget() {
	if d.snapshot != nil {
		clear(d.snapshot)
	}
}

var (
	_ webdav.FileSystem      = (*davFS)(nil)
	_ webdav.File            = (*davFile)(nil)
	_ webdav.DeadPropsHolder = (*davFile)(nil)
	_ webdav.ContentTyper    = fileInfo{}
	_ webdav.ETager          = fileInfo{}
)

// resolveLocked resolves a path of this space. The caller holds s.mu.
func (d *davFS) resolveLocked(name string) (resolved, error) {
	root, perm, shared := d.rootLocked()
	return d.s.resolveLocked(root, perm, shared, name)
}

func (d *davFS) parentLocked(name string) (resolved, string, error) {
	root, perm, shared := d.rootLocked()
	return d.s.parentOfLocked(root, perm, shared, name)
}

func (d *davFS) rootLocked() (*node, int, bool) {
	if d.share != nil {
		if !d.share.live(d.s.now()) {
			return nil, 0, true
		}
		return d.share.node, d.share.perms, true
	}
	return d.s.homes[d.home], permAll, false
}

// rootName is what the root of the space is called.
func (d *davFS) rootName(r resolved) string {
	if d.share != nil {
		return r.n.name
	}
	return ""
}

// Mkdir creates a folder.
func (d *davFS) Mkdir(_ context.Context, name string, _ os.FileMode) error {
	d.forget()
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	parent, base, err := d.parentLocked(name)
	if err != nil {
		return pathErr("mkdir", name, err)
	}
	if parent.n.children[base] != nil {
		return pathErr("mkdir", name, fs.ErrExist)
	}
	if parent.perm&permCreate == 0 {
		return pathErr("mkdir", name, fs.ErrPermission)
	}
	d.s.newDirLocked(parent.n, base)
	return nil
}

// OpenFile opens a file or folder for reading, or a file for writing (the content is replaced on Close).
func (d *davFS) OpenFile(ctx context.Context, name string, flag int, _ os.FileMode) (webdav.File, error) {
	want, _ := ctx.Value(propRequestKey).(*propRequest)
	if flag&(os.O_WRONLY|os.O_RDWR) == 0 {
		if e, ok := d.cached(name); ok {
			return &davFile{fs: d, name: cleanPath(name), in: e.in, data: e.data, want: want}, nil
		}
		d.s.mu.RLock()
		defer d.s.mu.RUnlock()
		r, err := d.resolveLocked(name)
		if err != nil {
			return nil, pathErr("open", name, err)
		}
		f := &davFile{fs: d, name: cleanPath(name), in: d.s.infoLocked(r, d.nameOf(r, name)), want: want}
		if !r.n.dir {
			f.data = r.n.data
		}
		return f, nil
	}

	d.forget()
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	f := &davFile{fs: d, name: cleanPath(name), write: true, want: want, etag: d.s.newETagLocked()}
	r, err := d.resolveLocked(name)
	switch {
	case err == nil:
		if r.n.dir || flag&os.O_EXCL != 0 {
			return nil, pathErr("open", name, fs.ErrExist)
		}
		if r.perm&permUpdate == 0 {
			return nil, pathErr("open", name, fs.ErrPermission)
		}
		f.target = r.n
		f.in = d.s.infoLocked(r, d.nameOf(r, name))
	case isNotExist(err) && flag&os.O_CREATE != 0:
		parent, base, perr := d.parentLocked(name)
		if perr != nil {
			return nil, pathErr("open", name, fs.ErrNotExist)
		}
		if parent.perm&permCreate == 0 {
			return nil, pathErr("open", name, fs.ErrPermission)
		}
		f.parent, f.base, f.id = parent.n, base, d.s.newIDLocked()
		f.in = info{name: base, id: f.id, ctype: mimeType(base), owner: parent.n.owner,
			perms: permLetters(false, parent.perm, parent.shared, false)}
	default:
		return nil, pathErr("open", name, err)
	}
	f.in.size, f.in.mtime, f.in.etag = 0, d.s.now(), f.etag
	return f, nil
}

// nameOf is the name an entry shows: the last path element, or the root's name.
func (d *davFS) nameOf(r resolved, name string) string {
	if cleanPath(name) == "/" {
		return d.rootName(r)
	}
	return path.Base(cleanPath(name))
}

// RemoveAll deletes a file or folder; on a received share it removes the share from the user's view.
func (d *davFS) RemoveAll(_ context.Context, name string) error {
	d.forget()
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	r, err := d.resolveLocked(name)
	if err != nil {
		return pathErr("remove", name, err)
	}
	if cleanPath(name) == "/" {
		return pathErr("remove", name, fs.ErrPermission)
	}
	if r.mountRoot != nil {
		d.s.dropShareLocked(r.mountRoot.mount)
		return nil
	}
	if r.perm&permDelete == 0 {
		return pathErr("remove", name, fs.ErrPermission)
	}
	d.s.removeLocked(r.n)
	return nil
}

// Rename moves a file or folder. A received share moves as a whole, and its target follows.
func (d *davFS) Rename(_ context.Context, oldName, newName string) error {
	d.forget()
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	src, err := d.resolveLocked(oldName)
	if err != nil {
		return pathErr("rename", oldName, err)
	}
	if cleanPath(oldName) == "/" {
		return pathErr("rename", oldName, fs.ErrPermission)
	}
	dst, base, err := d.parentLocked(newName)
	if err != nil {
		return pathErr("rename", newName, err)
	}
	if dst.n.children[base] != nil {
		return pathErr("rename", newName, fs.ErrExist)
	}
	if err := d.s.checkMoveLocked(src, dst); err != nil {
		return pathErr("rename", newName, err)
	}
	moving := src.n
	if src.mountRoot != nil {
		moving = src.mountRoot
	}
	d.s.detachLocked(moving)
	d.s.attachLocked(moving, dst.n, base)
	if moving.mount == nil && moving.owner != dst.n.owner {
		d.s.changeOwnerLocked(moving, dst.n.owner)
	}
	return nil
}

// changeOwnerLocked hands a subtree moved out of a share into another user's space to that user; the shares
// of the moved items end, as they do when Nextcloud moves a file across storages.
func (s *Server) changeOwnerLocked(n *node, owner string) {
	moved := map[*node]bool{}
	var walk func(x *node)
	walk = func(x *node) {
		if x.mount != nil {
			return
		}
		moved[x] = true
		x.owner = owner
		for _, c := range x.children {
			walk(c)
		}
	}
	walk(n)
	for _, sh := range s.shares {
		if moved[sh.node] {
			s.dropShareLocked(sh)
		}
	}
}

// checkMoveLocked applies the permission rules of a move of src into the folder dst.
func (s *Server) checkMoveLocked(src, dst resolved) error {
	if dst.perm&permCreate == 0 {
		return fs.ErrPermission
	}
	if src.mountRoot != nil {
		// A received share moves only within the recipient's own space, never into itself.
		if dst.shared || within(dst.n, src.n) {
			return fs.ErrPermission
		}
		return nil
	}
	if within(dst.n, src.n) {
		return fs.ErrPermission
	}
	if dst.n == src.n.parent {
		if src.perm&permUpdate == 0 {
			return fs.ErrPermission
		}
	} else if src.perm&permDelete == 0 {
		return fs.ErrPermission
	}
	return nil
}

// Stat describes a path.
func (d *davFS) Stat(_ context.Context, name string) (os.FileInfo, error) {
	if e, ok := d.cached(name); ok {
		return fileInfo{e.in}, nil
	}
	d.s.mu.RLock()
	defer d.s.mu.RUnlock()
	r, err := d.resolveLocked(name)
	if err != nil {
		return nil, pathErr("stat", name, err)
	}
	return fileInfo{d.s.infoLocked(r, d.nameOf(r, name))}, nil
}

// fileInfo is an info snapshot as os.FileInfo, with the content type and etag x/net/webdav asks for.
type fileInfo struct{ in info }

func (fi fileInfo) Name() string       { return fi.in.name }
func (fi fileInfo) Size() int64        { return fi.in.size }
func (fi fileInfo) ModTime() time.Time { return fi.in.mtime }
func (fi fileInfo) IsDir() bool        { return fi.in.dir }
func (fi fileInfo) Sys() any           { return nil }

func (fi fileInfo) Mode() fs.FileMode {
	if fi.in.dir {
		return fs.ModeDir | 0o755
	}
	return 0o644
}

// ContentType is the content type from the file name.
func (fi fileInfo) ContentType(context.Context) (string, error) { return fi.in.ctype, nil }

// ETag is the quoted etag.
func (fi fileInfo) ETag(context.Context) (string, error) { return `"` + fi.in.etag + `"`, nil }

// davFile is an open file or folder.
type davFile struct {
	fs   *davFS
	name string
	in   info
	want *propRequest // the PROPFIND's property list, nil outside PROPFIND

	// reading
	data    content
	off     int64
	dirList []os.FileInfo
	dirPos  int
	listed  bool

	// writing: the content is committed on Close
	write  bool
	buf    bytes.Buffer
	src    content // taken whole from another open file (COPY) instead of buf
	target *node   // the existing file being replaced
	parent *node   // or the folder a new file goes into
	base   string
	id     int64
	etag   string
	props  map[xmlName]string
	closed bool
}

// errClosed is returned by a closed file.
var errClosed = errors.New("cloudtest: file closed")

func (f *davFile) Read(p []byte) (int, error) {
	if f.closed {
		return 0, errClosed
	}
	if f.in.dir || f.data == nil {
		return 0, pathErr("read", f.name, errors.New("is a directory or not readable"))
	}
	n, err := f.data.ReadAt(p, f.off)
	f.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

func (f *davFile) Seek(offset int64, whence int) (int64, error) {
	var size int64
	if f.data != nil {
		size = f.data.Size()
	}
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += f.off
	case io.SeekEnd:
		offset += size
	default:
		return 0, fmt.Errorf("cloudtest: seek: bad whence %d", whence)
	}
	if offset < 0 {
		return 0, fmt.Errorf("cloudtest: seek: negative offset")
	}
	f.off = offset
	return offset, nil
}

// Readdir lists a folder (count <= 0: everything that is left).
func (f *davFile) Readdir(count int) ([]os.FileInfo, error) {
	if !f.in.dir {
		return nil, pathErr("readdir", f.name, errNotDir)
	}
	if !f.listed {
		f.fs.s.mu.RLock()
		r, err := f.fs.resolveLocked(f.name)
		if err != nil {
			f.fs.s.mu.RUnlock()
			return nil, pathErr("readdir", f.name, err)
		}
		children := f.fs.s.childrenLocked(r)
		var datas []content
		if f.fs.snapshot != nil {
			datas = make([]content, len(children))
			for i, c := range children {
				if n := r.n.children[c.name]; n != nil && n.mount == nil {
					datas[i] = n.data
				} else if n != nil {
					datas[i] = n.mount.node.data
				}
			}
		}
		f.fs.s.mu.RUnlock()
		f.dirList = make([]os.FileInfo, len(children))
		for i, c := range children {
			f.dirList[i] = fileInfo{c}
			if f.fs.snapshot != nil {
				f.fs.snapshot[path.Join(f.name, c.name)] = snapEntry{in: c, data: datas[i]}
			}
		}
		f.listed = true
	}
	rest := f.dirList[f.dirPos:]
	if count <= 0 {
		f.dirPos = len(f.dirList)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	if count > len(rest) {
		count = len(rest)
	}
	f.dirPos += count
	return rest[:count], nil
}

func (f *davFile) Stat() (os.FileInfo, error) {
	in := f.in
	if f.write {
		if f.src != nil {
			in.size = f.src.Size()
		} else {
			in.size = int64(f.buf.Len())
		}
	}
	return fileInfo{in}, nil
}

func (f *davFile) Write(p []byte) (int, error) {
	if !f.write || f.closed {
		return 0, pathErr("write", f.name, fs.ErrPermission)
	}
	if f.src != nil {
		// Materialise the borrowed content before appending to it.
		if err := f.materialise(); err != nil {
			return 0, err
		}
	}
	return f.buf.Write(p)
}

func (f *davFile) materialise() error {
	src := f.src
	f.src = nil
	_, err := io.Copy(&f.buf, io.NewSectionReader(src, 0, src.Size()))
	return err
}

// ReadFrom takes the content of another open file whole (a COPY shares the immutable content, so copying a
// generated 1 GiB file costs nothing); anything else is buffered.
func (f *davFile) ReadFrom(r io.Reader) (int64, error) {
	if !f.write || f.closed {
		return 0, pathErr("write", f.name, fs.ErrPermission)
	}
	if o, ok := r.(*davFile); ok && !o.write && o.data != nil && o.off == 0 && f.buf.Len() == 0 && f.src == nil {
		f.src = o.data
		o.off = o.data.Size()
		return o.data.Size(), nil
	}
	return f.buf.ReadFrom(r)
}

func (f *davFile) Close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	if !f.write {
		return nil
	}
	var c content = bytesContent(f.buf.Bytes())
	if f.src != nil {
		c = f.src
	}
	s := f.fs.s
	s.mu.Lock()
	defer s.mu.Unlock()
	var n *node
	if f.target != nil {
		if f.target.removed {
			return pathErr("close", f.name, fs.ErrNotExist)
		}
		n = s.putFileLocked(f.target.parent, f.target.name, c, 0, f.etag)
	} else {
		if f.parent.removed {
			return pathErr("close", f.name, fs.ErrNotExist)
		}
		if e := f.parent.children[f.base]; e != nil && (e.dir || e.mount != nil) {
			return pathErr("close", f.name, fs.ErrExist)
		}
		n = s.putFileLocked(f.parent, f.base, c, f.id, f.etag)
	}
	for k, v := range f.props {
		if n.props == nil {
			n.props = map[xmlName]string{}
		}
		n.props[k] = v
	}
	return nil
}

// computedProps are the properties the server computes; PROPPATCH cannot set them.
func computedProp(n xmlName) bool {
	switch n {
	case xmlName{nsOC, "fileid"}, xmlName{nsOC, "id"}, xmlName{nsOC, "permissions"}, xmlName{nsOC, "size"},
		xmlName{nsNC, "has-preview"}, xmlName{nsOC, "owner-id"}, xmlName{nsOC, "owner-display-name"},
		xmlName{nsDAV, "getetag"}, xmlName{nsDAV, "quota-used-bytes"}, xmlName{nsDAV, "quota-available-bytes"}:
		return true
	}
	return false
}

// DeadProps returns the Nextcloud properties x/net/webdav does not know (and getetag, which it would omit on
// folders). Only the properties the PROPFIND asked for are built. Without an explicit property list, folders
// report quota properties and no oc: ones, as Nextcloud does.
func (f *davFile) DeadProps() (map[xml.Name]webdav.Property, error) {
	in := f.in
	all := f.want == nil || f.want.allprop
	m := make(map[xml.Name]webdav.Property, 8)
	for _, name := range deadPropNames() {
		if name.Space == nsOC || name.Space == nsNC {
			if all {
				continue
			}
		}
		if !all && !f.want.names[name] {
			continue
		}
		if v, ok := f.fs.s.propOf(in, name); ok {
			xn := xml.Name{Space: name.Space, Local: name.Local}
			m[xn] = webdav.Property{XMLName: xn, InnerXML: []byte(v)}
		}
	}
	for k, v := range in.props {
		xn := xml.Name{Space: k.Space, Local: k.Local}
		m[xn] = webdav.Property{XMLName: xn, InnerXML: []byte(v)}
	}
	for k, v := range f.props {
		xn := xml.Name{Space: k.Space, Local: k.Local}
		m[xn] = webdav.Property{XMLName: xn, InnerXML: []byte(v)}
	}
	return m, nil
}

// deadPropNames are the computed properties DeadProps may return.
func deadPropNames() [10]xmlName {
	return [10]xmlName{
		{nsDAV, "getetag"}, {nsDAV, "quota-used-bytes"}, {nsDAV, "quota-available-bytes"},
		{nsOC, "fileid"}, {nsOC, "id"}, {nsOC, "permissions"}, {nsOC, "size"}, {nsNC, "has-preview"},
		{nsOC, "owner-id"}, {nsOC, "owner-display-name"},
	}
}

// Patch stores custom dead properties; the computed ones are protected.
func (f *davFile) Patch(patches []webdav.Proppatch) ([]webdav.Propstat, error) {
	f.fs.forget()
	ok := webdav.Propstat{Status: 200}
	forbidden := webdav.Propstat{Status: 403}
	for _, p := range patches {
		for _, prop := range p.Props {
			name := xmlName{prop.XMLName.Space, prop.XMLName.Local}
			if computedProp(name) {
				forbidden.Props = append(forbidden.Props, webdav.Property{XMLName: prop.XMLName})
				continue
			}
			ok.Props = append(ok.Props, webdav.Property{XMLName: prop.XMLName})
		}
	}
	if len(forbidden.Props) > 0 {
		// Atomic: nothing is applied; the others fail as a dependency.
		dep := webdav.Propstat{Status: webdav.StatusFailedDependency, Props: ok.Props}
		if len(dep.Props) == 0 {
			return []webdav.Propstat{forbidden}, nil
		}
		return []webdav.Propstat{forbidden, dep}, nil
	}
	apply := func(props map[xmlName]string) map[xmlName]string {
		if props == nil {
			props = map[xmlName]string{}
		}
		for _, p := range patches {
			for _, prop := range p.Props {
				name := xmlName{prop.XMLName.Space, prop.XMLName.Local}
				if p.Remove {
					delete(props, name)
				} else {
					props[name] = string(prop.InnerXML)
				}
			}
		}
		return props
	}
	if f.write && f.target == nil {
		f.props = apply(f.props)
		return []webdav.Propstat{ok}, nil
	}
	s := f.fs.s
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := f.fs.resolveLocked(f.name)
	if err != nil {
		return nil, pathErr("proppatch", f.name, err)
	}
	if r.perm&permUpdate == 0 {
		forbidden.Props = ok.Props
		return []webdav.Propstat{forbidden}, nil
	}
	r.n.props = apply(r.n.props)
	return []webdav.Propstat{ok}, nil
}

// instanceID is the server's instance id, part of oc:id.
func (s *Server) instanceID() string { return "oc" + s.salt[:10] }

// xmlEscape escapes text for inner XML.
func xmlEscape(v string) string {
	if !strings.ContainsAny(v, "<>&'\"\r\n\t") {
		return v
	}
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(v))
	return b.String()
}
