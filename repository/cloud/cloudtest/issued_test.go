package cloudtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"
)

// TestIssuedSecretsListsEverySecretHandedOut: codes, access and refresh tokens from the quick paths and from the
// token endpoint, rotated-away ones included, so that tests can scan logs and pages for all of them.
func TestIssuedSecretsListsEverySecretHandedOut(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{ClientID: "c", ClientSecret: "c-secret", RedirectURI: "https://lms.example.org/cb"})
	access, refresh, _ := s.IssueToken("alice")
	code := s.AuthorizeCode("bob", "state", "")
	r := form(t, s, http.MethodPost, s.URL+"index.php/apps/oauth2/api/v1/token", "", url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {"c"}, "client_secret": {"c-secret"}})
	if r.status != http.StatusOK {
		t.Fatalf("refresh: %d %s", r.status, r)
	}
	var rotated struct {
		Access  string `json:"access_token"`
		Refresh string `json:"refresh_token"`
	}
	if err := json.Unmarshal(r.body, &rotated); err != nil {
		t.Fatal(err)
	}
	got := s.IssuedSecrets()
	for _, want := range []string{access, refresh, code, rotated.Access, rotated.Refresh} {
		if !slices.Contains(got, want) {
			t.Errorf("IssuedSecrets lacks %q", want)
		}
	}
	if len(got) != 5 {
		t.Errorf("IssuedSecrets holds %d values, want 5: %q", len(got), got)
	}
	got[0] = "changed"
	if s.IssuedSecrets()[0] == "changed" {
		t.Error("IssuedSecrets returns the server's own slice")
	}
}
