package cloudtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	_ "image/gif"  // previews of seeded GIFs
	_ "image/jpeg" // previews of seeded JPEGs
	"image/png"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

// EPPreview counts Nextcloud's preview route (index.php/core/preview). ownCloud 10's previews are WebDAV GETs
// with ?preview=1 and count as EPWebDAV.
const EPPreview = "preview"

// maxPreviewSource is the largest file the fake makes a preview of.
const maxPreviewSource = 32 << 20

// PNG is a w x h PNG image with a colour gradient, for seeding pictures whose previews are real thumbnails.
func PNG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{R: uint8(255 * x / max(w, 1)), G: uint8(255 * y / max(h, 1)), B: 160, A: 255})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// servePreview is Nextcloud's GET index.php/core/preview?fileId=&x=&y=&a=&forceIcon=: the signed-in user's file
// by id, as a PNG that fits x by y (keeping the aspect ratio with a=1, else cropped to fill). 400 for a missing
// id or a zero size, 404 for an unknown id, a folder, or (forceIcon=0) a file without a preview; an image whose
// bytes do not decode has no preview either. The answer carries Cache-Control private with a day's max-age and
// an ETag; a matching If-None-Match is 304. Without a login it is 401 JSON, as Nextcloud answers non-HTML
// requests to a route that needs one. ownCloud 10 has no such route (404).
func (s *Server) servePreview(w http.ResponseWriter, r *http.Request, _ string) {
	if s.flavor.Preview == cloud.PreviewDAV || r.Method != http.MethodGet {
		s.notFoundPage(w)
		return
	}
	uid, _, ok := s.authenticate(r)
	if !ok {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": "Current user is not logged in"})
		return
	}
	q := r.URL.Query()
	id, err := strconv.ParseInt(q.Get("fileId"), 10, 64)
	if err != nil {
		id = -1
	}
	x, y := previewSize(q.Get("x")), previewSize(q.Get("y"))
	if id == -1 || x == 0 || y == 0 {
		emptyJSON(w, http.StatusBadRequest)
		return
	}
	keep := q.Get("a") == "1" || q.Get("a") == "true"
	s.mu.RLock()
	in, data, found := s.fileByIDLocked(uid, id)
	s.mu.RUnlock()
	if !found || in.dir || !in.hasPreview {
		emptyJSON(w, http.StatusNotFound)
		return
	}
	img, ok := thumbnail(in, data, x, y, keep)
	if !ok {
		emptyJSON(w, http.StatusNotFound)
		return
	}
	sum := sha256.Sum256([]byte(in.etag + "\x00" + strconv.Itoa(x) + "x" + strconv.Itoa(y) + " " + strconv.FormatBool(keep)))
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, max-age=86400, immutable")
	h.Set("Last-Modified", in.mtime.UTC().Format(http.TimeFormat))
	if inm := r.Header.Get("If-None-Match"); inm != "" && strings.Contains(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "image/png")
	h.Set("Content-Length", strconv.Itoa(len(img)))
	_, _ = w.Write(img)
}

// serveDAVPreview is ownCloud 10's PreviewPlugin: GET <file>?preview=1&x=&y=&a= answers the thumbnail with
// Content-Disposition attachment and a day's Cache-Control (max-age=86400, must-revalidate) and Expires; a
// file without a preview is a Sabre 404. It reports whether it answered (false: not a preview request).
func (s *Server) serveDAVPreview(w http.ResponseWriter, r *http.Request, d *davFS, prefix string) bool {
	if s.flavor.Preview != cloud.PreviewDAV || r.Method != http.MethodGet || !r.URL.Query().Has("preview") {
		return false
	}
	rel, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		return false
	}
	q := r.URL.Query()
	x, y := previewSize(q.Get("x")), previewSize(q.Get("y"))
	s.mu.RLock()
	res, err := d.resolveLocked(rel)
	var in info
	var data content
	if err == nil {
		in, data = s.infoLocked(res, res.n.name), res.n.data
	}
	s.mu.RUnlock()
	if err != nil {
		s.sabreError(w, http.StatusNotFound, "NotFound", "File with name "+rel+" could not be located")
		return true
	}
	if in.dir {
		// The plugin hands a folder on to the ordinary GET.
		return false
	}
	var img []byte
	if in.hasPreview && x > 0 && y > 0 {
		img, ok = thumbnail(in, data, x, y, q.Get("a") == "1" || q.Get("a") == "true")
	}
	if img == nil || !ok {
		s.sabreError(w, http.StatusNotFound, "NotFound", "")
		return true
	}
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Content-Disposition", "attachment")
	h.Set("Cache-Control", "max-age=86400, must-revalidate")
	h.Set("Expires", s.now().Add(24*time.Hour).UTC().Format("Mon, 02 Jan 2006 15:04:05")+" GMT")
	_, _ = w.Write(img)
	return true
}

// previewSize reads x or y: 32 when absent (the servers' default), 0 for nonsense, -1 for the original size.
func previewSize(v string) int {
	if v == "" {
		return 32
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < -1 {
		return 0
	}
	return min(n, 4096)
}

func emptyJSON(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, "[]")
}

// fileByIDLocked finds a file or folder the user can reach (their own space and what is shared with them) by its
// id. The caller holds s.mu.
func (s *Server) fileByIDLocked(uid string, id int64) (info, content, bool) {
	home := s.homes[uid]
	if home == nil {
		return info{}, nil, false
	}
	root, err := s.resolveLocked(home, permAll, false, "/")
	if err != nil {
		return info{}, nil, false
	}
	seen := map[*node]bool{}
	var walk func(r resolved, level int) (info, content, bool)
	walk = func(r resolved, level int) (info, content, bool) {
		if seen[r.n] || level > 64 {
			return info{}, nil, false
		}
		seen[r.n] = true
		for _, in := range s.childrenLocked(r) {
			cr, err := s.resolveLocked(r.n, r.perm, r.shared, "/"+in.name)
			if err != nil {
				continue
			}
			if in.id == id {
				return in, cr.n.data, true
			}
			if in.dir {
				if got, data, ok := walk(cr, level+1); ok {
					return got, data, true
				}
			}
		}
		return info{}, nil, false
	}
	return walk(root, 0)
}

// thumbnail makes the PNG preview of a file: a scaled copy of an image (nearest neighbour), or for other
// previewable types (PDF, text) a plain page. An image that does not decode has no preview.
func thumbnail(in info, data content, x, y int, keep bool) ([]byte, bool) {
	var src image.Image
	if strings.HasPrefix(in.ctype, "image/") {
		if data == nil || data.Size() > maxPreviewSource {
			return nil, false
		}
		img, _, err := image.Decode(io.NewSectionReader(data, 0, data.Size()))
		if err != nil {
			return nil, false
		}
		src = img
	} else {
		page := image.NewRGBA(image.Rect(0, 0, 70, 100))
		for py := range 100 {
			for px := range 70 {
				c := color.RGBA{R: 250, G: 250, B: 250, A: 255}
				if py%10 == 5 && px > 8 && px < 62 {
					c = color.RGBA{R: 140, G: 140, B: 140, A: 255}
				}
				page.Set(px, py, c)
			}
		}
		src = page
	}
	b := src.Bounds()
	sw, sh := b.Dx(), b.Dy()
	if x == -1 {
		x = sw
	}
	if y == -1 {
		y = sh
	}
	w, h := x, y
	if keep {
		// Fit within x by y, never larger than the source.
		scale := min(float64(x)/float64(sw), float64(y)/float64(sh), 1)
		w, h = max(int(float64(sw)*scale), 1), max(int(float64(sh)*scale), 1)
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for ty := range h {
		for tx := range w {
			out.Set(tx, ty, src.At(b.Min.X+tx*sw/w, b.Min.Y+ty*sh/h))
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, out); err != nil {
		return nil, false
	}
	return buf.Bytes(), true
}
