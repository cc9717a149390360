package cloudtest

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// These tests pin the share semantics seen on a real Nextcloud 34.0.1 (PROTOCOL.md, "second round").

// sharesWithMe lists the shares a user received.
func sharesWithMe(t *testing.T, s *Server, token string) []map[string]any {
	t.Helper()
	env := decodeOCS(t, call(t, s, "GET", ocsURL(s, 2, "?format=json&shared_with_me=true"), token, nil, "OCS-APIRequest", "true"))
	var out []map[string]any
	if err := json.Unmarshal(env.OCS.Data, &out); err != nil {
		t.Fatalf("shared_with_me: %v\n%s", err, env.OCS.Data)
	}
	return out
}

func TestUserShareMountsUnderAFreeNameWhileTheReplySaysTheName(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	s.WriteFile("alice", "/x.txt", []byte("alice's"))
	s.WriteFile("bob", "/x.txt", []byte("bob's own"))
	s.WriteFile("bob", "/x (2).txt", []byte("bob's second"))
	alice, _, _ := s.IssueToken("alice")
	bob, _, _ := s.IssueToken("bob")

	sh := createShare(t, s, alice, url.Values{"path": {"/x.txt"}, "shareType": {"0"}, "shareWith": {"bob"}, "permissions": {"1"}})
	if sh.FileTarget != "/x.txt" {
		t.Errorf("create reply file_target %q, want the bare name /x.txt", sh.FileTarget)
	}
	// The recipient's own files stay theirs; the share is mounted as "x (3).txt".
	if b, _ := s.ReadFile("bob", "/x.txt"); string(b) != "bob's own" {
		t.Errorf("bob's /x.txt now reads %q", b)
	}
	if b, _ := s.ReadFile("bob", "/x (3).txt"); string(b) != "alice's" {
		t.Errorf("the mount /x (3).txt reads %q", b)
	}
	got := sharesWithMe(t, s, bob)
	if len(got) != 1 || got[0]["id"] != sh.ID || got[0]["file_target"] != "/x (3).txt" {
		t.Fatalf("shared_with_me: %v", got)
	}
	// The mount's oc:fileid is the share's item_source and file_source.
	r, entries := propfind(t, s, s.URL+"remote.php/dav/files/bob/x%20%283%29.txt", bob, "0")
	if r.status != 207 || len(entries) != 1 {
		t.Fatalf("PROPFIND the mount: HTTP %d", r.status)
	}
	fileid, _ := entries[0].ok(nsOC, "fileid")
	src := strconv.FormatFloat(got[0]["item_source"].(float64), 'f', -1, 64)
	fsrc := strconv.FormatFloat(got[0]["file_source"].(float64), 'f', -1, 64)
	if fileid == "" || fileid != src || fileid != fsrc {
		t.Errorf("oc:fileid %q, item_source %s, file_source %s", fileid, src, fsrc)
	}
	// Bob's own x.txt has another id.
	_, own := propfind(t, s, s.URL+"remote.php/dav/files/bob/x.txt", bob, "0")
	if id, _ := own[0].ok(nsOC, "fileid"); id == fileid {
		t.Errorf("bob's own file shares the id %s of the mount", id)
	}
	// Bob's listing shows the mount under its real name.
	_, list := propfind(t, s, s.URL+"remote.php/dav/files/bob/", bob, "1")
	var names []string
	for _, e := range list[1:] {
		h, _ := url.PathUnescape(e.href)
		names = append(names, h)
	}
	if !strings.Contains(strings.Join(names, "|"), "/x (3).txt") {
		t.Errorf("listing %v lacks the mount", names)
	}
}

func TestAskingAllOnAFileStoresReadUpdateShare(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	s.WriteFile("alice", "/f.txt", []byte("f"))
	alice, _, _ := s.IssueToken("alice")
	for _, tc := range []struct{ ask, want int }{{31, 19}, {3, 3}, {1, 1}} {
		s.AddUser("u"+strconv.Itoa(tc.ask), "pw", "", "")
		sh := createShare(t, s, alice, url.Values{"path": {"/f.txt"}, "shareType": {"0"}, "shareWith": {"u" + strconv.Itoa(tc.ask)},
			"permissions": {strconv.Itoa(tc.ask)}})
		if sh.Permissions != tc.want {
			t.Errorf("asked %d, stored %d, want %d", tc.ask, sh.Permissions, tc.want)
		}
	}
}

func TestReadOnlyShareRefusesPut(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	s.WriteFile("alice", "/f.txt", []byte("f"))
	alice, _, _ := s.IssueToken("alice")
	bob, _, _ := s.IssueToken("bob")
	createShare(t, s, alice, url.Values{"path": {"/f.txt"}, "shareType": {"0"}, "shareWith": {"bob"}, "permissions": {"1"}})
	if r := call(t, s, "PUT", s.URL+"remote.php/dav/files/bob/f.txt", bob, strings.NewReader("x")); r.status != 403 {
		t.Errorf("PUT through a read-only share: HTTP %d, want 403", r.status)
	}
	if b, _ := s.ReadFile("alice", "/f.txt"); string(b) != "f" {
		t.Errorf("file changed to %q", b)
	}
}

func TestReSharesKeepTheirPermissionsWhenTheParentIsCut(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	s.AddUser("carol", "carol-pw", "", "Carol")
	s.WriteFile("alice", "/f.txt", []byte("original"))
	alice, _, _ := s.IssueToken("alice")
	bob, _, _ := s.IssueToken("bob")
	carol, _, _ := s.IssueToken("carol")
	parent := createShare(t, s, alice, url.Values{"path": {"/f.txt"}, "shareType": {"0"}, "shareWith": {"bob"}, "permissions": {"19"}})

	// Bob re-shares to Carol with write, and makes an editable public link.
	re := createShare(t, s, bob, url.Values{"path": {"/f.txt"}, "shareType": {"0"}, "shareWith": {"carol"}, "permissions": {"3"}})
	link := createShare(t, s, bob, url.Values{"path": {"/f.txt"}, "shareType": {"3"}})
	upd := form(t, s, "PUT", ocsURL(s, 2, "/"+link.ID+"?format=json"), bob, url.Values{"permissions": {"3"}})
	if upd.status != 200 {
		t.Fatalf("make the link editable: HTTP %d %s", upd.status, upd.body)
	}
	if re.Permissions != 3 || re.UIDOwner != "bob" {
		t.Errorf("re-share %+v", re)
	}

	// The owner sees the re-shares with reshares=true (and only her own without).
	var all, own []jsonShare
	_ = json.Unmarshal(decodeOCS(t, call(t, s, "GET", ocsURL(s, 2, "?format=json&path=/f.txt&reshares=true"), alice, nil)).OCS.Data, &all)
	_ = json.Unmarshal(decodeOCS(t, call(t, s, "GET", ocsURL(s, 2, "?format=json&path=/f.txt"), alice, nil)).OCS.Data, &own)
	if len(all) != 3 || len(own) != 1 {
		t.Errorf("owner lists %d shares with reshares, %d without; want 3 and 1", len(all), len(own))
	}

	// The owner cuts Bob's share to read only: nothing cascades.
	if r := form(t, s, "PUT", ocsURL(s, 2, "/"+parent.ID+"?format=json"), alice, url.Values{"permissions": {"1"}}); r.status != 200 {
		t.Fatalf("cut: HTTP %d", r.status)
	}
	if r := call(t, s, "PUT", s.URL+"remote.php/dav/files/bob/f.txt", bob, strings.NewReader("bob")); r.status != 403 {
		t.Errorf("bob writes after the cut: HTTP %d, want 403", r.status)
	}
	if r := call(t, s, "PUT", s.URL+"remote.php/dav/files/carol/f.txt", carol, strings.NewReader("carol")); r.status != 204 {
		t.Errorf("carol writes through the re-share after the cut: HTTP %d, want 204 as on the server", r.status)
	}
	if b, _ := s.ReadFile("alice", "/f.txt"); string(b) != "carol" {
		t.Errorf("file reads %q", b)
	}
	for _, sh := range s.Shares() {
		if sh.ID == link.ID && sh.Permissions&permUpdate == 0 {
			t.Errorf("public link lost write with the cut: %d", sh.Permissions)
		}
	}

	// Once the owner removes the writing re-shares, nobody but the owner writes.
	for _, id := range []string{re.ID, link.ID} {
		if r := call(t, s, "DELETE", ocsURL(s, 2, "/"+id+"?format=json"), alice, nil); r.status != 200 {
			t.Errorf("owner deletes re-share %s: HTTP %d", id, r.status)
		}
	}
	if s.Exists("carol", "/f.txt") {
		t.Errorf("carol still sees the file after removal")
	}
	call(t, s, "PUT", s.URL+"remote.php/dav/files/carol/f.txt", carol, strings.NewReader("again"))
	if b, _ := s.ReadFile("alice", "/f.txt"); string(b) != "carol" {
		t.Errorf("carol's PUT after removal reached alice's file: %q", b)
	}
}

func TestNoReShareWithoutSharePermission(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	s.AddUser("carol", "carol-pw", "", "Carol")
	s.WriteFile("alice", "/f.txt", []byte("f"))
	alice, _, _ := s.IssueToken("alice")
	bob, _, _ := s.IssueToken("bob")
	createShare(t, s, alice, url.Values{"path": {"/f.txt"}, "shareType": {"0"}, "shareWith": {"bob"}, "permissions": {"3"}})
	for _, v := range []url.Values{
		{"path": {"/f.txt"}, "shareType": {"0"}, "shareWith": {"carol"}, "permissions": {"1"}},
		{"path": {"/f.txt"}, "shareType": {"3"}},
	} {
		r := form(t, s, "POST", ocsURL(s, 2, "?format=json"), bob, v, "OCS-APIRequest", "true")
		if env := decodeOCS(t, r); env.OCS.Meta.StatusCode != 404 {
			t.Errorf("re-share %v without permission 16: statuscode %d", v, env.OCS.Meta.StatusCode)
		}
	}
}
