package cloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestPresetEndpoints(t *testing.T) {
	t.Parallel()
	nc, err := PresetEndpoints(Nextcloud, "https://cloud.example.org:8000/oc")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		EndpointAuthorization: "https://cloud.example.org:8000/oc/index.php/apps/oauth2/authorize",
		EndpointToken:         "https://cloud.example.org:8000/oc/index.php/apps/oauth2/api/v1/token",
		EndpointUserinfo:      "https://cloud.example.org:8000/oc/ocs/v2.php/cloud/user?format=json",
		EndpointWebDAV:        "https://cloud.example.org:8000/oc/remote.php/dav/files/{userid}/",
		EndpointOCS:           "https://cloud.example.org:8000/oc/ocs/v1.php/apps/files_sharing/api/v1/shares",
	}
	if !reflect.DeepEqual(nc, want) {
		t.Errorf("Nextcloud preset\n got %v\nwant %v", nc, want)
	}
	oc, err := PresetEndpoints(OwnCloud, "http://localhost/")
	if err != nil {
		t.Fatal(err)
	}
	if oc[EndpointWebDAV] != "http://localhost/remote.php/webdav/" || oc[EndpointToken] != "http://localhost/index.php/apps/oauth2/api/v1/token" {
		t.Errorf("ownCloud preset %v", oc)
	}
	if _, err := PresetEndpoints("ocis", "https://x/"); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("unknown product: %v", err)
	}
	if _, err := PresetEndpoints(Nextcloud, "ftp://x/"); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("ftp base: %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	good := func() Config {
		eps, _ := PresetEndpoints(Nextcloud, "https://cloud.example.org/")
		return Config{BaseURL: "https://cloud.example.org/", ClientID: "id", Endpoints: eps}
	}
	tests := []struct {
		name   string
		mutate func(c *Config)
		field  string // "" means valid
	}{
		{"valid", func(c *Config) {}, ""},
		{"valid without trailing slash and with port", func(c *Config) { c.BaseURL = "http://127.0.0.1:8080/nc" }, ""},
		{"empty base", func(c *Config) { c.BaseURL = "" }, "BaseURL"},
		{"relative base", func(c *Config) { c.BaseURL = "/nc/" }, "BaseURL"},
		{"mailto base", func(c *Config) { c.BaseURL = "mailto:a@b" }, "BaseURL"},
		{"base with credentials", func(c *Config) { c.BaseURL = "https://u:p@cloud/" }, "BaseURL"},
		{"base with query", func(c *Config) { c.BaseURL = "https://cloud/?a=b" }, "BaseURL"},
		{"no client id", func(c *Config) { c.ClientID = " " }, "ClientID"},
		{"missing endpoint", func(c *Config) { delete(c.Endpoints, EndpointOCS) }, "Endpoints[ocs_endpoint]"},
		{"relative endpoint", func(c *Config) { c.Endpoints[EndpointToken] = "index.php/apps/oauth2/api/v1/token" }, "Endpoints[token_endpoint]"},
		{"endpoint with fragment", func(c *Config) { c.Endpoints[EndpointUserinfo] = "https://cloud/x#y" }, "Endpoints[userinfo_endpoint]"},
		{"unknown endpoint", func(c *Config) { c.Endpoints["revoke_endpoint"] = "https://cloud/r" }, "Endpoints[revoke_endpoint]"},
		{"userid in the query", func(c *Config) { c.Endpoints[EndpointWebDAV] = "https://cloud/dav?u={userid}" }, "Endpoints[webdav_endpoint]"},
		{"endpoint queries are fine", func(c *Config) { c.Endpoints[EndpointOCS] += "?format=xml" }, ""},
		{"bad mapping target", func(c *Config) { c.Mappings = map[string]string{"ocs-data-id": "uid"} }, "Mappings[ocs-data-id]"},
		{"empty mapping path", func(c *Config) { c.Mappings = map[string]string{"": FieldEmail} }, "Mappings"},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }, "Timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := good()
			tt.mutate(&cfg)
			c, err := New(cfg)
			if tt.field == "" {
				if err != nil || c == nil {
					t.Fatalf("New = %v", err)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field || !errors.Is(err, ErrInvalidConfig) || c != nil {
				t.Fatalf("New = %v, want a ConfigError for %s", err, tt.field)
			}
			if strings.Contains(err.Error(), "u:p") {
				t.Errorf("error %q shows credentials", err)
			}
		})
	}
}

func TestDefaultHTTPClient(t *testing.T) {
	t.Parallel()
	eps, _ := PresetEndpoints(Nextcloud, "https://cloud.example.org/")
	c, err := New(Config{BaseURL: "https://cloud.example.org/", ClientID: "x", Endpoints: eps})
	if err != nil {
		t.Fatal(err)
	}
	tr, ok := c.hc.Transport.(*http.Transport)
	if !ok || tr.MaxIdleConnsPerHost < 64 || c.hc.Timeout != 0 || c.timeout != DefaultTimeout {
		t.Errorf("transport %+v, client timeout %v, call timeout %v", tr, c.hc.Timeout, c.timeout)
	}
	own := &http.Client{}
	c, err = New(Config{BaseURL: "https://cloud.example.org/", ClientID: "x", Endpoints: eps, HTTPClient: own})
	if err != nil {
		t.Fatal(err)
	}
	if own.CheckRedirect != nil || c.hc == own {
		t.Errorf("the caller's client was modified or shared")
	}
}

// Only GET follows redirects; a redirected PROPFIND is reported with its Location (without query).
func TestRedirectPolicy(t *testing.T) {
	t.Parallel()
	var ts *testServer
	ts = newTestServer(t, "/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/moved.txt") {
			http.Redirect(w, r, "/remote.php/dav/files/alice/real.txt", http.StatusFound)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/real.txt") {
			_, _ = w.Write([]byte("real"))
			return
		}
		http.Redirect(w, r, "https://elsewhere.example/login?token=abc", http.StatusMovedPermanently)
	}))
	cn := ts.client(t).As("alice", staticToken("tok"))
	f, err := cn.Open(context.Background(), "/moved.txt", 0)
	if err != nil {
		t.Fatal(err)
	}
	_ = f.Body.Close()
	_, _, err = cn.ReadDir(context.Background(), "/")
	if !errors.Is(err, ErrInvalidResponse) || !strings.Contains(err.Error(), "https://elsewhere.example/login") ||
		strings.Contains(err.Error(), "abc") {
		t.Fatalf("err = %v", err)
	}
	if n := ts.count.method("PROPFIND"); n != 1 {
		t.Errorf("%d PROPFIND requests", n)
	}
}

func TestStatusErrorIs(t *testing.T) {
	t.Parallel()
	all := []error{ErrNotFound, ErrUnauthorized, ErrForbidden, ErrAlreadyShared, ErrAlreadyExists, ErrConflict,
		ErrPreconditionFailed, ErrLocked, ErrInsufficientStorage, ErrThrottled, ErrLoginAgain, ErrInvalidResponse,
		ErrServer, ErrUnsupported, ErrTimeout, ErrUnavailable}
	tests := []struct {
		err  *StatusError
		want []error
	}{
		{&StatusError{StatusCode: 401}, []error{ErrUnauthorized}},
		{&StatusError{StatusCode: 200, OCSCode: 997}, []error{ErrUnauthorized}},
		{&StatusError{StatusCode: 401, OCSCode: 997}, []error{ErrUnauthorized}},
		{&StatusError{StatusCode: 403}, []error{ErrForbidden}},
		{&StatusError{StatusCode: 200, OCSCode: 404}, []error{ErrNotFound}},
		{&StatusError{StatusCode: 404, OCSCode: 998}, []error{ErrNotFound}},
		{&StatusError{StatusCode: 409}, []error{ErrConflict}},
		{&StatusError{StatusCode: 412}, []error{ErrPreconditionFailed}},
		{&StatusError{StatusCode: 423}, []error{ErrLocked}},
		{&StatusError{StatusCode: 429}, []error{ErrThrottled}},
		{&StatusError{StatusCode: 507}, []error{ErrInsufficientStorage}},
		{&StatusError{StatusCode: 502}, []error{ErrServer}},
		{&StatusError{StatusCode: 200, OCSCode: 996}, []error{ErrServer}},
		{&StatusError{StatusCode: 400}, nil},
		{&StatusError{StatusCode: 405, kind: ErrAlreadyExists}, []error{ErrAlreadyExists}},
		{&StatusError{StatusCode: 403, OCSCode: 403, kind: ErrAlreadyShared}, []error{ErrAlreadyShared}},
		{&StatusError{StatusCode: 400, OAuthError: "invalid_grant", tokenCall: true}, []error{ErrLoginAgain}},
		{&StatusError{StatusCode: 401, OAuthError: "invalid_client", tokenCall: true}, []error{ErrLoginAgain}},
		{&StatusError{StatusCode: 429, tokenCall: true}, []error{ErrThrottled}},
		{&StatusError{StatusCode: 503, tokenCall: true}, []error{ErrServer}},
	}
	for _, tt := range tests {
		for _, target := range all {
			want := false
			for _, w := range tt.want {
				want = want || w == target
			}
			if got := errors.Is(tt.err, target); got != want {
				t.Errorf("errors.Is(%+v, %v) = %v", tt.err, target, got)
			}
		}
		wrapped := fmt.Errorf("outer: %w", tt.err)
		for _, w := range tt.want {
			if !errors.Is(wrapped, w) {
				t.Errorf("wrapped %v does not match %v", tt.err, w)
			}
		}
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 5, 14, 12, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              0,
		"30":                            30 * time.Second,
		" 7 ":                           7 * time.Second,
		"-5":                            0,
		"soon":                          0,
		"Tue, 14 May 2024 12:05:00 GMT": 5 * time.Minute,
		"Tue, 14 May 2024 11:05:00 GMT": 0,
		"99999999999999999999":          0,
	}
	for v, want := range tests {
		h := http.Header{}
		if v != "" {
			h.Set("Retry-After", v)
		}
		if got := retryAfter(h, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		answer  answer
		want    Status
		wantErr error
	}{
		{"Nextcloud", answer{status: 200, ctype: "application/json", body: `{"installed":true,"maintenance":false,` +
			`"needsDbUpgrade":false,"version":"34.0.1.2","versionstring":"34.0.1","edition":"","productname":"Nextcloud",` +
			`"extendedSupport":false}`},
			Status{Installed: true, Version: "34.0.1.2", VersionText: "34.0.1", Product: "Nextcloud"}, nil},
		{"ownCloud in maintenance", answer{status: 200, body: `{"installed":"true","maintenance":"true","version":"10.13.4.1",` +
			`"versionstring":"10.13.4","productname":"ownCloud"}`},
			Status{Installed: true, Maintenance: true, Version: "10.13.4.1", VersionText: "10.13.4", Product: "ownCloud"}, nil},
		{"HTML", answer{status: 200, ctype: "text/html", body: htmlLogin}, Status{}, ErrInvalidResponse},
		{"other JSON", answer{status: 200, body: `{"hello":"world"}`}, Status{}, ErrInvalidResponse},
		{"503", answer{status: 503, body: `{"installed":true,"maintenance":true}`}, Status{}, ErrServer},
		{"404", answer{status: 404}, Status{}, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, "/sub/", tt.answer.handler())
			got, err := ts.client(t).Status(context.Background())
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			} else if err != nil || got != tt.want {
				t.Fatalf("Status = %+v, %v; want %+v", got, err, tt.want)
			}
			r, _ := ts.count.request()
			if r.URL.Path != "/sub/status.php" || r.Header.Get("Authorization") != "" || ts.count.total() != 1 {
				t.Errorf("%s auth %q (%d requests)", r.URL.Path, r.Header.Get("Authorization"), ts.count.total())
			}
		})
	}
}

func TestSnippet(t *testing.T) {
	t.Parallel()
	got := snippet([]byte("\n\n  <html>\x00\x01 \t\r\n body \xff" + strings.Repeat("x", 500)))
	if !strings.HasPrefix(got, "<html>.. body .xxx") || len([]rune(got)) > snippetLen {
		t.Errorf("snippet %q", got)
	}
}

// TestNewTransportReadBuffer: the client's own transport reads a connection through ReadBufferSize, so that a
// chunked listing takes few reads of the socket (BenchmarkReadDir200 counts them).
func TestNewTransportReadBuffer(t *testing.T) {
	t.Parallel()
	if got := newTransport().ReadBufferSize; got != ReadBufferSize {
		t.Errorf("read buffer %d, want %d", got, ReadBufferSize)
	}
}
