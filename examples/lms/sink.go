package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/ocrepo/ocrepo/repository"
)

// DiskSink (Config.Files) stores imported files in a folder. Each file is written to a temporary file first and
// renamed into place only once the stream ended cleanly, so a failed, cancelled or too-large import leaves
// nothing behind. The reference it returns is a random name: the original name and type live in the LMS's
// tables, never in a path.
type DiskSink struct {
	Dir string
}

// The sink implements both the hook and its optional remover.
var (
	_ repository.FileSink    = (*DiskSink)(nil)
	_ repository.FileRemover = (*DiskSink)(nil)
)

const incomingPrefix = ".incoming-"

// validRef reports whether ref has the shape Store hands out: 32 hex digits and an optional extension of one to
// ten lower-case letters or digits. Nothing else ever reaches the file system.
func validRef(ref string) bool {
	id, ext, hasExt := strings.Cut(ref, ".")
	if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
		return false
	}
	if !hasExt {
		return true
	}
	return len(ext) >= 1 && len(ext) <= 10 && strings.Trim(ext, "0123456789abcdefghijklmnopqrstuvwxyz") == ""
}

// NewDiskSink makes the folder and removes temporary files a crash left behind.
func NewDiskSink(dir string) (*DiskSink, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sink: %w", err)
	}
	stale, err := filepath.Glob(filepath.Join(dir, incomingPrefix+"*"))
	if err != nil {
		return nil, fmt.Errorf("sink: %w", err)
	}
	for _, p := range stale {
		if err := os.Remove(p); err != nil {
			return nil, fmt.Errorf("sink: remove stale upload: %w", err)
		}
	}
	return &DiskSink{Dir: dir}, nil
}

// Store implements repository.FileSink.
func (s *DiskSink) Store(ctx context.Context, f repository.FileInfo, r io.Reader) (string, error) {
	tmp, err := os.CreateTemp(s.Dir, incomingPrefix+"*")
	if err != nil {
		return "", fmt.Errorf("sink: %w", err)
	}
	fail := func(err error) (string, error) {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return "", fmt.Errorf("sink: store %q: %w", f.Name, err)
	}
	buf := make([]byte, 1<<20)
	if _, err := io.CopyBuffer(tmp, r, buf); err != nil {
		return fail(err)
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return "", fmt.Errorf("sink: store %q: %w", f.Name, err)
	}
	ref, err := newRef(f.Name)
	if err != nil {
		_ = os.Remove(tmp.Name())
		return "", err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(s.Dir, ref)); err != nil {
		_ = os.Remove(tmp.Name())
		return "", fmt.Errorf("sink: store %q: %w", f.Name, err)
	}
	return ref, nil
}

// Remove implements repository.FileRemover: ocrepo calls it when a multi-file import fails after some files
// were stored; the LMS calls it when a submission or resource goes. A file already gone is not an error.
func (s *DiskSink) Remove(_ context.Context, ref string) error {
	p, err := s.path(ref)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sink: remove %s: %w", ref, err)
	}
	return nil
}

// Open opens a stored file for reading.
func (s *DiskSink) Open(ref string) (*os.File, error) {
	p, err := s.path(ref)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("sink: open %s: %w", ref, err)
	}
	return f, nil
}

// errBadRef is a reference this sink never handed out.
var errBadRef = errors.New("sink: not a file reference")

func (s *DiskSink) path(ref string) (string, error) {
	if !validRef(ref) {
		return "", fmt.Errorf("%w: %q", errBadRef, ref)
	}
	return filepath.Join(s.Dir, ref), nil
}

// newRef is a random reference keeping the file's extension (lower case, letters and digits only).
func newRef(name string) (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("sink: random name: %w", err)
	}
	ref := hex.EncodeToString(b)
	ext := strings.ToLower(path.Ext(name))
	if ext != "" && validRef(ref+ext) {
		ref += ext
	}
	return ref, nil
}
