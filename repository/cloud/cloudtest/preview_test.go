package cloudtest

import (
	"bytes"
	"image/png"
	"net/http"
	"strconv"
	"testing"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

// TestPreviewRoute: Nextcloud's core/preview as the fake serves it: by file id for the signed-in user only, 400
// for a missing id or a zero size, 404 for folders, unknown ids, other users' files and files without a preview,
// 401 JSON without a login, a PNG with Cache-Control private and an ETag that answers 304; ownCloud 10 has no
// such route.
func TestPreviewRoute(t *testing.T) {
	t.Parallel()
	s := NewServer(t, Options{})
	s.AddUser("alice", "pw", "", "Alice")
	s.AddUser("bob", "pw", "", "Bob")
	s.WriteFile("alice", "/pic.png", PNG(100, 50))
	s.WriteFile("bob", "/bob.png", PNG(10, 10))
	s.Mkdir("alice", "/Folder")
	s.WriteFile("alice", "/data.bin", []byte("x"))
	access, _, _ := s.IssueToken("alice")
	id := func(user, p string) string {
		s.mu.RLock()
		defer s.mu.RUnlock()
		r, err := s.resolveLocked(s.homes[user], permAll, false, p)
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(r.n.id, 10)
	}
	get := func(query string, hdr ...string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"index.php/core/preview?"+query, nil)
		req.Header.Set("Authorization", "Bearer "+access)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = resp.Body.Close() })
		return resp
	}
	resp := get("fileId=" + id("alice", "/pic.png") + "&x=40&y=40&a=1&forceIcon=0")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("Cache-Control") != "private, max-age=86400, immutable" {
		t.Fatalf("preview: %d %v", resp.StatusCode, resp.Header)
	}
	img, err := png.Decode(resp.Body)
	if err != nil || img.Bounds().Dx() != 40 || img.Bounds().Dy() != 20 {
		t.Fatalf("thumbnail %v, %v", img.Bounds(), err)
	}
	etag := resp.Header.Get("ETag")
	if r := get("fileId="+id("alice", "/pic.png")+"&x=40&y=40&a=1&forceIcon=0", "If-None-Match", etag); r.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", r.StatusCode)
	}
	if r := get("fileId=" + id("alice", "/pic.png") + "&x=40&y=40&forceIcon=0"); r.StatusCode != 200 {
		t.Errorf("cropped: %d", r.StatusCode)
	} else if img, err := png.Decode(r.Body); err != nil || img.Bounds().Dx() != 40 || img.Bounds().Dy() != 40 {
		t.Errorf("without a=1 the preview fills the box: %v, %v", img.Bounds(), err)
	}
	for q, want := range map[string]int{
		"x=40&y=40": http.StatusBadRequest,
		"fileId=" + id("alice", "/pic.png") + "&x=0": http.StatusBadRequest,
		"fileId=" + id("alice", "/Folder"):           http.StatusNotFound,
		"fileId=" + id("alice", "/data.bin"):         http.StatusNotFound,
		"fileId=" + id("bob", "/bob.png"):            http.StatusNotFound,
		"fileId=999999":                              http.StatusNotFound,
	} {
		if r := get(q); r.StatusCode != want {
			t.Errorf("%s: %d, want %d", q, r.StatusCode, want)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, s.URL+"index.php/core/preview?fileId="+id("alice", "/pic.png"), nil)
	r, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	_, _ = body.ReadFrom(r.Body)
	_ = r.Body.Close()
	if r.StatusCode != http.StatusUnauthorized || !bytes.Contains(body.Bytes(), []byte("not logged in")) {
		t.Errorf("without a login: %d %s", r.StatusCode, body.String())
	}

	oc := NewServer(t, Options{Flavor: cloud.OwnCloud})
	oc.AddUser("alice", "pw", "", "Alice")
	ocAccess, _, _ := oc.IssueToken("alice")
	req, _ = http.NewRequest(http.MethodGet, oc.URL+"index.php/core/preview?fileId=1", nil)
	req.Header.Set("Authorization", "Bearer "+ocAccess)
	if r, err := oc.Client().Do(req); err != nil || r.StatusCode != http.StatusNotFound {
		t.Errorf("ownCloud core/preview: %v %v", r.StatusCode, err)
	} else {
		_ = r.Body.Close()
	}
}
