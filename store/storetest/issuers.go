package storetest

import (
	"testing"

	"github.com/ocrepo/ocrepo/store"
)

func testIssuerRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	in := store.Issuer{
		Name:                "Nextcloud der Universität ✓",
		BaseURL:             "https://cloud.example.org:8443/sub/path/",
		ClientID:            "client-ÄÖÜ",
		ClientSecret:        "s3cr3t-🔑-value",
		BasicAuth:           true,
		Preset:              "custom",
		Product:             "Nextcloud",
		Version:             "30.0.1",
		AllowPrivateNetwork: true,
		Endpoints: []store.Endpoint{
			{Name: "token_endpoint", URL: "https://cloud.example.org:8443/sub/path/index.php/apps/oauth2/api/v1/token"},
			{Name: "authorization_endpoint", URL: "https://cloud.example.org:8443/sub/path/index.php/apps/oauth2/authorize"},
			{Name: "webdav_endpoint", URL: "https://cloud.example.org:8443/sub/path/remote.php/dav/"},
		},
		Mappings: []store.FieldMapping{
			{External: "ocs-data-email", Internal: "email"},
			{External: "ocs-data-id", Internal: "username"},
		},
		Created: at(2),
	}
	got, err := s.CreateIssuer(ctx, in)
	noErr(t, "CreateIssuer", err)
	if got.ID <= 0 {
		t.Fatalf("ID = %d, want > 0", got.ID)
	}
	stamped(t, "Updated", got.Updated)
	want := in
	want.ID, want.Updated = got.ID, got.Updated
	same(t, "created issuer", got, want)
	if u := got.EndpointURL("webdav_endpoint"); u != in.Endpoints[2].URL {
		t.Fatalf("EndpointURL = %q", u)
	}

	read, err := s.GetIssuer(ctx, got.ID)
	noErr(t, "GetIssuer", err)
	same(t, "read issuer", read, want)

	// Created defaults to now.
	other, err := s.CreateIssuer(ctx, store.Issuer{Name: "bare"})
	noErr(t, "CreateIssuer bare", err)
	stamped(t, "Created", other.Created)
	if other.ID == got.ID {
		t.Fatalf("two issuers share ID %d", got.ID)
	}
	if len(other.Endpoints) != 0 || len(other.Mappings) != 0 || other.ClientSecret != "" {
		t.Fatalf("bare issuer came back with %+v", other)
	}
}

func testIssuerUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	orig := newIssuer(t, s, "a")
	upd := orig
	upd.Name = "renamed"
	upd.BaseURL = "https://other.example.org/"
	upd.ClientID = "new-client"
	upd.ClientSecret = "rotated secret"
	upd.BasicAuth = false
	upd.Preset = "owncloud"
	upd.Product = "ownCloud"
	upd.Version = "10.15"
	upd.AllowPrivateNetwork = true
	upd.Endpoints = []store.Endpoint{{Name: "ocs_endpoint", URL: "https://other.example.org/ocs/v2.php/"}}
	upd.Mappings = nil
	upd.Created = at(9) // ignored: Created stays
	got, err := s.UpdateIssuer(ctx, upd)
	noErr(t, "UpdateIssuer", err)
	if got.Updated.Before(orig.Updated) {
		t.Fatalf("Updated went back: %v < %v", got.Updated, orig.Updated)
	}
	if got.Revision <= orig.Revision {
		t.Fatalf("Revision after a save %d, before %d: a save must bump it (replicas' caches compare it)", got.Revision, orig.Revision)
	}
	want := upd
	want.Created, want.Updated, want.Revision = orig.Created, got.Updated, got.Revision
	same(t, "updated issuer", got, want)
	read, err := s.GetIssuer(ctx, orig.ID)
	noErr(t, "GetIssuer", err)
	same(t, "read updated issuer", read, want)
}

func testIssuerNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	iss := newIssuer(t, s, "a")
	missing := iss.ID + 1000
	_, err := s.GetIssuer(ctx, missing)
	wantErr(t, "GetIssuer", err, store.ErrNotFound)
	_, err = s.UpdateIssuer(ctx, store.Issuer{ID: missing, Name: "x"})
	wantErr(t, "UpdateIssuer", err, store.ErrNotFound)
	wantErr(t, "DeleteIssuer", s.DeleteIssuer(ctx, missing), store.ErrNotFound)
	noErr(t, "DeleteIssuer", s.DeleteIssuer(ctx, iss.ID))
	wantErr(t, "DeleteIssuer twice", s.DeleteIssuer(ctx, iss.ID), store.ErrNotFound)
	_, err = s.GetIssuer(ctx, iss.ID)
	wantErr(t, "GetIssuer deleted", err, store.ErrNotFound)
}

func testIssuerDuplicates(t *testing.T, s store.Store) {
	ctx := t.Context()
	dupEndpoints := []store.Endpoint{{Name: "token_endpoint", URL: "https://a/"}, {Name: "token_endpoint", URL: "https://b/"}}
	dupMappings := []store.FieldMapping{{External: "ocs-data-id", Internal: "username"}, {External: "ocs-data-id", Internal: "email"}}

	_, err := s.CreateIssuer(ctx, store.Issuer{Name: "dup endpoints", Endpoints: dupEndpoints})
	wantErr(t, "CreateIssuer with duplicate endpoint", err, store.ErrDuplicate)
	_, err = s.CreateIssuer(ctx, store.Issuer{Name: "dup mappings", Mappings: dupMappings})
	wantErr(t, "CreateIssuer with duplicate mapping", err, store.ErrDuplicate)
	list, err := s.ListIssuers(ctx)
	noErr(t, "ListIssuers", err)
	if len(list) != 0 {
		t.Fatalf("a failed create left %d issuers behind", len(list))
	}

	iss := newIssuer(t, s, "a")
	bad := iss
	bad.Name = "changed"
	bad.Endpoints = dupEndpoints
	_, err = s.UpdateIssuer(ctx, bad)
	wantErr(t, "UpdateIssuer with duplicate endpoint", err, store.ErrDuplicate)
	bad.Endpoints, bad.Mappings = nil, dupMappings
	_, err = s.UpdateIssuer(ctx, bad)
	wantErr(t, "UpdateIssuer with duplicate mapping", err, store.ErrDuplicate)
	read, err := s.GetIssuer(ctx, iss.ID)
	noErr(t, "GetIssuer", err)
	same(t, "issuer after failed updates", read, iss)
}

func testIssuerList(t *testing.T, s store.Store) {
	ctx := t.Context()
	list, err := s.ListIssuers(ctx)
	noErr(t, "ListIssuers empty", err)
	if len(list) != 0 {
		t.Fatalf("new store lists %d issuers", len(list))
	}
	a := newIssuer(t, s, "zeta")
	b := newIssuer(t, s, "alpha")
	c, err := s.CreateIssuer(ctx, store.Issuer{Name: "no endpoints", ClientSecret: "c"})
	noErr(t, "CreateIssuer", err)
	list, err = s.ListIssuers(ctx)
	noErr(t, "ListIssuers", err)
	same(t, "issuer list (by ID)", list, []store.Issuer{a, b, c})
}

func testDeleteIssuerCascades(t *testing.T, s store.Store) {
	ctx := t.Context()
	doomed := newIssuer(t, s, "doomed")
	kept := newIssuer(t, s, "kept")

	type fixture struct {
		instance store.Instance
		link     store.ControlledLink
		share    store.ControlledShare
	}
	setUp := func(iss store.Issuer) fixture {
		var f fixture
		_, err := s.PutToken(ctx, newToken(systemKey(iss.ID), 1))
		noErr(t, "PutToken system", err)
		_, err = s.PutToken(ctx, newToken(userKey(iss.ID, "alice"), 1))
		noErr(t, "PutToken alice", err)
		noErr(t, "CreateLoginState", s.CreateLoginState(ctx, store.LoginState{
			ID: "state-" + iss.Name, IssuerID: iss.ID, UserID: "alice", Verifier: "v", Expires: at(20),
		}))
		f.instance = newInstance(t, s, iss.ID, "instance of "+iss.Name)
		noErr(t, "SetCourseInstanceEnabled", s.SetCourseInstanceEnabled(ctx, "course-1", f.instance.ID, false))
		f.link, err = s.CreateControlledLink(ctx, store.ControlledLink{
			InstanceID: f.instance.ID, IssuerID: iss.ID, Course: "course-1", Context: []string{"course 1"},
			OwnerUserID: "alice", SystemPath: "/LMS/" + iss.Name + ".pdf", Name: iss.Name + ".pdf",
		})
		noErr(t, "CreateControlledLink", err)
		f.share, err = s.PutControlledShare(ctx, store.ControlledShare{LinkID: f.link.ID, UserID: "bob", ShareID: "17"})
		noErr(t, "PutControlledShare", err)
		return f
	}
	gone, stay := setUp(doomed), setUp(kept)

	noErr(t, "DeleteIssuer", s.DeleteIssuer(ctx, doomed.ID))

	_, err := s.GetIssuer(ctx, doomed.ID)
	wantErr(t, "GetIssuer", err, store.ErrNotFound)
	_, err = s.GetToken(ctx, systemKey(doomed.ID))
	wantErr(t, "system token of deleted issuer", err, store.ErrNotFound)
	_, err = s.GetToken(ctx, userKey(doomed.ID, "alice"))
	wantErr(t, "user token of deleted issuer", err, store.ErrNotFound)
	_, err = s.TakeLoginState(ctx, "state-doomed")
	wantErr(t, "login state of deleted issuer", err, store.ErrNotFound)
	_, err = s.GetInstance(ctx, gone.instance.ID)
	wantErr(t, "instance of deleted issuer", err, store.ErrNotFound)
	_, err = s.CourseInstanceEnabled(ctx, "course-1", gone.instance.ID)
	wantErr(t, "course setting of deleted instance", err, store.ErrNotFound)

	// The controlled link stays, without its instance, and keeps its shares.
	link, err := s.GetControlledLink(ctx, gone.link.ID)
	noErr(t, "GetControlledLink", err)
	wantLink := gone.link
	wantLink.InstanceID = 0
	wantLink.Updated = link.Updated
	same(t, "controlled link of deleted issuer", link, wantLink)
	share, err := s.GetControlledShare(ctx, gone.link.ID, "bob")
	noErr(t, "GetControlledShare", err)
	same(t, "share of kept link", share, gone.share)

	// The other issuer is untouched.
	got, err := s.GetIssuer(ctx, kept.ID)
	noErr(t, "GetIssuer kept", err)
	same(t, "kept issuer", got, kept)
	_, err = s.GetToken(ctx, systemKey(kept.ID))
	noErr(t, "kept system token", err)
	_, err = s.GetToken(ctx, userKey(kept.ID, "alice"))
	noErr(t, "kept user token", err)
	_, err = s.TakeLoginState(ctx, "state-kept")
	noErr(t, "kept login state", err)
	inst, err := s.GetInstance(ctx, stay.instance.ID)
	noErr(t, "kept instance", err)
	same(t, "kept instance", inst, stay.instance)
	enabled, err := s.CourseInstanceEnabled(ctx, "course-1", stay.instance.ID)
	noErr(t, "kept course setting", err)
	if enabled {
		t.Fatalf("kept course setting lost: enabled = true")
	}
	keptLink, err := s.GetControlledLink(ctx, stay.link.ID)
	noErr(t, "kept link", err)
	same(t, "kept link", keptLink, stay.link)
	list, err := s.ListIssuers(ctx)
	noErr(t, "ListIssuers", err)
	same(t, "issuers after delete", list, []store.Issuer{kept})
}

func testReplaceIssuerServer(t *testing.T, s store.Store) {
	ctx := t.Context()
	moved := newIssuer(t, s, "moved")
	kept := newIssuer(t, s, "kept")
	for _, iss := range []store.Issuer{moved, kept} {
		_, err := s.PutToken(ctx, newToken(systemKey(iss.ID), 1))
		noErr(t, "PutToken system", err)
		for _, u := range []string{"alice", "bob"} {
			_, err = s.PutToken(ctx, newToken(userKey(iss.ID, u), 1))
			noErr(t, "PutToken "+u, err)
		}
		noErr(t, "CreateLoginState", s.CreateLoginState(ctx, store.LoginState{
			ID: "state-" + iss.Name, IssuerID: iss.ID, UserID: "alice", Verifier: "v", Expires: at(20),
		}))
	}
	next := moved
	next.BaseURL = "https://elsewhere.example.org/"
	next.ClientSecret = "typed-again"
	next.Endpoints = []store.Endpoint{{Name: "token_endpoint", URL: "https://elsewhere.example.org/token"}}
	got, dropped, err := s.ReplaceIssuerServer(ctx, next)
	noErr(t, "ReplaceIssuerServer", err)
	same(t, "tokens dropped", dropped, int64(3))
	same(t, "new base URL", got.BaseURL, next.BaseURL)
	same(t, "new secret", got.ClientSecret, "typed-again")
	same(t, "new endpoints", got.Endpoints, next.Endpoints)
	for _, k := range []store.TokenKey{systemKey(moved.ID), userKey(moved.ID, "alice"), userKey(moved.ID, "bob")} {
		_, err := s.GetToken(ctx, k)
		wantErr(t, "token of the moved issuer", err, store.ErrNotFound)
	}
	_, err = s.TakeLoginState(ctx, "state-moved")
	wantErr(t, "login state of the moved issuer", err, store.ErrNotFound)
	for _, k := range []store.TokenKey{systemKey(kept.ID), userKey(kept.ID, "alice"), userKey(kept.ID, "bob")} {
		_, err := s.GetToken(ctx, k)
		noErr(t, "token of the other issuer", err)
	}
	_, err = s.TakeLoginState(ctx, "state-kept")
	noErr(t, "login state of the other issuer", err)
	_, _, err = s.ReplaceIssuerServer(ctx, store.Issuer{ID: 99999, Name: "ghost"})
	wantErr(t, "ReplaceIssuerServer unknown", err, store.ErrNotFound)
}

func testIssuerSetProduct(t *testing.T, s store.Store) {
	ctx := t.Context()
	orig := newIssuer(t, s, "a")
	other := newIssuer(t, s, "b")
	noErr(t, "SetIssuerProduct", s.SetIssuerProduct(ctx, orig.ID, "Nextcloud", "34.0.1"))
	got, err := s.GetIssuer(ctx, orig.ID)
	noErr(t, "GetIssuer", err)
	if got.Revision <= orig.Revision {
		t.Fatalf("Revision after a new product %d, before %d: replicas' caches compare it", got.Revision, orig.Revision)
	}
	want := orig
	want.Product, want.Version, want.Updated, want.Revision = "Nextcloud", "34.0.1", got.Updated, got.Revision
	same(t, "issuer with a product", got, want)
	// The same again changes nothing, the revision included.
	noErr(t, "SetIssuerProduct again", s.SetIssuerProduct(ctx, orig.ID, "Nextcloud", "34.0.1"))
	again, err := s.GetIssuer(ctx, orig.ID)
	noErr(t, "GetIssuer", err)
	if again.Revision != got.Revision {
		t.Fatalf("Revision moved from %d to %d on an unchanged product", got.Revision, again.Revision)
	}
	// A new version alone counts.
	noErr(t, "SetIssuerProduct version", s.SetIssuerProduct(ctx, orig.ID, "Nextcloud", "34.0.2"))
	newer, err := s.GetIssuer(ctx, orig.ID)
	noErr(t, "GetIssuer", err)
	if newer.Version != "34.0.2" || newer.Revision <= again.Revision {
		t.Fatalf("after a new version: %q at revision %d (was %d)", newer.Version, newer.Revision, again.Revision)
	}
	// The other issuer is untouched; a missing one is no error.
	still, err := s.GetIssuer(ctx, other.ID)
	noErr(t, "GetIssuer other", err)
	same(t, "other issuer", still, other)
	noErr(t, "SetIssuerProduct of a missing issuer", s.SetIssuerProduct(ctx, other.ID+1000, "ownCloud", "10"))
}
