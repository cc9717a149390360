package cloud

import (
	"bytes"
	"regexp"
)

// credentialPattern finds credentials a server may echo from a request whatever their value: form and query
// fields that carry secrets (client_secret=..., "refresh_token": "..."), and Authorization values.
var credentialPattern = regexp.MustCompile(`(?i)(\b(?:client_secret|refresh_token|access_token|code_verifier|code|password|token)` +
	`(?:%22|")?\s*(?:=|:|%3d|%3a)\s*(?:%22|")?)([^\s&"',;<>%\\]|%[0-9a-f]{2})+` +
	`|((?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{16,}`)

// Redact makes text a server sent fit to show an admin or write to a log: every value in secrets (as sent, and
// form- or path-encoded) and every credential-looking field (client_secret=..., refresh_token=..., a Bearer or
// Basic value) is replaced by [redacted]; the result is one printable line of at most 2,000 bytes. The
// client's own errors go through the same redaction, so a page that shows an error and a page that shows a
// server's words redact alike.
func Redact(text string, secrets ...string) string {
	return snippetN(redactSecrets([]byte(text), secrets), maxRedacted)
}

// maxRedacted caps what Redact returns: enough for a paragraph of advice, not for a page a server sent.
const maxRedacted = 2000

// redactCredentials replaces the values of credential-looking fields in b.
func redactCredentials(b []byte) []byte {
	if !credentialPattern.Match(b) {
		return b
	}
	return credentialPattern.ReplaceAllFunc(b, func(m []byte) []byte {
		sub := credentialPattern.FindSubmatch(m)
		prefix := sub[1]
		if len(prefix) == 0 {
			prefix = sub[3]
		}
		return append(bytes.Clone(prefix), redactedMark...)
	})
}
