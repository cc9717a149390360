package cloudtest

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is what the next Times requests to an endpoint suffer. Several faults on one endpoint queue up: each
// request takes the first one still active.
type Fault struct {
	// Times is how many requests; <= 0 means every request until ClearFaults.
	Times int
	// Status answers with this status instead of serving: 5xx with an HTML error page, 429 with an empty body,
	// anything else with an empty body (unless Body is set).
	Status int
	// RetryAfter sets the Retry-After header (whole seconds, rounded up) on a Status answer.
	RetryAfter time.Duration
	// Latency delays the request before anything else happens (a timer that ends early when the client gives
	// up or the server closes).
	Latency time.Duration
	// Body answers with this body (and Status, 200 if 0) instead of serving: malformed XML, an HTML login page.
	Body string
	// ContentType is the Content-Type of Body; detected from Body when empty.
	ContentType string
	// Truncate cuts the body after this many bytes and drops the connection, so the client sees a short body.
	Truncate int
	// StallAfter sends this many bytes of the body, flushes them, then sends nothing more until the client gives
	// up or the server closes (then the connection is dropped).
	StallAfter int
	// StripAuth drops the Authorization header before the request is served (a web server that strips it).
	StripAuth bool
	// Method limits the fault to requests of one method ("COPY", "MKCOL", "POST"); other requests to the
	// endpoint pass untouched and do not count down Times.
	Method string
	// PathSuffix limits the fault to requests whose URL path, a trailing slash left aside, ends with it
	// ("/Photos/Album"); other requests pass untouched and do not count down Times.
	PathSuffix string
	// Hold keeps the request waiting until the channel is closed (or the client gives up, or the server closes),
	// then serves it: a slow answer whose end the test decides, with no timer to outrun on a busy machine.
	Hold <-chan struct{}
	// Chunked serves the body without Content-Length, in chunked transfer encoding, the way a proxy or a server
	// that compresses or generates downloads on the fly sends them: the client learns the size only at the end.
	Chunked bool
}

// Fail injects a fault into an endpoint (one of the EP constants).
func (s *Server) Fail(endpoint string, f Fault) {
	s.statMu.Lock()
	defer s.statMu.Unlock()
	fc := f
	s.faults[endpoint] = append(s.faults[endpoint], &fc)
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.statMu.Lock()
	defer s.statMu.Unlock()
	clear(s.faults)
}

// takeFault returns the fault the next request to endpoint with method suffers, counting Times down.
func (s *Server) takeFault(endpoint, method, path string) (Fault, bool) {
	s.statMu.Lock()
	defer s.statMu.Unlock()
	q := s.faults[endpoint]
	for i, f := range q {
		if f.Method != "" && !strings.EqualFold(f.Method, method) {
			continue
		}
		if f.PathSuffix != "" && !strings.HasSuffix(strings.TrimSuffix(path, "/"), f.PathSuffix) {
			continue
		}
		out := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				q = append(q[:i:i], q[i+1:]...)
				if len(q) == 0 {
					delete(s.faults, endpoint)
				} else {
					s.faults[endpoint] = q
				}
			}
		}
		return out, true
	}
	return Fault{}, false
}

// serveFault applies f to one request; serve is the endpoint's normal handler.
func (s *Server) serveFault(w http.ResponseWriter, r *http.Request, f Fault, serve routeFunc2) {
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		case <-s.closing:
			t.Stop()
			return
		}
	}
	if f.Hold != nil {
		select {
		case <-f.Hold:
		case <-r.Context().Done():
			return
		case <-s.closing:
			return
		}
	}
	if f.StripAuth {
		r.Header.Del("Authorization")
	}
	out := w
	if f.Chunked {
		out = &chunkedWriter{ResponseWriter: w}
	}
	var cw *cutWriter
	if f.Truncate > 0 || f.StallAfter > 0 {
		cw = &cutWriter{ResponseWriter: out, limit: f.Truncate, stall: f.StallAfter > 0, done: r.Context().Done(), closing: s.closing}
		if cw.stall {
			cw.limit = f.StallAfter
		}
		out = cw
	}
	if f.Status != 0 || f.Body != "" {
		writeFaultResponse(out, f)
	} else {
		serve(out, r)
	}
	if cw != nil && cw.cut {
		// Drop the connection so that the client sees a short body, not a complete one.
		panic(http.ErrAbortHandler)
	}
}

// routeFunc2 is a handler without the relative path.
type routeFunc2 func(w http.ResponseWriter, r *http.Request)

// writeFaultResponse answers with the fault's status and body.
func writeFaultResponse(w http.ResponseWriter, f Fault) {
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	h := w.Header()
	if f.RetryAfter > 0 {
		secs := int64((f.RetryAfter + time.Second - 1) / time.Second)
		h.Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	body := f.Body
	switch {
	case body != "":
		ct := f.ContentType
		if ct == "" {
			ct = detectContentType(body)
		}
		h.Set("Content-Type", ct)
	case status >= 500:
		h.Set("Content-Type", "text/html; charset=UTF-8")
		body = errorPageHTML(status)
	case f.ContentType != "":
		h.Set("Content-Type", f.ContentType)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// detectContentType names the type of a fault body.
func detectContentType(body string) string {
	t := strings.TrimSpace(body)
	switch {
	case strings.HasPrefix(t, "<?xml"):
		return "application/xml; charset=utf-8"
	case strings.HasPrefix(t, "{") || strings.HasPrefix(t, "["):
		return "application/json; charset=utf-8"
	}
	return http.DetectContentType([]byte(body))
}

// errorPageHTML is the page a web server shows for a 5xx.
func errorPageHTML(status int) string {
	return fmt.Sprintf("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%d %s</title></head>"+
		"<body><h1>%s</h1><p>The server encountered an internal error and was unable to complete your request.</p>"+
		"</body></html>\n", status, http.StatusText(status), http.StatusText(status))
}

// errCut is returned by a cutWriter once it stops passing bytes.
var errCut = errors.New("cloudtest: response cut by fault")

// cutWriter passes the first limit body bytes, then (stall) waits for the client to give up, and fails every
// further write.
type cutWriter struct {
	http.ResponseWriter
	limit   int
	written int
	stall   bool
	cut     bool
	done    <-chan struct{}
	closing <-chan struct{}
}

func (c *cutWriter) Write(p []byte) (int, error) {
	if c.cut {
		return 0, errCut
	}
	room := c.limit - c.written
	if len(p) <= room {
		n, err := c.ResponseWriter.Write(p)
		c.written += n
		return n, err
	}
	n := 0
	if room > 0 {
		n, _ = c.ResponseWriter.Write(p[:room])
		c.written += n
	}
	c.cut = true
	_ = http.NewResponseController(c.ResponseWriter).Flush()
	if c.stall {
		select {
		case <-c.done:
		case <-c.closing:
		}
	}
	return n, errCut
}

// Flush is passed through until the cut.
func (c *cutWriter) Flush() {
	if !c.cut {
		_ = http.NewResponseController(c.ResponseWriter).Flush()
	}
}

func (c *cutWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// chunkedWriter drops the Content-Length the handler set and sends the headers at once, so the body goes out in
// chunked transfer encoding whatever its size (a short body written in one go would otherwise get a length).
type chunkedWriter struct {
	http.ResponseWriter
	wroteHeader bool
}

func (c *chunkedWriter) WriteHeader(code int) {
	if c.wroteHeader {
		return
	}
	c.wroteHeader = true
	c.Header().Del("Content-Length")
	c.ResponseWriter.WriteHeader(code)
	if code >= 200 && code != http.StatusNoContent && code != http.StatusNotModified {
		_ = http.NewResponseController(c.ResponseWriter).Flush()
	}
}

func (c *chunkedWriter) Write(p []byte) (int, error) {
	if !c.wroteHeader {
		c.WriteHeader(http.StatusOK)
	}
	return c.ResponseWriter.Write(p)
}

// Flush sends what was written so far.
func (c *chunkedWriter) Flush() {
	if !c.wroteHeader {
		c.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(c.ResponseWriter).Flush()
}

func (c *chunkedWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
