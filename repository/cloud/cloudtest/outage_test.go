package cloudtest

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
)

func TestStopAndStart(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	access, _, _ := s.IssueToken("alice")
	if r := call(t, s, "PROPFIND", s.URL+"remote.php/webdav/", access, nil, "Depth", "0"); r.status != 207 {
		t.Fatalf("before the stop: HTTP %d", r.status)
	}
	s.Stop()
	s.Client().CloseIdleConnections() // a kept-alive connection would end in EOF instead
	req, _ := http.NewRequest("PROPFIND", s.URL+"remote.php/webdav/", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	_, err := s.Client().Do(req)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("while stopped: %v, want connection refused", err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if r := call(t, s, "PROPFIND", s.URL+"remote.php/webdav/", access, nil, "Depth", "0"); r.status != 207 {
		t.Fatalf("after the start: HTTP %d (the token and files should have survived)", r.status)
	}
}

func TestExpireAccessTokensKeepsTheRefreshToken(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	access, refresh, _ := s.IssueToken("alice")
	other, _, _ := s.IssueToken("bob")
	if n := s.ExpireAccessTokens("alice"); n != 1 {
		t.Fatalf("ended %d tokens, want 1", n)
	}
	r := call(t, s, "PROPFIND", s.URL+"remote.php/webdav/", access, nil, "Depth", "0")
	if r.status != 401 || !strings.Contains(r.String(), "Bearer token was incorrect") {
		t.Fatalf("ended token: HTTP %d %s", r.status, r.body)
	}
	if r := call(t, s, "PROPFIND", s.URL+"remote.php/webdav/", other, nil, "Depth", "0"); r.status != 207 {
		t.Fatalf("another user's token: HTTP %d", r.status)
	}
	rr, tr := postToken(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}, true, "ocrepo", "secret")
	if rr.status != 200 || tr.AccessToken == "" {
		t.Fatalf("refresh after the early end: HTTP %d %s", rr.status, rr.body)
	}
}

func TestSetClientSecretRefusesThenWorks(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	_, refresh, _ := s.IssueToken("alice")
	s.SetClientSecret("regenerated")
	rr, tr := postToken(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}, true, "ocrepo", "secret")
	if rr.status != 400 || tr.Error != "invalid_client" {
		t.Fatalf("old secret: HTTP %d %s", rr.status, rr.body)
	}
	rr, tr = postToken(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}, true, "ocrepo", "regenerated")
	if rr.status != 200 || tr.AccessToken == "" {
		t.Fatalf("new secret, same refresh token: HTTP %d %s", rr.status, rr.body)
	}
}
