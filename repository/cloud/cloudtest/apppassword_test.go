package cloudtest

import (
	"net/http"
	"testing"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

func TestAppPasswordDeleteEndsTheLogin(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	access, refresh, _ := s.IssueToken("alice")
	r := call(t, s, http.MethodDelete, s.URL+"ocs/v2.php/core/apppassword?format=json", access, nil, "OCS-APIRequest", "true")
	if r.status != http.StatusOK {
		t.Fatalf("delete app password: %d %s", r.status, r)
	}
	if !s.Revoked(access) {
		t.Fatal("the access token still works")
	}
	if got := call(t, s, "PROPFIND", s.URL+"remote.php/webdav/", access, nil, "Depth", "0"); got.status != http.StatusUnauthorized {
		t.Errorf("WebDAV with the revoked token: %d", got.status)
	}
	if n := s.RefreshRedemptions()[refresh]; n != 0 {
		t.Errorf("refresh redemptions %d", n)
	}
}

func TestAppPasswordUnknownOnOwnCloud(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{Flavor: cloud.OwnCloud})
	access, _, _ := s.IssueToken("alice")
	r := call(t, s, http.MethodDelete, s.URL+"ocs/v2.php/core/apppassword?format=json", access, nil, "OCS-APIRequest", "true")
	if r.status != http.StatusNotFound {
		t.Fatalf("ownCloud app password delete: %d, want 404", r.status)
	}
	if s.Revoked(access) {
		t.Fatal("ownCloud revoked the token")
	}
}

func TestFaultLimitedToOneMethod(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	access, _, _ := s.IssueToken("alice")
	s.WriteFile("alice", "/a.txt", []byte("a"))
	s.Fail(EPWebDAV, Fault{Times: 1, Method: "COPY", Status: http.StatusInsufficientStorage})
	if r := call(t, s, "PROPFIND", s.URL+"remote.php/webdav/", access, nil, "Depth", "0"); r.status != http.StatusMultiStatus {
		t.Fatalf("PROPFIND suffered the COPY fault: %d", r.status)
	}
	copyReq := func() int {
		return call(t, s, "COPY", s.URL+"remote.php/webdav/a.txt", access, nil, "Destination", s.URL+"remote.php/webdav/b.txt").status
	}
	if got := copyReq(); got != http.StatusInsufficientStorage {
		t.Fatalf("first COPY: %d, want 507", got)
	}
	if got := copyReq(); got != http.StatusCreated {
		t.Fatalf("second COPY: %d, want 201", got)
	}
}
