package cloud

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// Body limits.
const (
	errorBodyLimit = 16 << 10 // what a failure's body may contribute to its error
	drainLimit     = 64 << 10 // what is read from an unused body so that the connection can be reused
)

// TokenSource supplies a valid access token for one user. Implementations refresh as needed (through
// Client.Refresh, storing the new pair before using it) and must be safe for concurrent use. Each call of a Conn
// asks for the token once, with the call's ctx.
type TokenSource interface {
	AccessToken(ctx context.Context) (string, error)
}

// TokenSourceFunc adapts a function to TokenSource.
type TokenSourceFunc func(ctx context.Context) (string, error)

// AccessToken calls f(ctx).
func (f TokenSourceFunc) AccessToken(ctx context.Context) (string, error) { return f(ctx) }

// TokenRenewer is an optional extension of TokenSource. When the cloud refuses an access token (HTTP 401),
// RenewAccessToken says whether a different token is worth one more try: the refused one was rotated away by
// another request or process, expired while the request was on its way, or was ended by the server before the
// expiry the source knows (the source refreshes it). It returns false when a retry could not help (a token the
// cloud refuses right after issuing it: an Authorization header stripped on the way), and the 401 stands. An
// error (the refresh was refused: log in again) becomes the call's error.
type TokenRenewer interface {
	RenewAccessToken(ctx context.Context, refused string) (token string, retry bool, err error)
}

// send performs one request as the Conn's user. A 401 for a token that has since been replaced (see
// TokenRenewer) is retried once with the replacement; any other answer is returned as it is.
func (cn *Conn) send(ctx context.Context, op string, req *http.Request) (*http.Response, error) {
	resp, err := cn.c.send(ctx, op, req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	rn, ok := cn.ts.(TokenRenewer)
	if !ok || (req.Body != nil && req.Body != http.NoBody && req.GetBody == nil) {
		return resp, nil
	}
	refused, _ := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	tok, retry, rerr := rn.RenewAccessToken(ctx, refused)
	if rerr != nil {
		// The renewal itself failed (the refresh was refused, or the cloud went away): that is the answer.
		drain(resp.Body)
		return nil, errorf(op, rerr)
	}
	if !retry || tok == "" || tok == refused {
		return resp, nil
	}
	again := req.Clone(ctx)
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return resp, nil
		}
		again.Body = body
	}
	drain(resp.Body)
	again.Header.Set("Authorization", "Bearer "+tok)
	return cn.c.send(ctx, op, again)
}

// callContext bounds one call by the client's timeout.
func (c *Client) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, c.timeout, &timeoutError{phase: "no answer", after: c.timeout})
}

// send performs one request. A transport failure is a *transportError; the response is the caller's to close.
func (c *Client) send(ctx context.Context, op string, req *http.Request) (*http.Response, error) {
	resp, err := c.hc.Do(req.WithContext(ctx))
	if err != nil {
		return nil, newTransportError(ctx, op, req.Method, req.URL.String(), err)
	}
	return resp, nil
}

// drain reads a little of an unused body and closes it, so that the connection can carry the next request.
func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, drainLimit))
	_ = body.Close()
}

// readLimited reads up to limit bytes of a body and closes it.
func readLimited(body io.ReadCloser, limit int64) ([]byte, error) {
	defer drain(body)
	return io.ReadAll(io.LimitReader(body, limit))
}

// failure turns a response the call cannot use into an error: a redirect is an invalid response, anything else a
// *StatusError with the server's message. kind gives the status a call-specific meaning (nil: the general one).
// It consumes and closes the body.
func failure(op string, resp *http.Response, kind error) error {
	secrets := requestSecrets(resp.Request)
	body, _ := readLimited(resp.Body, errorBodyLimit)
	body = redactSecrets(body, secrets)
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		reason := "redirected"
		if loc := resp.Header.Get("Location"); loc != "" {
			reason += " to " + redirectTarget(loc, secrets) + " (a wrong endpoint, a missing index.php, or http instead of https?)"
		}
		return &InvalidResponseError{Op: op, StatusCode: resp.StatusCode, ContentType: contentType(resp.Header),
			Snippet: snippet(body), Reason: reason}
	}
	e := &StatusError{
		Op:             op,
		StatusCode:     resp.StatusCode,
		BearerRejected: bearerRejected(resp.StatusCode, resp.Header, body),
		RetryAfter:     retryAfter(resp.Header, time.Now()),
		kind:           kind,
	}
	if env, err := parseOCS(body); err == nil {
		e.OCSCode = env.code
		e.Message = cleanMessage(env.message)
	} else {
		e.Message = cleanMessage(serverMessage(body))
	}
	return e
}

// serverMessage finds a human message in an error body: Sabre's <s:message>, or short plain text.
func serverMessage(body []byte) string {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return ""
	}
	if trimmed[0] == '<' {
		d := xml.NewDecoder(bytes.NewReader(trimmed))
		inMessage := false
		var msg strings.Builder
		for {
			tok, err := d.Token()
			if err != nil {
				break
			}
			switch t := tok.(type) {
			case xml.StartElement:
				if t.Name.Local == "html" {
					return ""
				}
				inMessage = t.Name.Local == "message" && t.Name.Space == "http://sabredav.org/ns"
			case xml.EndElement:
				if inMessage {
					return msg.String()
				}
			case xml.CharData:
				if inMessage {
					msg.Write(t)
				}
			}
		}
		return ""
	}
	if trimmed[0] == '{' || trimmed[0] == '[' {
		return ""
	}
	if i := bytes.IndexByte(trimmed, '\n'); i >= 0 {
		trimmed = trimmed[:i]
	}
	return string(trimmed)
}

// invalid builds an InvalidResponseError from a response whose body (or its start) is head.
func invalid(op string, resp *http.Response, head []byte, reason string) *InvalidResponseError {
	head = redactSecrets(bytes.Clone(head), requestSecrets(resp.Request))
	return &InvalidResponseError{Op: op, StatusCode: resp.StatusCode, ContentType: contentType(resp.Header),
		Snippet: snippet(head), Reason: reason}
}

// isHTML reports whether a response declares HTML.
func isHTML(h http.Header) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(h.Get("Content-Type"))), "text/html")
}

// bodyError maps an error met while reading a response body: a cut body is invalid, a timeout or cancellation a
// transport error.
func bodyError(ctx context.Context, op string, req *http.Request, resp *http.Response, head []byte, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		e := invalid(op, resp, head, "truncated body")
		e.BrokenOff = true
		return e
	}
	return newTransportError(ctx, op, req.Method, req.URL.String(), err)
}
