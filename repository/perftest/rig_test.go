package perftest

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
)

// rig is a test host with one Nextcloud issuer and one instance offering every return type. Its cloud calls go
// through one transport (sized like the service's default) that keeps a copy of the first request of each
// method, so a bare client can replay exactly what ocrepo sends.
type rig struct {
	h    *repositorytest.Host
	iss  store.Issuer
	inst store.Instance
	tr   *recorder
}

type rigOptions struct {
	cloud  cloudtest.Options
	config func(*repository.Config)
}

func newRig(tb testing.TB, o rigOptions) *rig {
	tb.Helper()
	tr := &recorder{base: newTransport(), seen: map[string]recorded{}}
	tb.Cleanup(tr.base.CloseIdleConnections)
	h := repositorytest.New(tb, repositorytest.Options{Cloud: o.cloud, Config: func(c *repository.Config) {
		c.HTTPTransport = tr
		if o.config != nil {
			o.config(c)
		}
	}})
	iss := h.AddIssuer(tb, "Campus Cloud")
	inst := h.AddInstance(tb, iss.ID, "My files", host.ReturnImport|host.ReturnLink, host.ReturnImport)
	return &rig{h: h, iss: iss, inst: inst, tr: tr}
}

// newTransport is a transport with the settings of the service's default one (without its network guard).
func newTransport() *http.Transport {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   128,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// token is the signed pick request of a picker URL.
func (r *rig) token(tb testing.TB, req host.PickRequest) string {
	tb.Helper()
	u, err := url.Parse(r.h.PickerURL(req))
	if err != nil {
		tb.Fatal(err)
	}
	return u.Query().Get("r")
}

// listURL is the absolute URL of the picker's listing fragment.
func (r *rig) listURL(tb testing.TB, user string, kv ...string) string {
	tb.Helper()
	q := url.Values{"r": {r.token(tb, host.PickRequest{User: user})}, "i": {strconv.FormatInt(r.inst.ID, 10)}}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return r.h.URL + repositorytest.Mount + "/picker/list?" + q.Encode()
}

// fetch GETs an absolute URL as htmx does, reads the body to the end and returns the status and the body size.
func fetch(ctx context.Context, c *http.Client, u string) (int, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("HX-Request", "true")
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, n, err
}

// recorded is a request as it went out: method, URL, headers and body.
type recorded struct {
	method string
	url    string
	header http.Header
	body   []byte
}

// replay builds the same request again.
func (rc recorded) replay(ctx context.Context) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, rc.method, rc.url, bytes.NewReader(rc.body))
	if err != nil {
		return nil, err
	}
	req.Header = rc.header.Clone()
	return req, nil
}

// recorder is a RoundTripper that keeps a copy of the first request of each method.
type recorder struct {
	base *http.Transport
	mu   sync.Mutex
	seen map[string]recorded
}

func (t *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	t.mu.Lock()
	_, have := t.seen[req.Method]
	t.mu.Unlock()
	if !have {
		var body []byte
		if req.Body != nil {
			b, err := io.ReadAll(req.Body)
			_ = req.Body.Close()
			if err != nil {
				return nil, err
			}
			body = b
			req = req.Clone(req.Context())
			req.Body = io.NopCloser(bytes.NewReader(b))
		}
		t.mu.Lock()
		if _, again := t.seen[req.Method]; !again {
			t.seen[req.Method] = recorded{method: req.Method, url: req.URL.String(), header: req.Header.Clone(), body: body}
		}
		t.mu.Unlock()
	}
	return t.base.RoundTrip(req)
}

// first returns the first recorded request of a method.
func (t *recorder) first(tb testing.TB, method string) recorded {
	tb.Helper()
	t.mu.Lock()
	defer t.mu.Unlock()
	rc, ok := t.seen[method]
	if !ok {
		tb.Fatalf("no %s request was sent", method)
	}
	return rc
}

// allocMeter reads the process's cumulative heap allocations (objects and bytes) without stopping the world.
type allocMeter struct{ s []metrics.Sample }

func newAllocMeter() *allocMeter {
	return &allocMeter{s: []metrics.Sample{{Name: "/gc/heap/allocs:objects"}, {Name: "/gc/heap/allocs:bytes"}}}
}

func (m *allocMeter) read() (objects, bytes uint64) {
	metrics.Read(m.s)
	return m.s[0].Value.Uint64(), m.s[1].Value.Uint64()
}

// cloudRequests sums the requests that reached the cloud's authenticated endpoints.
func cloudRequests(s *cloudtest.Server) int {
	n := 0
	for _, ep := range []string{cloudtest.EPToken, cloudtest.EPUserinfo, cloudtest.EPWebDAV, cloudtest.EPOCS} {
		n += s.Count(ep)
	}
	return n
}

// contains reports whether body contains every one of the strings.
func contains(body string, want ...string) bool {
	for _, w := range want {
		if !strings.Contains(body, w) {
			return false
		}
	}
	return true
}
