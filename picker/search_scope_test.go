package picker_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
)

// TestOneSearchField: the picker has one search field with a scope choice; "this folder" filters the folder
// (from the recent listing, no request), "all your files" asks the cloud's search; leaving the results goes back
// to the folder with the field empty.
func TestOneSearchField(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	f.h.Cloud.WriteFile("alice", "/B/report B.pdf", []byte("x"))
	f.h.Cloud.WriteFile("alice", "/B/other.txt", []byte("x"))
	f.h.Cloud.WriteFile("alice", "/A/report A.pdf", []byte("x"))
	pp := f.pickerPath(host.PickRequest{})
	_, body, _ := f.c.Get(t, pp+"&path=%2FB")
	d := doc(t, body)
	if n := d.Find(`input[type="search"]`).Length(); n != 1 {
		t.Fatalf("%d search fields, want 1", n)
	}
	if !d.Find(`[data-testid="scope-folder"]`).Is("[checked]") || d.Find(`[data-testid="scope-all"]`).Length() != 1 {
		t.Errorf("scope choice missing or not on this folder")
	}
	search := func(scope, q string) (int, string) {
		v := url.Values{"r": {token(t, pp)}, "i": {strconv.FormatInt(f.inst.ID, 10)}, "q": {q}, "scope": {scope}, "path": {"/B"}}
		st, b, _ := f.c.Get(t, repositorytest.Mount+"/picker/search?"+v.Encode(), "HX-Request", "true")
		return st, b
	}
	f.h.Cloud.ResetCounts()
	st, b := search("folder", "report")
	d = doc(t, b)
	if st != http.StatusOK || strings.Join(names(d), ",") != "report B.pdf" || d.Find(`#search-q`).AttrOr("value", "") != "report" ||
		!d.Find(`[data-testid="scope-folder"]`).Is("[checked]") {
		t.Fatalf("this folder: %d %v %s", st, names(d), b)
	}
	if n := f.h.Cloud.Count(cloudtest.EPWebDAV); n != 0 {
		t.Errorf("filtering the folder made %d requests", n)
	}
	st, b = search("all", "report")
	d = doc(t, b)
	if st != http.StatusOK || len(names(d)) != 2 || d.Find(`#search-q`).AttrOr("value", "") != "report" || !d.Find(`[data-testid="scope-all"]`).Is("[checked]") {
		t.Fatalf("everywhere: %d %v", st, names(d))
	}
	back, ok := d.Find(`[data-testid="back"]`).Attr("href")
	if !ok {
		t.Fatal("no way back")
	}
	_, b, _ = f.c.Get(t, back)
	d = doc(t, b)
	if d.Find(`#search-q`).AttrOr("value", "x") != "" || len(names(d)) != 2 || !strings.Contains(d.Find(`[data-testid="crumbs"]`).Text(), "B") {
		t.Errorf("back: field %q, rows %v", d.Find(`#search-q`).AttrOr("value", "x"), names(d))
	}
}

// TestPickerHasCancel: the picker offers Cancel, back to the host's page when it was opened as one.
func TestPickerHasCancel(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	_, body, _ := f.c.Get(t, f.pickerPath(host.PickRequest{ReturnTo: "/course/42"}))
	if href, ok := doc(t, body).Find(`[data-testid="close"]`).Attr("href"); !ok || href != "/course/42" {
		t.Errorf("Cancel goes to %q", href)
	}
	_, body, _ = f.c.Get(t, f.pickerPath(host.PickRequest{}))
	if c := doc(t, body).Find(`button[data-testid="close"]`); c.Length() != 1 {
		t.Errorf("no Cancel in a picker without a return page")
	}
}

// TestOneWayToAddIsNoRadioGroup: an instance with one way to add a file says it in words, without a radio group
// of one.
func TestOneWayToAddIsNoRadioGroup(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	only := f.h.AddInstance(t, f.iss.ID, "Copies only", host.ReturnImport, host.ReturnImport)
	f.h.Connect(t, f.iss.ID, "student")
	f.h.Cloud.WriteFile("alice", "/a.pdf", []byte("x"))
	_, body, _ := f.c.Get(t, f.pickerPath(host.PickRequest{})+"&i="+strconv.FormatInt(only.ID, 10))
	d := doc(t, body)
	if n := d.Find(`input[type="radio"][name="as"]`).Length(); n != 0 {
		t.Errorf("%d radio buttons for one way to add", n)
	}
	if v := d.Find(`input[type="hidden"][name="as"]`).AttrOr("value", ""); v != "import" || !strings.Contains(d.Find(`[data-testid="returns"]`).Text(), "Make a copy here") {
		t.Errorf("the one way is not said: %q", d.Find(`[data-testid="returns"]`).Text())
	}
	_, body, _ = f.c.Get(t, f.pickerPath(host.PickRequest{}))
	if n := doc(t, body).Find(`input[type="radio"][name="as"]`).Length(); n != 2 {
		t.Errorf("two ways to add: %d radio buttons", n)
	}
}
