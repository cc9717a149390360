package cloud

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http/httpguts"
)

// The secrets a token request carries in FuzzTokenResponse; the seed corpus has answers that echo them.
const (
	fuzzClientSecret = "fuzz-client-secret-value"
	fuzzRefresh      = "fuzz-refresh-token-0123456789"
	fuzzCode         = "fuzz-auth-code-0123456789"
	fuzzVerifier     = "fuzz-verifier-0123456789abcdefghijklmnopqrstuvwxyz"
)

// fixedReply is a transport that answers the token endpoint with one fuzzed reply and everything else with 404.
type fixedReply struct {
	status      int
	contentType string
	location    string
	retryAfter  string
	body        []byte
	token       string
}

func (f *fixedReply) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	h := http.Header{}
	status, body := http.StatusNotFound, []byte("not here")
	if req.URL.String() == f.token {
		status, body = f.status, f.body
		// Header values as net/http delivers them: nothing it would refuse to parse.
		for k, v := range map[string]string{"Content-Type": f.contentType, "Location": f.location, "Retry-After": f.retryAfter} {
			if v != "" && httpguts.ValidHeaderFieldValue(v) {
				h.Set(k, v)
			}
		}
	}
	return &http.Response{StatusCode: status, Status: strconv.Itoa(status) + " " + http.StatusText(status), Header: h,
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: req,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
}

// FuzzTokenResponse feeds arbitrary token endpoint replies (status, headers, body) to the code exchange and the
// refresh: they never panic, succeed only with an access token from a 2xx answer, fail with a typed error that
// fits on one line, and never repeat a secret the request carried, even when the answer echoes it.
func FuzzTokenResponse(f *testing.F) {
	f.Add(uint16(200), "application/json", []byte(`{"access_token":"a","token_type":"Bearer","expires_in":3600,"refresh_token":"r","user_id":"alice"}`), "", "", false)
	f.Add(uint16(400), "application/json", []byte(`{"error":"invalid_grant","error_description":"`+fuzzRefresh+`"}`), "", "", false)
	f.Add(uint16(502), "text/html", []byte("<html><body>bad gateway for refresh_token="+fuzzRefresh+"&code="+fuzzCode+"</body></html>"), "", "", true)
	f.Add(uint16(302), "text/html", []byte(""), "https://cloud.example.org/index.php/login?redirect_url="+fuzzCode, "", true)
	f.Add(uint16(429), "", []byte(""), "", "120", false)
	f.Fuzz(func(t *testing.T, status uint16, contentType string, body []byte, location, retryAfter string, exchange bool) {
		code := int(status)
		if code < 100 || code > 599 {
			code = 100 + code%500
		}
		eps, err := PresetEndpoints(Nextcloud, "https://cloud.example.org/")
		if err != nil {
			t.Fatal(err)
		}
		rt := &fixedReply{status: code, contentType: contentType, location: location, retryAfter: retryAfter, body: body,
			token: eps[EndpointToken]}
		c, err := New(Config{BaseURL: "https://cloud.example.org/", ClientID: "ocrepo", ClientSecret: fuzzClientSecret,
			BasicAuth: !exchange, Endpoints: eps, HTTPClient: &http.Client{Transport: rt}, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		var tok Token
		sent := []string{fuzzClientSecret}
		if exchange {
			tok, err = c.Exchange(context.Background(), fuzzCode, fuzzVerifier, "https://lms.example.org/cloud/callback")
			sent = append(sent, fuzzCode, fuzzVerifier)
		} else {
			tok, err = c.Refresh(context.Background(), fuzzRefresh)
			sent = append(sent, fuzzRefresh)
		}
		if err == nil {
			if code < 200 || code > 299 {
				t.Fatalf("a token from HTTP %d", code)
			}
			if tok.AccessToken == "" {
				t.Fatal("success without an access token")
			}
			return
		}
		var se *StatusError
		var ie *InvalidResponseError
		var te *transportError
		if !errors.As(err, &se) && !errors.As(err, &ie) && !errors.As(err, &te) {
			t.Fatalf("untyped error %T: %v", err, err)
		}
		msg := err.Error()
		if strings.ContainsAny(msg, "\r\n") {
			t.Fatalf("error spans lines: %q", msg)
		}
		if len(msg) > 2000 {
			t.Fatalf("error of %d bytes", len(msg))
		}
		for _, secret := range sent {
			if strings.Contains(msg, secret) {
				t.Fatalf("error repeats a secret: %q", msg)
			}
		}
	})
}
