package picker_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
)

// TestGridViewIsRemembered: the list/grid switch answers with the listing in the chosen view and sets a cookie
// (HttpOnly, scoped to the mount), so the next picker opens in the same view; the list brings the list back.
func TestGridViewIsRemembered(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	f.h.Cloud.WriteFile("alice", "/a.png", cloudtest.PNG(10, 10))
	pp := f.pickerPath(host.PickRequest{})
	_, body, _ := f.c.Get(t, pp)
	d := doc(t, body)
	if d.Find(`[data-testid="listing"]`).AttrOr("data-view", "") != "list" {
		t.Fatalf("a first picker is not a list")
	}
	grid, ok := d.Find(`[data-testid="view-grid"]`).Attr("href")
	if !ok {
		t.Fatal("no grid switch")
	}
	status, frag, hdr := f.c.Get(t, grid, "HX-Request", "true")
	if status != http.StatusOK || doc(t, frag).Find(`[data-testid="listing"]`).AttrOr("data-view", "") != "grid" {
		t.Fatalf("switch: %d %s", status, frag)
	}
	ck := hdr.Get("Set-Cookie")
	if !strings.Contains(ck, "ocrepo_view=grid") || !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "Path="+repositorytest.Mount) {
		t.Errorf("cookie %q", ck)
	}
	if _, body, _ = f.c.Get(t, pp); doc(t, body).Find(`[data-testid="listing"]`).AttrOr("data-view", "") != "grid" {
		t.Errorf("the next picker forgot the grid")
	}
	list, _ := doc(t, body).Find(`[data-testid="view-list"]`).Attr("href")
	f.c.Get(t, list, "HX-Request", "true")
	if _, body, _ = f.c.Get(t, pp); doc(t, body).Find(`[data-testid="listing"]`).AttrOr("data-view", "") != "list" {
		t.Errorf("the list did not come back")
	}
}
