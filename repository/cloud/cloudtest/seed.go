package cloudtest

import (
	"fmt"
	"io"
)

// homeLocked returns a user's home or panics: seeding an unknown user is a bug in the test.
func (s *Server) homeLocked(op, user string) *node {
	h := s.homes[user]
	if h == nil {
		panic(fmt.Sprintf("cloudtest: %s: unknown user %q", op, user))
	}
	return h
}

// mkdirAllLocked creates p and its parents in a user's own space and returns the folder.
func (s *Server) mkdirAllLocked(op, user, p string) *node {
	cur := s.homeLocked(op, user)
	for _, c := range splitPath(cleanPath(p)) {
		next := cur.children[c]
		switch {
		case next == nil:
			next = s.newDirLocked(cur, c)
		case next.mount != nil:
			next = next.mount.node
		case !next.dir:
			panic(fmt.Sprintf("cloudtest: %s: %q is a file", op, pathOf(next)))
		}
		cur = next
	}
	return cur
}

// putLocked stores content at p in a user's space, creating parent folders.
func (s *Server) putLocked(op, user, p string, c content) {
	p = cleanPath(p)
	if p == "/" {
		panic(fmt.Sprintf("cloudtest: %s: empty path", op))
	}
	dir, name := splitDirBase(p)
	parent := s.mkdirAllLocked(op, user, dir)
	if e := parent.children[name]; e != nil && (e.dir || e.mount != nil) {
		panic(fmt.Sprintf("cloudtest: %s: %q is a folder", op, p))
	}
	s.putFileLocked(parent, name, c, 0, "")
}

// splitDirBase splits a clean path into its folder and its last element.
func splitDirBase(p string) (string, string) {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[:i+1], p[i+1:]
		}
	}
	return "/", p
}

// WriteFile stores a file in a user's space, creating parent folders. It panics for an unknown user.
func (s *Server) WriteFile(user, path string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.putLocked("WriteFile", user, path, bytesContent(append([]byte(nil), data...)))
}

// Mkdir creates a folder (and parents) in a user's space. It panics for an unknown user.
func (s *Server) Mkdir(user, path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mkdirAllLocked("Mkdir", user, path)
}

// SeedFolder fills path with n files named file-00000.txt ... of a few bytes each ("file-00000\n").
func (s *Server) SeedFolder(user, path string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dir := s.mkdirAllLocked("SeedFolder", user, path)
	now := s.now()
	var total int64
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("file-%05d.txt", i)
		body := bytesContent(name[:len(name)-4] + "\n")
		if old := dir.children[name]; old != nil {
			if old.dir || old.mount != nil {
				panic(fmt.Sprintf("cloudtest: SeedFolder: %q is a folder", pathOf(old)))
			}
			total -= old.size
		}
		dir.children[name] = &node{name: name, parent: dir, data: body, size: body.Size(), mtime: now,
			id: s.newIDLocked(), etag: s.newETagLocked(), owner: dir.owner}
		total += body.Size()
	}
	dir.mtime = now
	s.touchLocked(dir, total)
}

// SeedGeneratedFile adds a file of size bytes whose content is generated on the fly (byte i is
// GeneratedByte(i)), never held in memory or on disk.
func (s *Server) SeedGeneratedFile(user, path string, size int64) {
	if size < 0 {
		panic("cloudtest: SeedGeneratedFile: negative size")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.putLocked("SeedGeneratedFile", user, path, generatedContent{size: size})
}

// ReadFile returns a file's content in a user's space (received shares included), or false. It reads the whole
// file into memory, generated ones included.
func (s *Server) ReadFile(user, path string) ([]byte, bool) {
	s.mu.RLock()
	h := s.homes[user]
	if h == nil {
		s.mu.RUnlock()
		return nil, false
	}
	r, err := s.resolveLocked(h, permAll, false, path)
	s.mu.RUnlock()
	if err != nil || r.n.dir {
		return nil, false
	}
	c := r.n.data
	b, err := io.ReadAll(io.NewSectionReader(c, 0, c.Size()))
	if err != nil {
		return nil, false
	}
	return b, true
}

// Exists reports whether path exists in a user's space (received shares included).
func (s *Server) Exists(user, path string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	h := s.homes[user]
	if h == nil {
		return false
	}
	_, err := s.resolveLocked(h, permAll, false, path)
	return err == nil
}
