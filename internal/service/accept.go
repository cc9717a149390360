package service

import (
	"fmt"
	"mime"
	"path"
	"strings"

	"github.com/ocrepo/ocrepo/repository/host"
)

// Acceptor decides, from the listing alone, whether a pick request accepts a file.
type Acceptor struct {
	exts     map[string]bool // ".pdf"
	types    map[string]bool // "application/pdf"
	prefixes []string        // "image/"
	maxBytes int64
	describe List
}

// NewAcceptor compiles a request's accepted types and size limit.
func NewAcceptor(req host.PickRequest) Acceptor {
	// The maps are made when a type needs them: a request that accepts any type (the usual) makes none.
	a := Acceptor{maxBytes: req.MaxBytes}
	var names List
	for _, t := range req.Accept {
		t = strings.ToLower(strings.TrimSpace(t))
		switch {
		case t == "" || t == "*" || t == "*/*":
			continue
		case strings.HasPrefix(t, "."):
			a.addExt(t)
		case strings.HasSuffix(t, "/*"):
			a.prefixes = append(a.prefixes, strings.TrimSuffix(t, "*"))
		case strings.Contains(t, "/"):
			if a.types == nil {
				a.types = map[string]bool{}
			}
			a.types[t] = true
		default:
			a.addExt("." + t)
		}
		names = append(names, t)
	}
	a.describe = names
	return a
}

func (a *Acceptor) addExt(ext string) {
	if a.exts == nil {
		a.exts = map[string]bool{}
	}
	a.exts[ext] = true
}

// acceptsAll reports whether every file is accepted: any type, no size limit.
func (a *Acceptor) acceptsAll() bool {
	return a.AcceptsAllTypes() && a.maxBytes <= 0
}

// AcceptsAllTypes reports whether any type is accepted.
func (a Acceptor) AcceptsAllTypes() bool {
	return len(a.exts) == 0 && len(a.types) == 0 && len(a.prefixes) == 0
}

// Describe lists the accepted types (empty when any type is accepted), for a message to say in the user's
// language.
func (a Acceptor) Describe() List { return a.describe }

// MaxBytes is the size limit, 0 for none.
func (a Acceptor) MaxBytes() int64 { return a.maxBytes }

// Refusal says why a file cannot be picked, or nothing (the zero Message) when it can.
func (a Acceptor) Refusal(name, contentType string, size int64) Message {
	if !a.typeOK(name, contentType) {
		return Msg("problem.refusal.type", "Types", a.describe)
	}
	if a.maxBytes > 0 && size > a.maxBytes {
		return Msg("problem.refusal.too_large", "Size", Bytes(size), "Limit", Bytes(a.maxBytes))
	}
	return Message{}
}

func (a Acceptor) typeOK(name, contentType string) bool {
	if a.AcceptsAllTypes() {
		return true
	}
	ext := strings.ToLower(path.Ext(name))
	if ext != "" && a.exts[ext] {
		return true
	}
	ct := strings.ToLower(contentType)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = strings.TrimSpace(ct[:i])
	}
	if ct == "" || ct == "application/octet-stream" {
		ct, _, _ = strings.Cut(mime.TypeByExtension(ext), ";")
	}
	if ct == "" {
		return false
	}
	if a.types[ct] {
		return true
	}
	for _, p := range a.prefixes {
		if strings.HasPrefix(ct, p) {
			return true
		}
	}
	return false
}

// HumanBytes formats a byte count for people the way Nextcloud and ownCloud show sizes: 1024-based, with the
// familiar unit names (0 B, 999 B, 1.5 KB, 50 MB).
func HumanBytes(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	units := []string{"KB", "MB", "GB", "TB", "PB", "EB"}
	f := float64(n)
	for _, u := range units {
		f /= 1024
		if f < 1024 || u == "EB" {
			if f < 10 && f != float64(int64(f)) {
				return fmt.Sprintf("%.1f %s", f, u)
			}
			return fmt.Sprintf("%.0f %s", f, u)
		}
	}
	return ""
}
