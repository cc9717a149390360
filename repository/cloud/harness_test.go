package cloud

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/webdav"
)

// sabreBearerBody is what Nextcloud's WebDAV answers to a missing or refused bearer token.
const sabreBearerBody = `<?xml version="1.0" encoding="utf-8"?>
<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">
  <s:exception>Sabre\DAV\Exception\NotAuthenticated</s:exception>
  <s:message>No public access to this resource., Username or password was incorrect, No 'Authorization: Bearer' header found. Either the client didn't send one, or the server didn't accept it</s:message>
</d:error>`

// counter counts the requests a test server receives, by method.
type counter struct {
	mu       sync.Mutex
	byMethod map[string]int
	last     *http.Request
	lastBody string
}

func (c *counter) add(r *http.Request, body string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byMethod == nil {
		c.byMethod = map[string]int{}
	}
	c.byMethod[r.Method]++
	c.last = r
	c.lastBody = body
}

// total is the number of requests so far.
func (c *counter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.byMethod {
		n += v
	}
	return n
}

func (c *counter) method(m string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byMethod[m]
}

func (c *counter) request() (*http.Request, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last, c.lastBody
}

// testServer is an httptest server in front of h that counts requests and keeps the last one.
type testServer struct {
	*httptest.Server
	count   *counter
	base    string // base URL with a trailing slash (with the sub-path, if any)
	release chan struct{}
}

// newTestServer starts h under basePath ("/" or "/nc/"). Handlers may block on ts.release, which is closed when
// the test ends (before the server closes).
func newTestServer(t testing.TB, basePath string, h http.Handler) *testServer {
	t.Helper()
	ts := &testServer{count: &counter{}, release: make(chan struct{})}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body strings.Builder
		if r.Body != nil {
			buf := make([]byte, 32<<10)
			for {
				n, err := r.Body.Read(buf)
				body.Write(buf[:n])
				if err != nil {
					break
				}
			}
			r.Body = http.NoBody
		}
		ts.count.add(r, body.String())
		r2 := r.Clone(r.Context())
		r2.Body = readCloser{strings.NewReader(body.String())}
		h.ServeHTTP(w, r2)
	}))
	ts.base = ts.URL + basePath
	t.Cleanup(ts.Close)
	t.Cleanup(func() { close(ts.release) })
	return ts
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

// client makes a Client for the server with Nextcloud's endpoints.
func (ts *testServer) client(t testing.TB, mutate ...func(*Config)) *Client {
	t.Helper()
	eps, err := PresetEndpoints(Nextcloud, ts.base)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{BaseURL: ts.base, ClientID: "ocrepo", ClientSecret: "s3cret-client", BasicAuth: true,
		Endpoints: eps, Timeout: 5 * time.Second}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// staticToken is a TokenSource with a fixed token.
func staticToken(tok string) TokenSource {
	return TokenSourceFunc(func(context.Context) (string, error) { return tok, nil })
}

// davServer is an x/net/webdav server holding users' files in memory under Nextcloud's paths, behind a bearer
// token check ("tok-" + user).
type davServer struct {
	fs map[string]webdav.FileSystem
}

func newDAVHandler(basePath string, users ...string) (http.Handler, *davServer) {
	ds := &davServer{fs: map[string]webdav.FileSystem{}}
	handlers := map[string]http.Handler{}
	for _, u := range users {
		fs := webdav.NewMemFS()
		ds.fs[u] = fs
		handlers[u] = &webdav.Handler{Prefix: basePath + "remote.php/dav/files/" + u, FileSystem: fs,
			LockSystem: webdav.NewMemLS()}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for user, h := range handlers {
			prefix := basePath + "remote.php/dav/files/" + user
			if r.URL.Path != prefix && !strings.HasPrefix(r.URL.Path, prefix+"/") {
				continue
			}
			if r.Header.Get("Authorization") != "Bearer tok-"+user {
				w.Header().Set("WWW-Authenticate", `Basic realm="Nextcloud", charset="UTF-8"`)
				w.Header().Set("Content-Type", "application/xml; charset=utf-8")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(sabreBearerBody))
				return
			}
			h.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	}), ds
}

func (ds *davServer) write(t testing.TB, user, name string, data []byte) {
	t.Helper()
	fs := ds.fs[user]
	ctx := context.Background()
	dir := name[:strings.LastIndex(name, "/")+1]
	if dir != "/" {
		parts := strings.Split(strings.Trim(dir, "/"), "/")
		for i := range parts {
			p := "/" + strings.Join(parts[:i+1], "/")
			if err := fs.Mkdir(ctx, p, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
				t.Fatal(err)
			}
		}
	}
	f, err := fs.OpenFile(ctx, name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
}

func (ds *davServer) read(t testing.TB, user, name string) (string, bool) {
	t.Helper()
	f, err := ds.fs[user].OpenFile(context.Background(), name, 0, 0)
	if err != nil {
		return "", false
	}
	defer f.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := f.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String(), true
}
