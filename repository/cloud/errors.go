package cloud

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Errors callers branch on with errors.Is; *StatusError and *InvalidResponseError carry detail.
var (
	ErrNotFound            = errors.New("cloud: not found")
	ErrUnauthorized        = errors.New("cloud: unauthorized")
	ErrForbidden           = errors.New("cloud: forbidden")
	ErrAlreadyShared       = errors.New("cloud: already shared")
	ErrAlreadyExists       = errors.New("cloud: already exists")
	ErrConflict            = errors.New("cloud: conflict")
	ErrPreconditionFailed  = errors.New("cloud: target exists")
	ErrLocked              = errors.New("cloud: locked")
	ErrInsufficientStorage = errors.New("cloud: insufficient storage")
	ErrThrottled           = errors.New("cloud: throttled")
	ErrLoginAgain          = errors.New("cloud: log in again")
	ErrInvalidResponse     = errors.New("cloud: invalid response")
	ErrServer              = errors.New("cloud: server error")
	ErrUnsupported         = errors.New("cloud: not supported by this server")
	ErrTimeout             = errors.New("cloud: timed out")
	// ErrUnavailable is a request that got no usable answer other than by a timeout: nothing accepted the
	// connection, it was reset, the answer broke off mid-body, the host name did not resolve, TLS failed. The
	// cloud is down or unreachable from here; a person may try again.
	ErrUnavailable = errors.New("cloud: unavailable")
	// ErrInvalidConfig is matched by the *ConfigError New returns.
	ErrInvalidConfig = errors.New("cloud: invalid configuration")
)

// maxMessage caps how much of a server's message an error carries.
const maxMessage = 200

// snippetLen is how many printable bytes of an unexpected body an InvalidResponseError keeps.
const snippetLen = 120

// StatusError is an HTTP or OCS failure.
//
// errors.Is maps it to the sentinels: 401 and OCS 997 are ErrUnauthorized, 403 ErrForbidden, 404 (and OCS 998)
// ErrNotFound, 409 ErrConflict, 412 ErrPreconditionFailed, 423 ErrLocked, 429 ErrThrottled, 507
// ErrInsufficientStorage, other 5xx ErrServer. Some calls give a status a meaning of their own (MKCOL's 405 is
// ErrAlreadyExists, SEARCH's 405/501/400 ErrUnsupported, a share creation's 403 "already shared"
// ErrAlreadyShared); such an error matches that sentinel only. A refused token request (400/401, or an OAuth error
// code) is ErrLoginAgain.
type StatusError struct {
	Op             string // "propfind /docs", "create share", "token"
	StatusCode     int    // HTTP status
	OCSCode        int    // OCS meta.statuscode, 0 when not OCS
	Message        string // the server's message (never a secret)
	BearerRejected bool   // a 401 whose body says the bearer token was refused
	RetryAfter     time.Duration
	// OAuthError is the OAuth error code of a refused token request ("invalid_grant", "invalid_client"...).
	OAuthError string

	kind      error // a call-specific meaning of the status, matched alone
	tokenCall bool  // the token endpoint answered
}

// Error describes the failure without secrets.
func (e *StatusError) Error() string {
	var b strings.Builder
	b.WriteString("cloud: ")
	b.WriteString(e.Op)
	b.WriteString(": HTTP ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteString(" ")
		b.WriteString(t)
	}
	if e.OCSCode != 0 {
		b.WriteString(", OCS ")
		b.WriteString(strconv.Itoa(e.OCSCode))
	}
	if e.OAuthError != "" {
		b.WriteString(", OAuth error ")
		b.WriteString(e.OAuthError)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.BearerRejected {
		b.WriteString(" (the server refused the bearer token; if login worked, a web server in front may strip the Authorization header)")
	}
	if e.RetryAfter > 0 {
		b.WriteString(" (retry after ")
		b.WriteString(e.RetryAfter.String())
		b.WriteString(")")
	}
	return b.String()
}

// Is reports whether the failure means target (see the type's documentation).
func (e *StatusError) Is(target error) bool {
	if target == nil {
		return false
	}
	if e.kind != nil {
		return target == e.kind
	}
	if e.tokenCall && (e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusUnauthorized ||
		e.OAuthError != "" && e.StatusCode < 500 && e.StatusCode != http.StatusTooManyRequests) {
		return target == ErrLoginAgain
	}
	return ocsSentinel(e.OCSCode) == target || httpSentinel(e.StatusCode) == target
}

// httpSentinel is what an HTTP status means, or nil.
func httpSentinel(code int) error {
	switch code {
	case http.StatusUnauthorized:
		return ErrUnauthorized
	case http.StatusForbidden:
		return ErrForbidden
	case http.StatusNotFound:
		return ErrNotFound
	case http.StatusConflict:
		return ErrConflict
	case http.StatusPreconditionFailed:
		return ErrPreconditionFailed
	case http.StatusLocked:
		return ErrLocked
	case http.StatusTooManyRequests:
		return ErrThrottled
	case http.StatusInsufficientStorage:
		return ErrInsufficientStorage
	}
	if code >= 500 && code <= 599 {
		return ErrServer
	}
	return nil
}

// ocsSentinel is what an OCS status code means, or nil.
func ocsSentinel(code int) error {
	switch code {
	case 997, 401:
		return ErrUnauthorized
	case 403:
		return ErrForbidden
	case 404, 998:
		return ErrNotFound
	case 429:
		return ErrThrottled
	case 996, 999:
		return ErrServer
	}
	return nil
}

// InvalidResponseError is a body that is not what the call expects.
//
// It matches ErrInvalidResponse, and also the sentinel of its HTTP status when that is a failure (a proxy's HTML
// error page with 502 matches ErrServer too).
type InvalidResponseError struct {
	Op          string
	StatusCode  int
	ContentType string
	Snippet     string // the first bytes, printable
	Reason      string // "not a multistatus", "truncated multistatus", "not an OCS envelope"...
	// BrokenOff says the body ended before it was complete (the connection dropped mid-body): the answer is
	// also ErrUnavailable.
	BrokenOff bool
}

// Error says what came back.
func (e *InvalidResponseError) Error() string {
	var b strings.Builder
	b.WriteString("cloud: ")
	b.WriteString(e.Op)
	b.WriteString(": invalid response (HTTP ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if e.ContentType != "" {
		b.WriteString(", ")
		b.WriteString(e.ContentType)
	}
	b.WriteString("): ")
	b.WriteString(e.Reason)
	if e.Snippet != "" {
		b.WriteString(": ")
		b.WriteString(strconv.Quote(e.Snippet))
	}
	return b.String()
}

// Is matches ErrInvalidResponse and the sentinel of a failing HTTP status.
func (e *InvalidResponseError) Is(target error) bool {
	if target == ErrInvalidResponse || target == ErrUnavailable && e.BrokenOff {
		return true
	}
	return target != nil && e.StatusCode >= 400 && httpSentinel(e.StatusCode) == target
}

// ConfigError is a setting New refused. It matches ErrInvalidConfig.
type ConfigError struct {
	Field  string // "BaseURL", "Endpoints[token_endpoint]", "Mappings[ocs-data-id]"...
	Reason string
}

// Error names the field and the reason.
func (e *ConfigError) Error() string {
	return "cloud: invalid configuration: " + e.Field + ": " + e.Reason
}

// Is matches ErrInvalidConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

// timeoutError is why a call's context ended when the call's own timer ran out.
type timeoutError struct {
	phase string // "no answer", "stalled"
	after time.Duration
}

func (e *timeoutError) Error() string { return e.phase + " within " + e.after.String() }

// Is makes a timeout match ErrTimeout and context.DeadlineExceeded.
func (e *timeoutError) Is(target error) bool {
	return target == ErrTimeout || target == context.DeadlineExceeded
}

// transportError is a request that got no usable answer (connection refused, timeout, cancelled).
type transportError struct {
	op     string
	method string
	url    string // without query
	err    error
}

func (e *transportError) Error() string {
	return "cloud: " + e.op + ": " + e.method + " " + e.url + ": " + e.err.Error()
}

func (e *transportError) Unwrap() error { return e.err }

// Is makes deadlines and network timeouts match ErrTimeout, and every other failure but a cancellation
// ErrUnavailable.
func (e *transportError) Is(target error) bool {
	switch target {
	case ErrTimeout:
		return isTimeout(e.err)
	case ErrUnavailable:
		// A redirect the client refused is an answer we cannot use, not an outage.
		return !isTimeout(e.err) && !errors.Is(e.err, context.Canceled) && !errors.Is(e.err, ErrInvalidResponse)
	}
	return false
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// newTransportError wraps err from a request on ctx. When ctx ended through the call's own timer, the error says so.
func newTransportError(ctx context.Context, op, method, rawURL string, err error) error {
	if cause := context.Cause(ctx); cause != nil {
		var te *timeoutError
		if errors.As(cause, &te) {
			err = te
		}
	}
	// Drop *url.Error: its text repeats the URL with the query.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &transportError{op: op, method: method, url: redactURL(rawURL), err: err}
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0
		}
		if n > int64((1<<62)/int64(time.Second)) {
			n = int64((1 << 62) / int64(time.Second))
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d.Round(time.Second)
		}
	}
	return 0
}

// snippet makes the first printable bytes of b: control characters become '.', whitespace runs one space.
func snippet(b []byte) string { return snippetN(b, snippetLen) }

// cleanMessage makes a server message fit for an error string: one line, printable, capped.
func cleanMessage(s string) string {
	return snippetN([]byte(s), maxMessage)
}

func snippetN(b []byte, n int) string {
	var out strings.Builder
	space := false
	for len(b) > 0 && out.Len() < n {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		switch {
		case r == utf8.RuneError && size == 1:
			r = '.'
		case unicode.IsSpace(r):
			if space || out.Len() == 0 {
				continue
			}
			space = true
			out.WriteByte(' ')
			continue
		case !unicode.IsPrint(r):
			r = '.'
		}
		space = false
		out.WriteRune(r)
	}
	return strings.TrimRight(out.String(), " ")
}

// bearerRejected reports whether a 401 says the bearer token was refused: the body mentions it (Nextcloud's Sabre
// message) or the challenge asks for Bearer.
func bearerRejected(status int, h http.Header, body []byte) bool {
	if status != http.StatusUnauthorized {
		return false
	}
	for _, v := range h.Values("Www-Authenticate") {
		if strings.Contains(strings.ToLower(v), "bearer") {
			return true
		}
	}
	return bytes.Contains(bytes.ToLower(body), []byte("bearer"))
}

// contentType is the media type of a response, without parameters noise beyond what the server sent.
func contentType(h http.Header) string {
	return cleanMessage(h.Get("Content-Type"))
}

// errorf wraps err with the package prefix and an operation.
func errorf(op string, err error) error {
	return fmt.Errorf("cloud: %s: %w", op, err)
}

// redirectTarget is a redirect's Location for an error message: without query, fragment or credentials, and with
// anything we sent redacted, since the server chooses the whole target, path included.
func redirectTarget(loc string, secrets []string) string {
	return cleanMessage(string(redactSecrets([]byte(redactURL(loc)), secrets)))
}

// redactedMark replaces a secret found in a server's answer.
const redactedMark = "[redacted]"

// minSecretLen is the shortest value redacted: shorter ones would blank out ordinary words.
const minSecretLen = 6

// redactSecrets replaces every occurrence of secrets (as sent, and form-encoded) in b. A server or a proxy's error
// page that echoes the request must not carry a token, code or client secret into an error text or a log line.
func redactSecrets(b []byte, secrets []string) []byte {
	b = redactCredentials(b)
	for _, s := range secrets {
		if len(s) < minSecretLen {
			continue
		}
		for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			if bytes.Contains(b, []byte(form)) {
				b = bytes.ReplaceAll(b, []byte(form), []byte(redactedMark))
			}
		}
	}
	return b
}

// requestSecrets are the credentials a request carried in its Authorization header: a bearer token, or Basic
// credentials (encoded and the password itself).
func requestSecrets(req *http.Request) []string {
	if req == nil {
		return nil
	}
	auth := req.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(auth, "Bearer "); ok {
		return []string{strings.TrimSpace(tok)}
	}
	if enc, ok := strings.CutPrefix(auth, "Basic "); ok {
		out := []string{strings.TrimSpace(enc)}
		if _, pw, ok := req.BasicAuth(); ok {
			out = append(out, pw)
		}
		return out
	}
	return nil
}
