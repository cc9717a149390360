package cloud

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
)

// Observer learns of every request a Client sends and how it ended, for metrics and health; package cloud itself
// keeps no counts. ObserveRequest is called once per HTTP request (a 401 retried with a renewed token is two), on
// the request's goroutine, when the response headers arrived or the request failed: it must be quick and safe for
// concurrent use.
type Observer interface {
	ObserveRequest(o RequestObservation)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(o RequestObservation)

// ObserveRequest calls f(o).
func (f ObserverFunc) ObserveRequest(o RequestObservation) { f(o) }

// RequestObservation is one request as an Observer sees it. Nothing in it is a secret, a path or a user name.
type RequestObservation struct {
	// Operation names what the request was for, from a fixed set: "token", "userinfo", "status", "ocs_get",
	// "ocs_post", "ocs_put", "ocs_delete", "webdav_propfind", "webdav_get", "webdav_put", "webdav_mkcol",
	// "webdav_move", "webdav_copy", "webdav_delete", "webdav_search", "webdav_head", or "other".
	Operation string
	// StatusCode is the answer's HTTP status; 0 when none came.
	StatusCode int
	// Err is the transport failure when no answer came (the error of http.Client.Do); nil otherwise.
	Err error
	// Duration is the time until the response headers arrived, or until the request failed.
	Duration time.Duration
}

// The outcomes of an observed request, from a fixed set.
const (
	OutcomeOK           = "ok"           // 1xx and 2xx
	OutcomeRedirect     = "redirect"     // 3xx, which ocrepo never follows
	OutcomeUnauthorized = "unauthorized" // 401
	OutcomeThrottled    = "throttled"    // 429
	OutcomeClientError  = "client_error" // other 4xx
	OutcomeServerError  = "server_error" // 5xx
	OutcomeTimeout      = "timeout"      // no answer within the call's deadline
	OutcomeUnreachable  = "unreachable"  // no answer: refused, reset, DNS, TLS, the network guard
	OutcomeCancelled    = "cancelled"    // the caller gave up first
)

// Outcome classifies the observation into one of the Outcome constants.
func (o RequestObservation) Outcome() string {
	switch {
	case o.Err != nil && errors.Is(o.Err, context.DeadlineExceeded):
		return OutcomeTimeout
	case o.Err != nil && errors.Is(o.Err, context.Canceled):
		return OutcomeCancelled
	case o.Err != nil || o.StatusCode == 0:
		return OutcomeUnreachable
	case o.StatusCode == http.StatusUnauthorized:
		return OutcomeUnauthorized
	case o.StatusCode == http.StatusTooManyRequests:
		return OutcomeThrottled
	case o.StatusCode >= 500:
		return OutcomeServerError
	case o.StatusCode >= 400:
		return OutcomeClientError
	case o.StatusCode >= 300:
		return OutcomeRedirect
	}
	return OutcomeOK
}

// Answered reports whether the server answered at all and was not failing: anything but a 5xx or no answer. A
// 401 or a 404 is an answer from a working server.
func (o RequestObservation) Answered() bool {
	return o.Err == nil && o.StatusCode > 0 && o.StatusCode < 500
}

// observed returns a copy of hc whose transport tells o of every request.
func (c *Client) observed(hc *http.Client, o Observer) *http.Client {
	cp := *hc
	base := cp.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cp.Transport = &observingTransport{base: base, c: c, o: o}
	return &cp
}

// observingTransport times each round trip and reports it.
type observingTransport struct {
	base http.RoundTripper
	c    *Client
	o    Observer
}

// RoundTrip implements http.RoundTripper.
func (t *observingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	ob := RequestObservation{Operation: t.c.operationOf(req), Err: err, Duration: time.Since(start)}
	if err == nil {
		ob.StatusCode = resp.StatusCode
	}
	t.o.ObserveRequest(ob)
	return resp, err
}

// operationOf names a request's operation from its URL and method: the endpoint it goes to, and for OCS and
// WebDAV the method. The result is always one of the names listed at RequestObservation.Operation.
func (c *Client) operationOf(req *http.Request) string {
	u := req.URL
	if u == nil {
		return "other"
	}
	here := u.Scheme + "://" + u.Host + u.EscapedPath()
	method := strings.ToLower(req.Method)
	switch {
	case here == withoutQuery(c.token):
		return "token"
	case c.userinfo != nil && here == withoutQuery(c.userinfo.String()):
		return "userinfo"
	case here == c.base.String()+"status.php":
		return "status"
	case c.ocs != nil && strings.HasPrefix(here, strings.TrimSuffix(withoutQuery(c.ocs.String()), "/")):
		switch method {
		case "get", "post", "put", "delete":
			return "ocs_" + method
		}
		return "other"
	}
	switch method {
	case "propfind", "get", "put", "mkcol", "move", "copy", "delete", "search", "head":
		return "webdav_" + method
	}
	return "other"
}
