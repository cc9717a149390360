package storetest

import (
	"fmt"
	"testing"

	"github.com/ocrepo/ocrepo/store"
)

func testControlledLinkRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	iss := newIssuer(t, s, "a")
	inst := newInstance(t, s, iss.ID, "i")
	in := store.ControlledLink{
		InstanceID:   inst.ID,
		IssuerID:     iss.ID,
		Course:       "Kurs 42",
		Context:      []string{"course 42", "assign", "Abgabe \"final\" ✓", `back\slash`, "7", ""},
		OwnerUserID:  "alice",
		OwnerCloud:   "alice@cloud",
		OriginalPath: "/Documents/Übung 1.pdf",
		SystemPath:   "/LMS/course 42/assign/7/Übung 1.pdf",
		Name:         "Übung 1.pdf",
		ContentType:  "application/pdf",
		Size:         123456789012,
		Submitted:    true,
		Created:      at(1),
	}
	got, err := s.CreateControlledLink(ctx, in)
	noErr(t, "CreateControlledLink", err)
	if got.ID <= 0 {
		t.Fatalf("ID = %d", got.ID)
	}
	stamped(t, "Updated", got.Updated)
	want := in
	want.ID, want.Updated = got.ID, got.Updated
	same(t, "created link", got, want)
	read, err := s.GetControlledLink(ctx, got.ID)
	noErr(t, "GetControlledLink", err)
	same(t, "read link", read, want)

	upd := read
	upd.Context = []string{"course 43"}
	upd.Submitted = false
	upd.InstanceID = 0
	upd.SystemPath = "/LMS/course 43/Übung 1.pdf"
	upd.Size = 1
	upd.Created = at(9) // ignored
	updated, err := s.UpdateControlledLink(ctx, upd)
	noErr(t, "UpdateControlledLink", err)
	want = upd
	want.Created, want.Updated = got.Created, updated.Updated
	same(t, "updated link", updated, want)
	read, err = s.GetControlledLink(ctx, got.ID)
	noErr(t, "GetControlledLink", err)
	same(t, "read updated link", read, want)

	noContext, err := s.CreateControlledLink(ctx, store.ControlledLink{IssuerID: iss.ID, Name: "x"})
	noErr(t, "CreateControlledLink without context", err)
	read, err = s.GetControlledLink(ctx, noContext.ID)
	noErr(t, "GetControlledLink", err)
	if len(read.Context) != 0 || read.InstanceID != 0 {
		t.Fatalf("link without context or instance came back as %+v", read)
	}
}

func testControlledLinkList(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := newIssuer(t, s, "a"), newIssuer(t, s, "b")
	ia, ib := newInstance(t, s, a.ID, "ia"), newInstance(t, s, b.ID, "ib")
	specs := []struct {
		instance store.Instance
		course   string
		owner    string
	}{
		{ia, "c1", "alice"}, {ia, "c1", "bob"}, {ia, "c2", "alice"}, {ib, "c1", "alice"}, {ib, "c2", "carol"},
	}
	var links []store.ControlledLink
	for i, sp := range specs {
		l, err := s.CreateControlledLink(ctx, store.ControlledLink{
			InstanceID: sp.instance.ID, IssuerID: sp.instance.IssuerID, Course: sp.course, OwnerUserID: sp.owner,
			Name: fmt.Sprintf("file %d", i), Context: []string{sp.course},
		})
		noErr(t, "CreateControlledLink", err)
		links = append(links, l)
	}
	pick := func(idx ...int) []store.ControlledLink {
		out := []store.ControlledLink{}
		for _, i := range idx {
			out = append(out, links[i])
		}
		return out
	}
	tests := []struct {
		name   string
		filter store.ControlledLinkFilter
		want   []store.ControlledLink
	}{
		{"everything", store.ControlledLinkFilter{}, pick(0, 1, 2, 3, 4)},
		{"course", store.ControlledLinkFilter{Course: "c1"}, pick(0, 1, 3)},
		{"instance", store.ControlledLinkFilter{InstanceID: ib.ID}, pick(3, 4)},
		{"issuer", store.ControlledLinkFilter{IssuerID: a.ID}, pick(0, 1, 2)},
		{"owner", store.ControlledLinkFilter{Owner: "alice"}, pick(0, 2, 3)},
		{"course and owner", store.ControlledLinkFilter{Course: "c1", Owner: "alice"}, pick(0, 3)},
		{"all four", store.ControlledLinkFilter{Course: "c2", InstanceID: ia.ID, IssuerID: a.ID, Owner: "alice"}, pick(2)},
		{"nothing matches", store.ControlledLinkFilter{Course: "c3"}, pick()},
		{"unknown owner", store.ControlledLinkFilter{Owner: "mallory"}, pick()},
	}
	for _, tt := range tests {
		got, err := s.ListControlledLinks(ctx, tt.filter)
		noErr(t, "ListControlledLinks "+tt.name, err)
		same(t, "links for "+tt.name, got, tt.want)
		n, err := s.CountControlledLinks(ctx, tt.filter)
		noErr(t, "CountControlledLinks "+tt.name, err)
		if n != int64(len(tt.want)) {
			t.Fatalf("CountControlledLinks %s = %d, want %d", tt.name, n, len(tt.want))
		}
	}
}

func testControlledLinkErrors(t *testing.T, s store.Store) {
	ctx := t.Context()
	iss := newIssuer(t, s, "a")
	_, err := s.GetControlledLink(ctx, 777)
	wantErr(t, "GetControlledLink", err, store.ErrNotFound)
	_, err = s.UpdateControlledLink(ctx, store.ControlledLink{ID: 777, IssuerID: iss.ID})
	wantErr(t, "UpdateControlledLink", err, store.ErrNotFound)
	wantErr(t, "DeleteControlledLink", s.DeleteControlledLink(ctx, 777), store.ErrNotFound)
	_, err = s.CreateControlledLink(ctx, store.ControlledLink{InstanceID: 777, IssuerID: iss.ID})
	wantErr(t, "CreateControlledLink for a missing instance", err, store.ErrNotFound)
}

func testControlledShares(t *testing.T, s store.Store) {
	ctx := t.Context()
	iss := newIssuer(t, s, "a")
	link, err := s.CreateControlledLink(ctx, store.ControlledLink{IssuerID: iss.ID, Name: "f"})
	noErr(t, "CreateControlledLink", err)
	other, err := s.CreateControlledLink(ctx, store.ControlledLink{IssuerID: iss.ID, Name: "g"})
	noErr(t, "CreateControlledLink", err)

	in := store.ControlledShare{
		LinkID: link.ID, UserID: "bob", CloudUser: "bob@cloud", ShareID: "101", Permissions: 19,
		Target: "/LMS links/Übung.pdf", Created: at(1),
	}
	first, err := s.PutControlledShare(ctx, in)
	noErr(t, "PutControlledShare", err)
	if first.ID <= 0 {
		t.Fatalf("ID = %d", first.ID)
	}
	stamped(t, "Updated", first.Updated)
	want := in
	want.ID, want.Updated = first.ID, first.Updated
	same(t, "new share", first, want)

	// Putting again for the same (link, user) replaces the share in place.
	repl := in
	repl.ShareID, repl.Permissions, repl.Target, repl.CloudUser = "202", 1, "/LMS links/Übung (2).pdf", "bob2"
	repl.Created = at(9) // ignored for an existing share
	second, err := s.PutControlledShare(ctx, repl)
	noErr(t, "PutControlledShare again", err)
	want = repl
	want.ID, want.Created, want.Updated = first.ID, first.Created, second.Updated
	same(t, "replaced share", second, want)
	got, err := s.GetControlledShare(ctx, link.ID, "bob")
	noErr(t, "GetControlledShare", err)
	same(t, "read share", got, want)

	carol, err := s.PutControlledShare(ctx, store.ControlledShare{LinkID: link.ID, UserID: "carol", ShareID: "303"})
	noErr(t, "PutControlledShare carol", err)
	stamped(t, "Created", carol.Created)
	bobOther, err := s.PutControlledShare(ctx, store.ControlledShare{LinkID: other.ID, UserID: "bob", ShareID: "404"})
	noErr(t, "PutControlledShare bob on other link", err)

	list, err := s.ListControlledShares(ctx, link.ID)
	noErr(t, "ListControlledShares", err)
	same(t, "shares of link (by ID)", list, []store.ControlledShare{want, carol})
	list, err = s.ListControlledShares(ctx, other.ID)
	noErr(t, "ListControlledShares other", err)
	same(t, "shares of other link", list, []store.ControlledShare{bobOther})

	noErr(t, "DeleteControlledShare", s.DeleteControlledShare(ctx, link.ID, "bob"))
	_, err = s.GetControlledShare(ctx, link.ID, "bob")
	wantErr(t, "GetControlledShare deleted", err, store.ErrNotFound)
	_, err = s.GetControlledShare(ctx, other.ID, "bob")
	noErr(t, "GetControlledShare on other link", err)
	list, err = s.ListControlledShares(ctx, link.ID)
	noErr(t, "ListControlledShares", err)
	same(t, "shares after delete", list, []store.ControlledShare{carol})
}

func testControlledShareErrors(t *testing.T, s store.Store) {
	ctx := t.Context()
	iss := newIssuer(t, s, "a")
	link, err := s.CreateControlledLink(ctx, store.ControlledLink{IssuerID: iss.ID, Name: "f"})
	noErr(t, "CreateControlledLink", err)
	_, err = s.GetControlledShare(ctx, link.ID, "nobody")
	wantErr(t, "GetControlledShare", err, store.ErrNotFound)
	wantErr(t, "DeleteControlledShare", s.DeleteControlledShare(ctx, link.ID, "nobody"), store.ErrNotFound)
	_, err = s.PutControlledShare(ctx, store.ControlledShare{LinkID: link.ID + 1000, UserID: "bob"})
	wantErr(t, "PutControlledShare for a missing link", err, store.ErrNotFound)
	list, err := s.ListControlledShares(ctx, link.ID+1000)
	noErr(t, "ListControlledShares of a missing link", err)
	if len(list) != 0 {
		t.Fatalf("missing link has %d shares", len(list))
	}
}

func testDeleteControlledLink(t *testing.T, s store.Store) {
	ctx := t.Context()
	iss := newIssuer(t, s, "a")
	doomed, err := s.CreateControlledLink(ctx, store.ControlledLink{IssuerID: iss.ID, Name: "f"})
	noErr(t, "CreateControlledLink", err)
	kept, err := s.CreateControlledLink(ctx, store.ControlledLink{IssuerID: iss.ID, Name: "g"})
	noErr(t, "CreateControlledLink", err)
	for _, user := range []string{"bob", "carol"} {
		_, err := s.PutControlledShare(ctx, store.ControlledShare{LinkID: doomed.ID, UserID: user})
		noErr(t, "PutControlledShare", err)
		_, err = s.PutControlledShare(ctx, store.ControlledShare{LinkID: kept.ID, UserID: user})
		noErr(t, "PutControlledShare", err)
	}
	noErr(t, "DeleteControlledLink", s.DeleteControlledLink(ctx, doomed.ID))
	_, err = s.GetControlledLink(ctx, doomed.ID)
	wantErr(t, "GetControlledLink deleted", err, store.ErrNotFound)
	list, err := s.ListControlledShares(ctx, doomed.ID)
	noErr(t, "ListControlledShares", err)
	if len(list) != 0 {
		t.Fatalf("deleted link kept %d shares", len(list))
	}
	_, err = s.GetControlledShare(ctx, doomed.ID, "bob")
	wantErr(t, "GetControlledShare of deleted link", err, store.ErrNotFound)
	list, err = s.ListControlledShares(ctx, kept.ID)
	noErr(t, "ListControlledShares kept", err)
	if len(list) != 2 {
		t.Fatalf("other link has %d shares, want 2", len(list))
	}
	// A new link never takes over the deleted one's shares.
	fresh, err := s.CreateControlledLink(ctx, store.ControlledLink{IssuerID: iss.ID, Name: "h"})
	noErr(t, "CreateControlledLink", err)
	list, err = s.ListControlledShares(ctx, fresh.ID)
	noErr(t, "ListControlledShares fresh", err)
	if len(list) != 0 {
		t.Fatalf("new link %d has %d shares", fresh.ID, len(list))
	}
}
