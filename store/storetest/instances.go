package storetest

import (
	"testing"

	"github.com/ocrepo/ocrepo/store"
)

func testInstanceRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := newIssuer(t, s, "a"), newIssuer(t, s, "b")
	in := store.Instance{
		Name:                 "Cloud der Hochschule 🎓",
		IssuerID:             a.ID,
		ControlledLinkFolder: "LMS Freigaben",
		Supported:            3,
		DefaultReturn:        2,
		Enabled:              true,
		Created:              at(1),
	}
	got, err := s.CreateInstance(ctx, in)
	noErr(t, "CreateInstance", err)
	if got.ID <= 0 {
		t.Fatalf("ID = %d", got.ID)
	}
	stamped(t, "Updated", got.Updated)
	want := in
	want.ID, want.Updated = got.ID, got.Updated
	same(t, "created instance", got, want)
	read, err := s.GetInstance(ctx, got.ID)
	noErr(t, "GetInstance", err)
	same(t, "read instance", read, want)

	upd := got
	upd.Name = "moved"
	upd.IssuerID = b.ID
	upd.ControlledLinkFolder = ""
	upd.Supported = 1
	upd.DefaultReturn = 1
	upd.Enabled = false
	upd.Created = at(9) // ignored
	updated, err := s.UpdateInstance(ctx, upd)
	noErr(t, "UpdateInstance", err)
	want = upd
	want.Created, want.Updated = got.Created, updated.Updated
	same(t, "updated instance", updated, want)
	read, err = s.GetInstance(ctx, got.ID)
	noErr(t, "GetInstance", err)
	same(t, "read updated instance", read, want)

	second := newInstance(t, s, a.ID, "second")
	list, err := s.ListInstances(ctx)
	noErr(t, "ListInstances", err)
	same(t, "instance list (by ID)", list, []store.Instance{want, second})
}

func testInstanceNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	iss := newIssuer(t, s, "a")
	list, err := s.ListInstances(ctx)
	noErr(t, "ListInstances", err)
	if len(list) != 0 {
		t.Fatalf("new store lists %d instances", len(list))
	}
	_, err = s.GetInstance(ctx, 4242)
	wantErr(t, "GetInstance", err, store.ErrNotFound)
	_, err = s.UpdateInstance(ctx, store.Instance{ID: 4242, IssuerID: iss.ID})
	wantErr(t, "UpdateInstance", err, store.ErrNotFound)
	wantErr(t, "DeleteInstance", s.DeleteInstance(ctx, 4242), store.ErrNotFound)
	_, err = s.CreateInstance(ctx, store.Instance{Name: "orphan", IssuerID: iss.ID + 1000})
	wantErr(t, "CreateInstance for a missing issuer", err, store.ErrNotFound)
	in := newInstance(t, s, iss.ID, "x")
	in.IssuerID = iss.ID + 1000
	_, err = s.UpdateInstance(ctx, in)
	wantErr(t, "UpdateInstance to a missing issuer", err, store.ErrNotFound)
}

func testInstanceDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	iss := newIssuer(t, s, "a")
	doomed, kept := newInstance(t, s, iss.ID, "doomed"), newInstance(t, s, iss.ID, "kept")
	noErr(t, "SetCourseInstanceEnabled", s.SetCourseInstanceEnabled(ctx, "c", doomed.ID, false))
	noErr(t, "SetCourseInstanceEnabled", s.SetCourseInstanceEnabled(ctx, "c", kept.ID, false))
	link, err := s.CreateControlledLink(ctx, store.ControlledLink{InstanceID: doomed.ID, IssuerID: iss.ID, Name: "f"})
	noErr(t, "CreateControlledLink", err)

	noErr(t, "DeleteInstance", s.DeleteInstance(ctx, doomed.ID))
	_, err = s.GetInstance(ctx, doomed.ID)
	wantErr(t, "GetInstance deleted", err, store.ErrNotFound)
	_, err = s.CourseInstanceEnabled(ctx, "c", doomed.ID)
	wantErr(t, "course setting of deleted instance", err, store.ErrNotFound)
	got, err := s.GetControlledLink(ctx, link.ID)
	noErr(t, "GetControlledLink", err)
	if got.InstanceID != 0 || got.IssuerID != iss.ID {
		t.Fatalf("link after instance delete: instance %d issuer %d, want 0 and %d", got.InstanceID, got.IssuerID, iss.ID)
	}
	enabled, err := s.CourseInstanceEnabled(ctx, "c", kept.ID)
	noErr(t, "CourseInstanceEnabled kept", err)
	if enabled {
		t.Fatalf("deleting one instance reset another's course setting")
	}
	wantErr(t, "DeleteInstance twice", s.DeleteInstance(ctx, doomed.ID), store.ErrNotFound)
}

func testCourseSettings(t *testing.T, s store.Store) {
	ctx := t.Context()
	iss := newIssuer(t, s, "a")
	a, b := newInstance(t, s, iss.ID, "a"), newInstance(t, s, iss.ID, "b")
	check := func(course string, id int64, want bool) {
		t.Helper()
		got, err := s.CourseInstanceEnabled(ctx, course, id)
		noErr(t, "CourseInstanceEnabled", err)
		if got != want {
			t.Fatalf("CourseInstanceEnabled(%q, %d) = %v, want %v", course, id, got, want)
		}
	}
	check("course 1", a.ID, true) // enabled until a row says otherwise
	noErr(t, "disable", s.SetCourseInstanceEnabled(ctx, "course 1", a.ID, false))
	check("course 1", a.ID, false)
	check("course 2", a.ID, true)
	check("course 1", b.ID, true)
	noErr(t, "disable again", s.SetCourseInstanceEnabled(ctx, "course 1", a.ID, false))
	check("course 1", a.ID, false)
	noErr(t, "enable", s.SetCourseInstanceEnabled(ctx, "course 1", a.ID, true))
	check("course 1", a.ID, true)
	noErr(t, "disable unicode course", s.SetCourseInstanceEnabled(ctx, "Kurs ä/ö 💡", b.ID, false))
	check("Kurs ä/ö 💡", b.ID, false)
	check("Kurs ä/ö", b.ID, true)

	_, err := s.CourseInstanceEnabled(ctx, "course 1", b.ID+1000)
	wantErr(t, "CourseInstanceEnabled for a missing instance", err, store.ErrNotFound)
	wantErr(t, "SetCourseInstanceEnabled for a missing instance",
		s.SetCourseInstanceEnabled(ctx, "course 1", b.ID+1000, false), store.ErrNotFound)
}
