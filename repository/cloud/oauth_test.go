package cloud

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestAuthCodeURL(t *testing.T) {
	t.Parallel()
	eps, err := PresetEndpoints(Nextcloud, "https://cloud.example.org:8443/nc")
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{BaseURL: "https://cloud.example.org:8443/nc", ClientID: "client id", Endpoints: eps})
	if err != nil {
		t.Fatal(err)
	}
	verifier := oauth2.GenerateVerifier()
	raw := c.AuthCodeURL("st-ate_1", verifier, "https://lms.example.org/cloud/callback?x=1")
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "https" || u.Host != "cloud.example.org:8443" || u.Path != "/nc/index.php/apps/oauth2/authorize" {
		t.Errorf("authorize URL %s", raw)
	}
	q := u.Query()
	want := map[string]string{
		"response_type":         "code",
		"client_id":             "client id",
		"state":                 "st-ate_1",
		"redirect_uri":          "https://lms.example.org/cloud/callback?x=1",
		"code_challenge":        oauth2.S256ChallengeFromVerifier(verifier),
		"code_challenge_method": "S256",
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if strings.Contains(raw, verifier) {
		t.Errorf("the verifier itself is in the URL")
	}

	eps[EndpointAuthorization] = "https://cloud.example.org:8443/nc/index.php/apps/oauth2/authorize?lang=de"
	c, err = New(Config{BaseURL: "https://cloud.example.org:8443/nc", ClientID: "x", Endpoints: eps})
	if err != nil {
		t.Fatal(err)
	}
	u, _ = url.Parse(c.AuthCodeURL("s", "", "https://lms/cb"))
	if u.Query().Get("lang") != "de" || u.Query().Get("state") != "s" || u.Query().Has("code_challenge") {
		t.Errorf("authorize URL with a query: %s", u)
	}
}

// tokenHandler is a token endpoint that checks client authentication and answers with reply.
func tokenHandler(t *testing.T, basic bool, reply answer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		user, pass, hasBasic := r.BasicAuth()
		switch {
		case basic && (!hasBasic || user != "ocrepo" || pass != "s3cret-client" || r.PostForm.Has("client_secret")):
			t.Errorf("want Basic client auth, got basic=%v form=%v", hasBasic, r.PostForm)
		case !basic && (hasBasic || r.PostForm.Get("client_id") != "ocrepo" || r.PostForm.Get("client_secret") != "s3cret-client"):
			t.Errorf("want client credentials in the body, got basic=%v form=%v", hasBasic, r.PostForm)
		}
		reply.handler().ServeHTTP(w, r)
	})
}

const goodToken = `{"access_token":"AT-new","token_type":"Bearer","expires_in":3600,"refresh_token":"RT-new","user_id":"alice"}`

func TestExchange(t *testing.T) {
	t.Parallel()
	for _, basic := range []bool{true, false} {
		t.Run(map[bool]string{true: "basic", false: "body"}[basic], func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, "/oc/", tokenHandler(t, basic, answer{status: 200, ctype: "application/json", body: goodToken}))
			c := ts.client(t, func(c *Config) { c.BasicAuth = basic })
			before := time.Now()
			tok, err := c.Exchange(context.Background(), "the-code", "the-verifier", "https://lms/cb")
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken != "AT-new" || tok.RefreshToken != "RT-new" || tok.UserID != "alice" ||
				tok.Expiry.Before(before.Add(3599*time.Second)) || tok.Expiry.After(time.Now().Add(3601*time.Second)) {
				t.Errorf("token %+v", tok)
			}
			r, body := ts.count.request()
			form, _ := url.ParseQuery(body)
			if r.URL.Path != "/oc/index.php/apps/oauth2/api/v1/token" || form.Get("grant_type") != "authorization_code" ||
				form.Get("code") != "the-code" || form.Get("redirect_uri") != "https://lms/cb" ||
				form.Get("code_verifier") != "the-verifier" {
				t.Errorf("token request %s %v", r.URL.Path, form)
			}
			if ts.count.total() != 1 {
				t.Errorf("%d requests", ts.count.total())
			}
		})
	}
}

func TestExchangeNumericUserID(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "/", answer{status: 200, ctype: "application/json",
		body: `{"access_token":"a","token_type":"Bearer","refresh_token":"r","user_id":1234}`}.handler())
	tok, err := ts.client(t).Exchange(context.Background(), "c", "", "")
	if err != nil || tok.UserID != "1234" || !tok.Expiry.IsZero() {
		t.Fatalf("%+v %v", tok, err)
	}
	if _, body := ts.count.request(); !strings.Contains(body, "redirect_uri=") || strings.Contains(body, "code_verifier") {
		t.Errorf("body %q: redirect_uri must always be sent, the verifier only when given", body)
	}
}

func TestRefresh(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		answer    answer
		wantErr   error
		oauthCode string
		also      error
	}{
		{name: "success", answer: answer{status: 200, ctype: "application/json", body: goodToken}},
		{name: "reused refresh token", answer: answer{status: 400, ctype: "application/json", body: `{"error":"invalid_request"}`},
			wantErr: ErrLoginAgain, oauthCode: "invalid_request"},
		{name: "invalid grant", answer: answer{status: 400, ctype: "application/json",
			body: `{"error":"invalid_grant","error_description":"The refresh token is invalid."}`},
			wantErr: ErrLoginAgain, oauthCode: "invalid_grant"},
		{name: "wrong client secret", answer: answer{status: 401, ctype: "application/json", body: `{"error":"invalid_client"}`},
			wantErr: ErrLoginAgain, oauthCode: "invalid_client"},
		{name: "error under 200", answer: answer{status: 200, ctype: "application/json", body: `{"error":"invalid_grant"}`},
			wantErr: ErrLoginAgain, oauthCode: "invalid_grant"},
		{name: "HTML 500 page", answer: answer{status: 500, ctype: "text/html", body: "<html><body>Internal Server Error</body></html>"},
			wantErr: ErrInvalidResponse, also: ErrServer},
		{name: "HTML 200 page", answer: answer{status: 200, ctype: "text/html; charset=UTF-8", body: htmlLogin},
			wantErr: ErrInvalidResponse},
		{name: "JSON without a token", answer: answer{status: 200, ctype: "application/json", body: `{"token_type":"Bearer"}`},
			wantErr: ErrInvalidResponse},
		{name: "throttled", answer: answer{status: 429, header: map[string]string{"Retry-After": "25"}},
			wantErr: ErrThrottled},
		{name: "redirect to login (no index.php)", answer: answer{status: 302, header: map[string]string{"Location": "https://cloud/login?redirect_url=x"}},
			wantErr: ErrInvalidResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, "/", tokenHandler(t, true, tt.answer))
			c := ts.client(t)
			tok, err := c.Refresh(context.Background(), "RT-old-secret")
			if ts.count.total() != 1 {
				t.Fatalf("%d token requests, want exactly 1 (never retried)", ts.count.total())
			}
			_, body := ts.count.request()
			if form, _ := url.ParseQuery(body); form.Get("grant_type") != "refresh_token" || form.Get("refresh_token") != "RT-old-secret" {
				t.Errorf("form %v", form)
			}
			if tt.wantErr == nil {
				if err != nil || tok.AccessToken != "AT-new" || tok.RefreshToken != "RT-new" {
					t.Fatalf("%+v %v", tok, err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.also != nil && !errors.Is(err, tt.also) {
				t.Errorf("err = %v, want it to match %v too", err, tt.also)
			}
			if tt.oauthCode != "" {
				var se *StatusError
				if !errors.As(err, &se) || se.OAuthError != tt.oauthCode || !strings.Contains(err.Error(), tt.oauthCode) {
					t.Errorf("OAuth code not kept: %v", err)
				}
			}
			if tt.wantErr == ErrThrottled {
				var se *StatusError
				if !errors.As(err, &se) || se.RetryAfter != 25*time.Second {
					t.Errorf("Retry-After: %v", err)
				}
			}
			for _, secret := range []string{"RT-old-secret", "s3cret-client", "redirect_url"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q contains %q", err, secret)
				}
			}
		})
	}
}

func TestRefreshWithoutToken(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "/", answer{status: 200, body: goodToken}.handler())
	if _, err := ts.client(t).Refresh(context.Background(), ""); !errors.Is(err, ErrLoginAgain) {
		t.Fatalf("err = %v", err)
	}
	if ts.count.total() != 0 {
		t.Errorf("%d requests", ts.count.total())
	}
}

func TestTokenTimeoutAndRefusedConnection(t *testing.T) {
	t.Parallel()
	var ts *testServer
	ts = newTestServer(t, "/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-ts.release }))
	// The server never answers; the timeout is long enough for the request to arrive on a loaded machine, so the
	// count below is the client's own (one request, no retry).
	c := ts.client(t, func(c *Config) { c.Timeout = 500 * time.Millisecond })
	_, err := c.Refresh(context.Background(), "RT-secret")
	if !errors.Is(err, ErrTimeout) || strings.Contains(err.Error(), "RT-secret") {
		t.Fatalf("err = %v", err)
	}
	if ts.count.total() != 1 {
		t.Errorf("%d requests", ts.count.total())
	}

	closed := newTestServer(t, "/", answer{status: 200}.handler())
	c = closed.client(t)
	closed.Close()
	_, err = c.Exchange(context.Background(), "CODE-secret", "VERIFIER-secret", "https://lms/cb")
	if err == nil || errors.Is(err, ErrTimeout) || errors.Is(err, ErrLoginAgain) {
		t.Fatalf("err = %v", err)
	}
	for _, s := range []string{"CODE-secret", "VERIFIER-secret"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q leaks %s", err, s)
		}
	}
}
