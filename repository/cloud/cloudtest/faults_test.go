package cloudtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

// logSink collects request log lines.
type logSink struct {
	mu    sync.Mutex
	lines []string
	ch    chan string
}

func newLogSink() *logSink { return &logSink{ch: make(chan string, 1024)} }

func (l *logSink) Logf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	l.mu.Lock()
	l.lines = append(l.lines, line)
	l.mu.Unlock()
	select {
	case l.ch <- line:
	default:
	}
}

// waitFor waits for a log line containing sub (the handler has returned once its line is logged).
func (l *logSink) waitFor(t *testing.T, sub string) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		select {
		case line := <-l.ch:
			if strings.Contains(line, sub) {
				return
			}
		case <-deadline.C:
			t.Fatalf("no log line with %q", sub)
		}
	}
}

func TestFaultResponses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		endpoint   string
		fault      Fault
		status     int
		body       string // exact, or a prefix when bodyPrefix
		bodyPrefix bool
		ctype      string
		retry      string
	}{
		{"500 with an HTML page", EPStatus, Fault{Status: 500}, 500, "<!DOCTYPE html>", true, "text/html; charset=UTF-8", ""},
		{"503 with Retry-After", EPWebDAV, Fault{Status: 503, RetryAfter: 1500 * time.Millisecond}, 503, "<!DOCTYPE html>", true, "text/html; charset=UTF-8", "2"},
		{"429 with an empty body", EPOCS, Fault{Status: 429, RetryAfter: 90 * time.Second}, 429, "", false, "", "90"},
		{"404 empty", EPUserinfo, Fault{Status: 404}, 404, "", false, "", ""},
		{"malformed multistatus", EPWebDAV, Fault{Status: 207, Body: `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"><d:response>`},
			207, `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"><d:response>`, false, "application/xml; charset=utf-8", ""},
		{"login page instead of JSON", EPOCS, Fault{Body: "<!DOCTYPE html><html><body><form id=login></form></body></html>"},
			200, "<!DOCTYPE html><html><body><form id=login></form></body></html>", false, "text/html; charset=utf-8", ""},
		{"custom content type", EPToken, Fault{Status: 200, Body: "not json", ContentType: "application/json"}, 200, "not json", false, "application/json", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newFixture(t, Options{})
			tok, _, _ := s.IssueToken("alice")
			s.Fail(tc.endpoint, tc.fault)
			u := map[string]string{
				EPStatus: "status.php", EPWebDAV: "remote.php/webdav/", EPOCS: "ocs/v2.php/apps/files_sharing/api/v1/shares",
				EPUserinfo: "ocs/v2.php/cloud/user", EPToken: "index.php/apps/oauth2/api/v1/token",
			}[tc.endpoint]
			r := call(t, s, "GET", s.URL+u, tok, nil)
			if r.status != tc.status || r.header.Get("Retry-After") != tc.retry {
				t.Fatalf("HTTP %d Retry-After %q, want %d %q", r.status, r.header.Get("Retry-After"), tc.status, tc.retry)
			}
			if tc.bodyPrefix && !strings.HasPrefix(r.String(), tc.body) || !tc.bodyPrefix && r.String() != tc.body {
				t.Errorf("body %q", r.body)
			}
			if tc.ctype != "" && r.header.Get("Content-Type") != tc.ctype {
				t.Errorf("Content-Type %q, want %q", r.header.Get("Content-Type"), tc.ctype)
			}
			if s.Count(tc.endpoint) != 1 {
				t.Errorf("faulted request not counted")
			}
		})
	}
}

func TestFaultTimes(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	status := func() int { return call(t, s, "GET", s.URL+"status.php", "", nil).status }
	s.Fail(EPStatus, Fault{Times: 2, Status: 500})
	s.Fail(EPStatus, Fault{Times: 1, Status: 429})
	var got []int
	for i := 0; i < 5; i++ {
		got = append(got, status())
	}
	if fmt.Sprint(got) != "[500 500 429 200 200]" {
		t.Errorf("statuses %v", got)
	}
	s.Fail(EPStatus, Fault{Status: 502})
	for i := 0; i < 3; i++ {
		if st := status(); st != 502 {
			t.Errorf("persistent fault %d: HTTP %d", i, st)
		}
	}
	s.ClearFaults()
	if st := status(); st != 200 {
		t.Errorf("after ClearFaults: HTTP %d", st)
	}
	// Faults stay on their endpoint.
	s.Fail(EPToken, Fault{Status: 500})
	if st := status(); st != 200 {
		t.Errorf("a token fault broke status.php: HTTP %d", st)
	}
}

func TestFaultLatency(t *testing.T) {
	t.Parallel()
	logs := newLogSink()
	s, _ := newFixture(t, Options{Logf: logs.Logf})
	s.Fail(EPStatus, Fault{Times: 1, Latency: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"status.php", nil)
	_, err := s.Client().Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the client's deadline", err)
	}
	// The handler gave up with the client instead of waiting an hour.
	logs.waitFor(t, "GET /status.php [status]")
	s.Fail(EPStatus, Fault{Times: 1, Latency: time.Millisecond})
	if r := call(t, s, "GET", s.URL+"status.php", "", nil); r.status != 200 {
		t.Errorf("after a short delay: HTTP %d", r.status)
	}
}

func TestFaultTruncate(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	s.SeedFolder("alice", "/big", 100)
	s.WriteFile("alice", "/f.bin", make([]byte, 5000))
	tok, _, _ := s.IssueToken("alice")
	for _, tc := range []struct {
		name, method, path string
		body               io.Reader
	}{
		{"chunked multistatus", "PROPFIND", "remote.php/webdav/big", strings.NewReader(listingProps)},
		{"sized download", "GET", "remote.php/webdav/f.bin", nil},
		{"OCS reply", "GET", "ocs/v2.php/cloud/user?format=json", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.Fail(EPWebDAV, Fault{Times: 1, Truncate: 100})
			s.Fail(EPUserinfo, Fault{Times: 1, Truncate: 100})
			req, _ := http.NewRequest(tc.method, s.URL+tc.path, tc.body)
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Depth", "1")
			resp, err := s.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil || len(b) != 100 {
				t.Fatalf("read %d bytes, err %v; want 100 bytes and an error", len(b), err)
			}
		})
	}
	s.ClearFaults()
	if r := call(t, s, "GET", s.URL+"remote.php/webdav/f.bin", tok, nil); r.status != 200 || len(r.body) != 5000 {
		t.Errorf("after the fault: HTTP %d %d bytes", r.status, len(r.body))
	}
}

func TestFaultStall(t *testing.T) {
	t.Parallel()
	logs := newLogSink()
	s, _ := newFixture(t, Options{Logf: logs.Logf})
	s.SeedGeneratedFile("alice", "/g.bin", 1<<20)
	tok, _, _ := s.IssueToken("alice")
	s.Fail(EPWebDAV, Fault{Times: 1, StallAfter: 50})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"remote.php/webdav/g.bin", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.Is(err, context.DeadlineExceeded) || len(b) != 50 || string(b) != string(rangeBody(0, 49)) {
		t.Fatalf("read %d bytes, err %v; want the first 50 bytes and the deadline", len(b), err)
	}
	logs.waitFor(t, "GET /remote.php/webdav/g.bin [webdav]")
}

func TestFaultStripAuth(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	tok, _, _ := s.IssueToken("alice")
	s.Fail(EPWebDAV, Fault{StripAuth: true})
	s.Fail(EPUserinfo, Fault{StripAuth: true})
	r := call(t, s, "PROPFIND", s.URL+"remote.php/webdav/", tok, nil, "Depth", "0")
	if _, msg := sabreMessage(t, r.body); r.status != 401 || !strings.Contains(msg, "No 'Authorization: Bearer' header found") {
		t.Errorf("WebDAV: HTTP %d %q", r.status, msg)
	}
	if r := call(t, s, "GET", s.URL+"ocs/v2.php/cloud/user?format=json", tok, nil); r.status != 401 || decodeOCS(t, r).OCS.Meta.StatusCode != 997 {
		t.Errorf("userinfo: HTTP %d", r.status)
	}
	if r := call(t, s, "GET", s.URL+"ocs/v2.php/apps/files_sharing/api/v1/shares?format=json", tok, nil); r.status != 200 {
		t.Errorf("OCS without the fault: HTTP %d", r.status)
	}
}

func TestCounters(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	tok, refresh, _ := s.IssueToken("alice")
	call(t, s, "PROPFIND", s.URL+"remote.php/webdav/", tok, nil, "Depth", "0")
	call(t, s, "PROPFIND", s.URL+"remote.php/dav/files/alice/", tok, nil, "Depth", "0")
	call(t, s, "MKCOL", s.URL+"remote.php/webdav/x", tok, nil)
	call(t, s, "GET", s.URL+"status.php", "", nil)
	call(t, s, "GET", s.URL+"ocs/v2.php/cloud/user", tok, nil)
	call(t, s, "GET", s.URL+"ocs/v1.php/cloud/capabilities", "", nil)
	call(t, s, "GET", s.URL+"ocs/v1.php/apps/files_sharing/api/v1/shares", tok, nil)
	call(t, s, "GET", s.URL+"index.php/s/none", "", nil)
	call(t, s, "GET", s.URL+"index.php/apps/oauth2/authorize?client_id=ocrepo", "", nil)
	postToken(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}, true, "ocrepo", "secret")
	for ep, want := range map[string]int{
		EPWebDAV: 3, EPStatus: 1, EPUserinfo: 1, EPCapabilities: 1, EPOCS: 1, EPPublic: 1, EPAuthorize: 1, EPToken: 1, EPLogin: 0,
	} {
		if got := s.Count(ep); got != want {
			t.Errorf("Count(%s) = %d, want %d", ep, got, want)
		}
	}
	if got := s.CountMethod(EPWebDAV, "PROPFIND"); got != 2 {
		t.Errorf("PROPFIND count %d", got)
	}
	if got := s.CountMethod(EPWebDAV, "MKCOL"); got != 1 {
		t.Errorf("MKCOL count %d", got)
	}
	s.ResetCounts()
	if s.Count(EPWebDAV) != 0 || s.CountMethod(EPWebDAV, "PROPFIND") != 0 {
		t.Errorf("counts survive ResetCounts")
	}
}

func TestConcurrentClients(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{ShareLimit: -1, DisableBruteForce: true})
	s.SeedFolder("bob", "/pool", 50)
	const clients = 200
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			user := "alice"
			if i%2 == 1 {
				user = "bob"
			}
			access, refresh, _ := s.IssueToken(user)
			name := fmt.Sprintf("/c%03d.txt", i)
			steps := []struct {
				method, path, dest string
				want               int
			}{
				{"PUT", name, "", 201},
				{"PROPFIND", "/", "", 207},
				{"GET", name, "", 200},
				{"COPY", name, name + ".copy", 201},
				{"MOVE", name + ".copy", name + ".moved", 201},
				{"DELETE", name + ".moved", "", 204},
			}
			for _, st := range steps {
				body := "data " + name
				if st.method == "PROPFIND" {
					body = listingProps
				}
				req, _ := http.NewRequest(st.method, s.URL+"remote.php/dav/files/"+user+st.path, strings.NewReader(body))
				req.Header.Set("Depth", "1")
				if st.method == "COPY" || st.method == "MOVE" {
					req.Header.Del("Depth")
				}
				req.Header.Set("Authorization", "Bearer "+access)
				if st.dest != "" {
					req.Header.Set("Destination", s.URL+"remote.php/dav/files/"+user+st.dest)
				}
				resp, err := s.Client().Do(req)
				if err != nil {
					t.Errorf("client %d %s: %v", i, st.method, err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != st.want {
					t.Errorf("client %d %s %s: HTTP %d", i, st.method, st.path, resp.StatusCode)
				}
			}
			other := map[string]string{"alice": "bob", "bob": "alice"}[user]
			v := url.Values{"path": {name}, "shareType": {"0"}, "shareWith": {other}, "permissions": {"1"}}
			req, _ := http.NewRequest("POST", s.URL+"ocs/v2.php/apps/files_sharing/api/v1/shares?format=json", strings.NewReader(v.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", "Bearer "+access)
			if resp, err := s.Client().Do(req); err != nil || resp.StatusCode != 200 {
				t.Errorf("client %d share: %v %v", i, err, resp)
			} else {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}
			req, _ = http.NewRequest("POST", s.URL+"index.php/apps/oauth2/api/v1/token", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth("ocrepo", "secret")
			if resp, err := s.Client().Do(req); err != nil || resp.StatusCode != 200 {
				t.Errorf("client %d refresh: %v", i, err)
			} else {
				resp.Body.Close()
			}
		}(i)
	}
	wg.Wait()
	if n := len(s.Shares()); n != clients {
		t.Errorf("%d shares, want %d", n, clients)
	}
	for user, want := range map[string]int{"alice": clients / 2 * 2, "bob": clients/2*2 + 1} {
		tok, _, _ := s.IssueToken(user)
		_, entries := propfind(t, s, s.URL+"remote.php/webdav/", tok, "1")
		if len(entries)-1 != want {
			t.Errorf("%s sees %d entries, want %d", user, len(entries)-1, want)
		}
	}
	for rt, n := range s.RefreshRedemptions() {
		if n != 1 {
			t.Errorf("refresh token redeemed %d times", n)
			_ = rt
		}
	}
}

// TestCloseReleasesEverything is not parallel: it counts goroutines.
func TestCloseReleasesEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.AddUser("alice", "pw", "", "Alice")
	s.SeedGeneratedFile("alice", "/g.bin", 1<<20)
	tok, _, _ := s.IssueToken("alice")
	s.Fail(EPStatus, Fault{Latency: time.Hour})
	s.Fail(EPWebDAV, Fault{StallAfter: 10})
	var wg sync.WaitGroup
	started := make(chan struct{}, 2)
	for _, u := range []string{"status.php", "remote.php/webdav/g.bin"} {
		wg.Add(1)
		go func(u string) {
			defer wg.Done()
			req, _ := http.NewRequest("GET", s.URL+u, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			started <- struct{}{}
			resp, err := s.Client().Do(req)
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}(u)
	}
	<-started
	<-started
	// Wait until both requests reached their fault.
	reached := time.Now().Add(10 * time.Second)
	for s.Count(EPStatus)+s.Count(EPWebDAV) < 2 {
		if time.Now().After(reached) {
			t.Fatalf("the requests did not reach their faults in 10 s")
		}
		runtime.Gosched()
	}
	s.Close()
	wg.Wait()
	s.Close() // twice is fine
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after Close, %d before\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

func TestListenerOption(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(t, Options{Listener: ln, BasePath: "cloud"})
	if s.URL != "http://"+ln.Addr().String()+"/cloud/" {
		t.Fatalf("URL %q", s.URL)
	}
	if r := call(t, s, "GET", s.URL+"status.php", "", nil); r.status != 200 {
		t.Errorf("HTTP %d", r.status)
	}
	if _, err := New(Options{Flavor: cloud.FlavorID("flavor-9")}); err == nil {
		t.Errorf("an unknown flavour is accepted")
	}
	if _, err := New(Options{BasePath: "/a?b/"}); err == nil {
		t.Errorf("a base path with a query is accepted")
	}
}

// TestFaultChunked: a chunked download carries no Content-Length, yet the whole body, however short; the next
// request (Times counted down) has its length again.
func TestFaultChunked(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	s.SeedGeneratedFile("alice", "/g.bin", 300<<10)
	s.WriteFile("alice", "/small.txt", []byte("hello"))
	tok, _, _ := s.IssueToken("alice")
	get := func(path string, header ...string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", s.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		return resp, b
	}
	for _, tc := range []struct {
		name, path string
		header     []string
		status     int
		body       []byte
	}{
		{"large file", "remote.php/webdav/g.bin", nil, 200, rangeBody(0, 300<<10-1)},
		{"small file written at once", "remote.php/webdav/small.txt", nil, 200, []byte("hello")},
		{"range", "remote.php/webdav/g.bin", []string{"Range", "bytes=10-19"}, 206, rangeBody(10, 19)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.Fail(EPWebDAV, Fault{Times: 1, Chunked: true})
			resp, b := get(tc.path, tc.header...)
			if resp.StatusCode != tc.status || string(b) != string(tc.body) {
				t.Fatalf("HTTP %d, %d bytes; want %d and %d bytes", resp.StatusCode, len(b), tc.status, len(tc.body))
			}
			if resp.ContentLength != -1 || resp.Header.Get("Content-Length") != "" ||
				len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
				t.Errorf("length %d (header %q), transfer encoding %v; want no length, chunked", resp.ContentLength,
					resp.Header.Get("Content-Length"), resp.TransferEncoding)
			}
			resp, b = get(tc.path, tc.header...)
			if resp.ContentLength != int64(len(tc.body)) || string(b) != string(tc.body) {
				t.Errorf("after the fault: length %d, %d bytes; want %d", resp.ContentLength, len(b), len(tc.body))
			}
		})
	}
}

// TestFaultHoldAndPathSuffix: a held request waits for the test to let it go, and a fault limited to one path
// leaves the others alone and is not used up by them.
func TestFaultHoldAndPathSuffix(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	hold := make(chan struct{})
	s.Fail(EPStatus, Fault{Times: 1, PathSuffix: "/nowhere", Status: 500})
	if r := call(t, s, "GET", s.URL+"status.php", "", nil); r.status != 200 {
		t.Fatalf("a fault for another path answered status.php: HTTP %d", r.status)
	}
	s.ClearFaults()
	s.Fail(EPStatus, Fault{Times: 1, PathSuffix: "/status.php", Hold: hold})
	done := make(chan int, 1)
	go func() { done <- call(t, s, "GET", s.URL+"status.php", "", nil).status }()
	select {
	case st := <-done:
		t.Fatalf("a held request was answered before it was let go: HTTP %d", st)
	case <-time.After(100 * time.Millisecond):
	}
	close(hold)
	if st := <-done; st != 200 {
		t.Fatalf("after it was let go: HTTP %d", st)
	}
}
