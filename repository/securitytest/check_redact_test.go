package securitytest

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
)

// TestCheckRedactsWhatServersEcho: a token endpoint (and a status.php) that echo what they were sent, in the
// fields the check quotes, must not put the client secret on the admin's page or in the audit trail.
func TestCheckRedactsWhatServersEcho(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := repositorytest.New(t, repositorytest.Options{})
	const secret = "Echoed-Client-Secret-4711"
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/status.php") {
			_, _ = io.WriteString(w, `{"installed":true,"productname":"Nextcloud","version":"34.0.1","versionstring":"34 client_secret=`+secret+`"}`)
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		// The whole request in the OAuth error code, which the check quotes.
		_, _ = io.WriteString(w, `{"error":"`+strings.ReplaceAll(string(b), `"`, ``)+` auth=`+r.Header.Get("Authorization")+`"}`)
	}))
	t.Cleanup(echo.Close)
	iss := h.AddIssuer(t, "Echo cloud")
	iss.ClientSecret, iss.BasicAuth, iss.BaseURL = secret, false, echo.URL+"/"
	for i := range iss.Endpoints {
		if iss.Endpoints[i].Name == "token_endpoint" {
			iss.Endpoints[i].URL = echo.URL + "/index.php/apps/oauth2/api/v1/token"
		}
	}
	if _, err := h.Store.UpdateIssuer(ctx, iss); err != nil {
		t.Fatal(err)
	}
	for _, basic := range []bool{false, true} {
		iss.BasicAuth = basic
		if _, err := h.Store.UpdateIssuer(ctx, iss); err != nil {
			t.Fatal(err)
		}
		code, body, _ := h.Client("admin").Post(t, repositorytest.Mount+"/admin/issuers/"+strconv.FormatInt(iss.ID, 10)+"/check", nil)
		if code != http.StatusOK {
			t.Fatalf("check: status %d", code)
		}
		if !strings.Contains(body, "[redacted]") {
			t.Errorf("basic %t: the echoed request is not on the page at all: the test proves nothing", basic)
		}
		basicAuth := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(iss.ClientID) + ":" + url.QueryEscape(secret)))
		for _, form := range []string{secret, url.QueryEscape(secret), basicAuth} {
			if strings.Contains(body, form) {
				t.Errorf("basic %t: the client secret is on the check's page", basic)
			}
		}
		audit, err := h.Store.ListAudit(ctx, store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		stored, _ := h.Store.GetIssuer(ctx, iss.ID)
		if strings.Contains(stored.Version, secret) || (len(audit) > 0 && strings.Contains(audit[0].Detail, secret)) {
			t.Errorf("basic %t: the secret was stored from the server's answer", basic)
		}
	}
}
