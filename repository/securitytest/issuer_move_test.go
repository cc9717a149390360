package securitytest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
)

// catcher is a server an attacker controls: it records everything sent to it.
type catcher struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string // method, path, Authorization header and body of every request
}

func newCatcher(t *testing.T) *catcher {
	c := &catcher{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.seen = append(c.seen, r.Method+" "+r.URL.String()+" auth="+r.Header.Get("Authorization")+" body="+string(b))
		c.mu.Unlock()
		// Echo the request, as a hostile token endpoint would, to tempt any page that shows what came back.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error":"invalid_client","error_description":"got `+url.QueryEscape(string(b))+`"}`)
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *catcher) requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.seen...)
}

// movedIssuerForm is the admin's edit form of iss with the token endpoint replaced by tokenURL.
func movedIssuerForm(iss store.Issuer, tokenURL, secret string, confirm bool) url.Values {
	f := url.Values{"name": {iss.Name}, "base_url": {iss.BaseURL}, "client_id": {iss.ClientID}, "client_secret": {secret},
		"basic_auth": {"on"}, "preset": {iss.Preset}, "action": {"save"}}
	for _, e := range iss.Endpoints {
		u := e.URL
		if e.Name == "token_endpoint" {
			u = tokenURL
		}
		f.Add("endpoint_name", e.Name)
		f.Add("endpoint_url", u)
	}
	for _, m := range iss.Mappings {
		f.Add("mapping_external", m.External)
		f.Add("mapping_internal", m.Internal)
	}
	if confirm {
		f.Set("confirm_new_server", "on")
	}
	return f
}

// TestIssuerMovedToAnotherServerIsANewServer: an admin (or whoever holds an admin's session) points the token
// endpoint of a connected issuer at a host of their own with the secret field left blank. The save is refused
// until the secret is typed again and the move is confirmed after the form warned about it; once saved, every
// stored login of the issuer (the system account's too) is gone and the audit trail says so; the connection check
// and the students' pages then send neither the old client secret nor any old token to the new address.
func TestIssuerMovedToAnotherServerIsANewServer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := repositorytest.New(t, repositorytest.Options{})
	iss := h.AddIssuer(t, "Campus cloud")
	h.AddInstance(t, iss.ID, "Campus files", 3, 1)
	h.ConnectSystem(t, iss.ID)
	h.Connect(t, iss.ID, "student")
	sysTok, err := h.Store.GetToken(ctx, store.TokenKey{IssuerID: iss.ID, System: true})
	if err != nil {
		t.Fatal(err)
	}
	stuTok, err := h.Store.GetToken(ctx, store.TokenKey{IssuerID: iss.ID, UserID: "student"})
	if err != nil {
		t.Fatal(err)
	}
	evil := newCatcher(t)
	admin := h.Client("admin")
	page := repositorytest.Mount + "/admin/issuers/" + strconv.FormatInt(iss.ID, 10)
	tokenURL := evil.URL + "/index.php/apps/oauth2/api/v1/token"

	// Blank secret, no confirmation: refused, with the warning on the form.
	code, body, _ := admin.Post(t, page, movedIssuerForm(iss, tokenURL, "", false))
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("move with a blank secret: status %d, want 422", code)
	}
	for _, want := range []string{`data-testid="new-server-notice"`, "type the client secret registered at the new address",
		"signs out every user and the system account", evil.URL} {
		if !strings.Contains(body, want) {
			t.Errorf("the refused form does not say %q", want)
		}
	}
	// Confirmed but still without a secret: refused.
	if code, _, _ := admin.Post(t, page, movedIssuerForm(iss, tokenURL, "", true)); code != http.StatusUnprocessableEntity {
		t.Fatalf("confirmed move with a blank secret: status %d, want 422", code)
	}
	// A secret typed but the move not confirmed: refused, nothing changed yet.
	if code, _, _ := admin.Post(t, page, movedIssuerForm(iss, tokenURL, "typed-again-secret", false)); code != http.StatusUnprocessableEntity {
		t.Fatalf("unconfirmed move: status %d, want 422", code)
	}
	if got, _ := h.Store.GetIssuer(ctx, iss.ID); got.EndpointURL("token_endpoint") == tokenURL {
		t.Fatal("a refused move was stored")
	}
	if _, err := h.Store.GetToken(ctx, store.TokenKey{IssuerID: iss.ID, UserID: "student"}); err != nil {
		t.Fatalf("a refused move dropped a login: %v", err)
	}

	// Typed and confirmed: saved as a new server.
	if code, body, _ := admin.Post(t, page, movedIssuerForm(iss, tokenURL, "typed-again-secret", true)); code != http.StatusSeeOther {
		t.Fatalf("confirmed move: status %d, want 303\n%s", code, body)
	}
	for _, key := range []store.TokenKey{{IssuerID: iss.ID, System: true}, {IssuerID: iss.ID, UserID: "student"}} {
		if _, err := h.Store.GetToken(ctx, key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("token %+v survived the move: %v", key, err)
		}
	}
	audit, err := h.Store.ListAudit(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(audit) == 0 || audit[0].Action != "issuer.new_server" || !strings.Contains(audit[0].Detail, `{"id":"audit.logins_dropped","args":["Count",1]}`) ||
		!strings.Contains(audit[0].Detail, `"audit.system_dropped"`) || !strings.Contains(audit[0].Detail, evil.URL) {
		t.Errorf("audit trail does not record the move: %+v", audit)
	}

	// The check and a student's listing now run against the new address: nothing old reaches it.
	if code, _, _ := admin.Post(t, page+"/check", nil); code != http.StatusOK {
		t.Fatalf("check: status %d", code)
	}
	stu := h.Client("student")
	stu.Get(t, h.PickerURL(host.PickRequest{User: "student", Course: "42"}))
	seen := evil.requests()
	if len(seen) == 0 {
		t.Fatal("the check never reached the new token endpoint: the test proves nothing")
	}
	for _, r := range seen {
		for what, secret := range map[string]string{"client secret": repositorytest.ClientSecret,
			"system refresh token": sysTok.RefreshToken, "system access token": sysTok.AccessToken,
			"student refresh token": stuTok.RefreshToken, "student access token": stuTok.AccessToken} {
			if strings.Contains(r, secret) || strings.Contains(r, url.QueryEscape(secret)) {
				t.Errorf("the %s reached the new address: %s", what, r)
			}
		}
	}
}
