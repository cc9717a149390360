package cloud

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		secrets  []string
	}{
		{"grant_type=refresh_token&client_id=x&client_secret=abc123XYZ&refresh_token=r-1234567",
			"grant_type=refresh_token&client_id=x&client_secret=[redacted]&refresh_token=[redacted]", nil},
		{`{"client_secret": "abc123XYZ"}`, `{"client_secret": "[redacted]"}`, nil},
		{"client_secret%3Dabc%2B123", "client_secret%3D[redacted]", nil},
		{"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload", "Authorization: Bearer [redacted]", nil},
		{"Basic b2NyZXBvOnNlY3JldC12YWx1ZQ==", "Basic [redacted]", nil},
		{"it says my-long-secret-value here", "it says [redacted] here", []string{"my-long-secret-value"}},
		{"encoded my%2Bsecret%2Bvalue", "encoded [redacted]", []string{"my+secret+value"}},
		// Ordinary words stay: a short Basic realm, a status code, a sentence about a bearer token.
		{`Basic realm="Nextcloud"`, `Basic realm="Nextcloud"`, nil},
		{"statuscode: 997", "statuscode: 997", nil},
		{"No 'Authorization: Bearer' header found; Bearer token was incorrect", "No 'Authorization: Bearer' header found; Bearer token was incorrect", nil},
		{"line\none\x00", "line one.", nil},
	}
	for _, tt := range tests {
		if got := Redact(tt.in, tt.secrets...); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := Redact(strings.Repeat("a", 5000)); len(got) != maxRedacted {
		t.Errorf("Redact of 5000 bytes kept %d", len(got))
	}
}
