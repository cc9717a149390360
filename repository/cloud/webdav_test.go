package cloud

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// awkwardNames round-trip through listing, download, copy and move.
var awkwardNames = []string{
	"plain.txt",
	"with space.txt",
	"hash#tag.txt",
	"100% done.txt",
	"what?.txt",
	`quote'and"double.txt`,
	"Übung ñ 日本語.txt",
	"amp&semi;.txt",
	"plus+equals=.txt",
}

func TestWebDAVRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		basePath string
		user     string
		legacy   bool // ownCloud-style remote.php/webdav/ endpoint
	}{
		{name: "nextcloud root", basePath: "/", user: "alice"},
		{name: "sub-path and a username with a space", basePath: "/nc/", user: "al ice"},
		{name: "username with unicode and @", basePath: "/", user: "zoë@example.org"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, ds := newDAVHandler(tc.basePath, tc.user)
			ts := newTestServer(t, tc.basePath, h)
			cn := ts.client(t).As(tc.user, staticToken("tok-"+tc.user))
			ctx := context.Background()
			dir := "/dir with space & ü"
			for i, n := range awkwardNames {
				ds.write(t, tc.user, dir+"/"+n, []byte(fmt.Sprintf("content %d of %s", i, n)))
			}
			if err := ds.fs[tc.user].Mkdir(ctx, dir+"/sub #1", 0o755); err != nil {
				t.Fatal(err)
			}

			calls := 0
			expectOne := func(what string) {
				t.Helper()
				calls++
				if got := ts.count.total(); got != calls {
					t.Fatalf("%s: %d requests so far, want %d (one per call)", what, got, calls)
				}
			}

			self, children, err := cn.ReadDir(ctx, dir)
			expectOne("ReadDir")
			if err != nil {
				t.Fatal(err)
			}
			if self.Path != dir || !self.Dir || self.Name != "dir with space & ü" {
				t.Errorf("self = %+v", self)
			}
			var names []string
			for _, c := range children {
				names = append(names, c.Name)
				if c.Path != dir+"/"+c.Name {
					t.Errorf("child path %q, name %q", c.Path, c.Name)
				}
			}
			want := append([]string{"sub #1"}, awkwardNames...)
			sort.Strings(names)
			sort.Strings(want)
			if strings.Join(names, "|") != strings.Join(want, "|") {
				t.Fatalf("names\n got %q\nwant %q", names, want)
			}

			root, _, err := cn.ReadDir(ctx, "/")
			expectOne("ReadDir /")
			if err != nil || root.Path != "/" || root.Name != "" || !root.Dir {
				t.Fatalf("root = %+v, %v", root, err)
			}

			for i, n := range awkwardNames {
				p := dir + "/" + n
				content := fmt.Sprintf("content %d of %s", i, n)
				st, err := cn.Stat(ctx, p)
				expectOne("Stat " + n)
				if err != nil || st.Path != p || st.Dir || st.Size != int64(len(content)) {
					t.Fatalf("Stat(%q) = %+v, %v", p, st, err)
				}
				f, err := cn.Open(ctx, p, 0)
				expectOne("Open " + n)
				if err != nil {
					t.Fatalf("Open(%q): %v", p, err)
				}
				got, err := io.ReadAll(f.Body)
				_ = f.Body.Close()
				if err != nil || string(got) != content || f.Size != int64(len(content)) || f.ETag == "" {
					t.Fatalf("Open(%q) = %q (size %d, etag %q), %v", p, got, f.Size, f.ETag, err)
				}
				f, err = cn.Open(ctx, p, 3)
				expectOne("Open range " + n)
				if err != nil {
					t.Fatalf("Open(%q, 3): %v", p, err)
				}
				got, _ = io.ReadAll(f.Body)
				_ = f.Body.Close()
				if string(got) != content[3:] || f.Total != int64(len(content)) {
					t.Fatalf("Open(%q, 3) = %q, total %d", p, got, f.Total)
				}

				cp := dir + "/sub #1/" + n
				err = cn.Copy(ctx, p, cp, false)
				expectOne("Copy " + n)
				if err != nil {
					t.Fatalf("Copy: %v", err)
				}
				if c, ok := ds.read(t, tc.user, cp); !ok || c != content {
					t.Fatalf("copy of %q holds %q", n, c)
				}
				err = cn.Copy(ctx, p, cp, false)
				expectOne("Copy again " + n)
				if !errors.Is(err, ErrPreconditionFailed) {
					t.Fatalf("Copy onto an existing file without overwrite: %v", err)
				}
				mv := dir + "/moved " + n
				err = cn.Move(ctx, cp, mv, false)
				expectOne("Move " + n)
				if err != nil {
					t.Fatalf("Move: %v", err)
				}
				if _, ok := ds.read(t, tc.user, cp); ok {
					t.Fatalf("%q still there after the move", cp)
				}
				if c, ok := ds.read(t, tc.user, mv); !ok || c != content {
					t.Fatalf("moved %q holds %q", n, c)
				}
				err = cn.Delete(ctx, mv)
				expectOne("Delete " + n)
				if err != nil {
					t.Fatalf("Delete: %v", err)
				}
			}

			err = cn.Mkcol(ctx, dir+"/new?folder#")
			expectOne("Mkcol")
			if err != nil {
				t.Fatal(err)
			}
			err = cn.Mkcol(ctx, dir+"/new?folder#")
			expectOne("Mkcol again")
			if !errors.Is(err, ErrAlreadyExists) {
				t.Fatalf("Mkcol of an existing folder: %v", err)
			}
			err = cn.Mkcol(ctx, "/missing parent/x")
			expectOne("Mkcol without parent")
			if !errors.Is(err, ErrConflict) {
				t.Fatalf("Mkcol without parent: %v", err)
			}
			err = cn.Copy(ctx, dir+"/plain.txt", "/missing parent/x", true)
			expectOne("Copy without parent")
			if !errors.Is(err, ErrConflict) {
				t.Fatalf("Copy without parent: %v", err)
			}
			err = cn.Delete(ctx, "/nothing here")
			expectOne("Delete missing")
			if !errors.Is(err, ErrNotFound) {
				t.Fatalf("Delete of a missing file: %v", err)
			}
			_, _, err = cn.ReadDir(ctx, "/nothing here")
			expectOne("ReadDir missing")
			if !errors.Is(err, ErrNotFound) {
				t.Fatalf("ReadDir of a missing folder: %v", err)
			}

			bad := ts.client(t).As(tc.user, staticToken("expired"))
			_, _, err = bad.ReadDir(ctx, "/")
			expectOne("ReadDir with a bad token")
			var se *StatusError
			if !errors.Is(err, ErrUnauthorized) || !errors.As(err, &se) || !se.BearerRejected {
				t.Fatalf("ReadDir with a refused token: %v", err)
			}
			if strings.Contains(err.Error(), "expired") {
				t.Fatalf("error %q shows the token", err)
			}
		})
	}
}

func TestWebDAVRequestShape(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "/cloud/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case "PROPFIND":
			w.Header().Set("Content-Type", "application/xml; charset=utf-8")
			w.WriteHeader(http.StatusMultiStatus)
			_, _ = w.Write(nextcloudListing("/cloud/remote.php/dav/files/bob/", "/a b", nil))
		case "COPY", "MOVE":
			w.WriteHeader(http.StatusNoContent)
		default:
			w.WriteHeader(http.StatusCreated)
		}
	}))
	cn := ts.client(t).As("bob", staticToken("T0KEN"))
	ctx := context.Background()
	if _, _, err := cn.ReadDir(ctx, "a b"); err != nil {
		t.Fatal(err)
	}
	r, body := ts.count.request()
	if r.Method != "PROPFIND" || r.Header.Get("Depth") != "1" || r.URL.EscapedPath() != "/cloud/remote.php/dav/files/bob/a%20b" {
		t.Errorf("PROPFIND %s %q depth %q", r.Method, r.URL.EscapedPath(), r.Header.Get("Depth"))
	}
	if r.Header.Get("Authorization") != "Bearer T0KEN" {
		t.Errorf("Authorization %q", r.Header.Get("Authorization"))
	}
	for _, prop := range []string{"d:getlastmodified", "d:getcontentlength", "d:getcontenttype", "d:resourcetype",
		"d:getetag", "oc:fileid", "oc:permissions", "oc:size", "nc:has-preview"} {
		if !strings.Contains(body, "<"+prop+"/>") {
			t.Errorf("PROPFIND body lacks %s: %s", prop, body)
		}
	}
	if _, err := cn.Stat(ctx, "/a b"); err != nil {
		t.Fatal(err)
	}
	if r, _ := ts.count.request(); r.Header.Get("Depth") != "0" {
		t.Errorf("Stat depth %q", r.Header.Get("Depth"))
	}
	for _, tc := range []struct {
		call      func() error
		method    string
		overwrite string
	}{
		{func() error { return cn.Copy(ctx, "/x#1.txt", "/dir/y?2.txt", true) }, "COPY", "T"},
		{func() error { return cn.Move(ctx, "/x#1.txt", "/dir/y?2.txt", false) }, "MOVE", "F"},
	} {
		if err := tc.call(); err != nil {
			t.Fatal(err)
		}
		r, _ := ts.count.request()
		if r.Method != tc.method || r.URL.EscapedPath() != "/cloud/remote.php/dav/files/bob/x%231.txt" {
			t.Errorf("%s %s", r.Method, r.URL.EscapedPath())
		}
		if want := ts.URL + "/cloud/remote.php/dav/files/bob/dir/y%3F2.txt"; r.Header.Get("Destination") != want {
			t.Errorf("Destination %q, want %q", r.Header.Get("Destination"), want)
		}
		if r.Header.Get("Overwrite") != tc.overwrite {
			t.Errorf("Overwrite %q", r.Header.Get("Overwrite"))
		}
	}
	if got := ts.count.total(); got != 4 {
		t.Errorf("%d requests for 4 calls", got)
	}
}

// answer is a canned response.
type answer struct {
	status int
	ctype  string
	header map[string]string
	body   string
}

func (a answer) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		if a.ctype != "" {
			w.Header().Set("Content-Type", a.ctype)
		}
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	})
}

const htmlLogin = "<!DOCTYPE html>\n<html class=\"ng-csp\"><head><title>Login – Nextcloud</title></head><body>please log in</body></html>"

func TestReadDirFailures(t *testing.T) {
	t.Parallel()
	listing := string(nextcloudListing("/remote.php/dav/files/alice/", "/", bigListing(20)))
	tests := []struct {
		name     string
		answer   answer
		want     error
		check    func(t *testing.T, err error)
		wantNot  error
		notWant2 error
	}{
		{
			name:   "HTML where XML was expected",
			answer: answer{status: 200, ctype: "text/html; charset=UTF-8", body: htmlLogin},
			want:   ErrInvalidResponse,
			check: func(t *testing.T, err error) {
				var ie *InvalidResponseError
				if !errors.As(err, &ie) || ie.StatusCode != 200 || !strings.HasPrefix(ie.ContentType, "text/html") ||
					!strings.HasPrefix(ie.Snippet, "<!DOCTYPE html>") || !strings.Contains(ie.Reason, "HTML") {
					t.Errorf("%#v", ie)
				}
			},
		},
		{
			name:   "HTML without a content type",
			answer: answer{status: 207, body: htmlLogin},
			want:   ErrInvalidResponse,
			check: func(t *testing.T, err error) {
				var ie *InvalidResponseError
				if !errors.As(err, &ie) || !strings.Contains(ie.Reason, "not a multistatus") {
					t.Errorf("%#v", ie)
				}
			},
		},
		{
			name:   "truncated multistatus",
			answer: answer{status: 207, ctype: "application/xml", body: listing[:len(listing)/2]},
			want:   ErrInvalidResponse,
			check: func(t *testing.T, err error) {
				var ie *InvalidResponseError
				if !errors.As(err, &ie) || !strings.Contains(ie.Reason, "truncated") ||
					!strings.HasPrefix(ie.Snippet, `<?xml version="1.0"?> <d:multistatus`) {
					t.Errorf("%#v", ie)
				}
			},
		},
		{
			name:   "multistatus without its closing tag",
			answer: answer{status: 207, ctype: "application/xml", body: strings.TrimSuffix(strings.TrimSpace(listing), "</d:multistatus>")},
			want:   ErrInvalidResponse,
		},
		{
			name: "XML syntax error",
			answer: answer{status: 207, ctype: "application/xml",
				body: strings.Replace(listing, "</d:href>", "</d:hraf>", 3)},
			want: ErrInvalidResponse,
		},
		{
			name: "response without href",
			answer: answer{status: 207, ctype: "application/xml",
				body: `<d:multistatus xmlns:d="DAV:"><d:response></d:response></d:multistatus>`},
			want: ErrInvalidResponse,
		},
		{
			name:   "empty multistatus",
			answer: answer{status: 207, ctype: "application/xml", body: `<d:multistatus xmlns:d="DAV:"/>`},
			want:   ErrInvalidResponse,
		},
		{
			name:   "401 with the bearer message",
			answer: answer{status: 401, ctype: "application/xml", body: sabreBearerBody, header: map[string]string{"WWW-Authenticate": `Basic realm="Nextcloud"`}},
			want:   ErrUnauthorized,
			check: func(t *testing.T, err error) {
				var se *StatusError
				if !errors.As(err, &se) || !se.BearerRejected || !strings.Contains(se.Message, "Bearer") {
					t.Errorf("%#v", se)
				}
				if !strings.Contains(err.Error(), "strip the Authorization header") {
					t.Errorf("error %q does not hint at a stripped header", err)
				}
			},
		},
		{
			name:   "401 with a Bearer challenge",
			answer: answer{status: 401, header: map[string]string{"WWW-Authenticate": `Bearer realm="x"`}},
			want:   ErrUnauthorized,
			check: func(t *testing.T, err error) {
				var se *StatusError
				if !errors.As(err, &se) || !se.BearerRejected {
					t.Errorf("%#v", se)
				}
			},
		},
		{
			name:   "401 for a password",
			answer: answer{status: 401, header: map[string]string{"WWW-Authenticate": `Basic realm="x"`}, body: "wrong password"},
			want:   ErrUnauthorized,
			check: func(t *testing.T, err error) {
				var se *StatusError
				if !errors.As(err, &se) || se.BearerRejected {
					t.Errorf("%#v", se)
				}
			},
		},
		{name: "403", answer: answer{status: 403}, want: ErrForbidden},
		{name: "404", answer: answer{status: 404}, want: ErrNotFound},
		{
			name:   "429 with Retry-After seconds",
			answer: answer{status: 429, header: map[string]string{"Retry-After": "120"}},
			want:   ErrThrottled,
			check: func(t *testing.T, err error) {
				var se *StatusError
				if !errors.As(err, &se) || se.RetryAfter != 120*time.Second {
					t.Errorf("%#v", se)
				}
			},
		},
		{
			name: "429 with Retry-After date",
			answer: answer{status: 429, header: map[string]string{
				"Retry-After": time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}},
			want: ErrThrottled,
			check: func(t *testing.T, err error) {
				var se *StatusError
				if !errors.As(err, &se) || se.RetryAfter < 58*time.Minute || se.RetryAfter > time.Hour {
					t.Errorf("%#v", se)
				}
			},
		},
		{name: "503", answer: answer{status: 503, ctype: "text/html", body: "<html>maintenance</html>"}, want: ErrServer},
		{
			name:   "redirect to the login page",
			answer: answer{status: 302, header: map[string]string{"Location": "/index.php/login?redirect_url=%2Fsecret%3Dx"}},
			want:   ErrInvalidResponse,
			check: func(t *testing.T, err error) {
				if !strings.Contains(err.Error(), "redirected to /index.php/login") || strings.Contains(err.Error(), "secret") {
					t.Errorf("error %q", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, "/", tt.answer.handler())
			cn := ts.client(t).As("alice", staticToken("tok"))
			self, children, err := cn.ReadDir(context.Background(), "/")
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if children != nil || self.Path != "" {
				t.Errorf("a failure returned a listing: %+v %d", self, len(children))
			}
			if tt.check != nil {
				tt.check(t, err)
			}
			if n := ts.count.total(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

func TestTimeouts(t *testing.T) {
	t.Parallel()
	listing := nextcloudListing("/remote.php/dav/files/alice/", "/", bigListing(50))
	const timeout = 100 * time.Millisecond
	tests := []struct {
		name    string
		handler func(ts *testServer) http.HandlerFunc
		call    func(ctx context.Context, cn *Conn) error
	}{
		{
			name: "PROPFIND without an answer",
			handler: func(ts *testServer) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) { <-ts.release }
			},
			call: func(ctx context.Context, cn *Conn) error { _, _, err := cn.ReadDir(ctx, "/"); return err },
		},
		{
			name: "PROPFIND stalling in the body",
			handler: func(ts *testServer) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/xml")
					w.WriteHeader(207)
					_, _ = w.Write(listing[:len(listing)/2])
					w.(http.Flusher).Flush()
					<-ts.release
				}
			},
			call: func(ctx context.Context, cn *Conn) error { _, _, err := cn.ReadDir(ctx, "/"); return err },
		},
		{
			name: "GET without headers",
			handler: func(ts *testServer) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) { <-ts.release }
			},
			call: func(ctx context.Context, cn *Conn) error { _, err := cn.Open(ctx, "/f", 0); return err },
		},
		{
			name: "GET stalling in the body",
			handler: func(ts *testServer) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Length", "1000")
					w.WriteHeader(200)
					_, _ = w.Write(make([]byte, 100))
					w.(http.Flusher).Flush()
					<-ts.release
				}
			},
			call: func(ctx context.Context, cn *Conn) error {
				f, err := cn.Open(ctx, "/f", 0)
				if err != nil {
					return fmt.Errorf("open failed early: %v", err)
				}
				defer f.Body.Close()
				_, err = io.ReadAll(f.Body)
				return err
			},
		},
		{
			name: "MKCOL without an answer",
			handler: func(ts *testServer) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) { <-ts.release }
			},
			call: func(ctx context.Context, cn *Conn) error { return cn.Mkcol(ctx, "/x") },
		},
		{
			name: "share creation without an answer",
			handler: func(ts *testServer) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) { <-ts.release }
			},
			call: func(ctx context.Context, cn *Conn) error {
				_, err := cn.CreateShare(ctx, ShareRequest{Path: "/x", ShareType: SharePublic})
				return err
			},
		},
		{
			name: "userinfo without an answer",
			handler: func(ts *testServer) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) { <-ts.release }
			},
			call: func(ctx context.Context, cn *Conn) error { _, err := cn.UserInfo(ctx); return err },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var ts *testServer
			ts = newTestServer(t, "/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tt.handler(ts)(w, r)
			}))
			cn := ts.client(t, func(c *Config) { c.Timeout = timeout }).As("alice", staticToken("tok"))
			err := tt.call(context.Background(), cn)
			if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want a timeout", err)
			}
			if strings.Contains(err.Error(), "?") {
				t.Errorf("error %q carries a query", err)
			}
		})
	}
}

// A download slower in total than the timeout completes as long as data keeps coming.
func TestOpenLongDownloadIsNotCut(t *testing.T) {
	t.Parallel()
	// The timeout is long enough for a busy machine to deliver the headers and each byte; the test's pauses are
	// twice as long, and the server has sent each byte before the pause, so only a watchdog that also ran between
	// reads could cut the download.
	const timeout = 250 * time.Millisecond
	next := make(chan struct{})
	sent := make(chan struct{})
	var ts *testServer
	ts = newTestServer(t, "/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "3")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		for _, c := range []byte("abc") {
			select {
			case <-next:
			case <-ts.release:
				return
			}
			_, _ = w.Write([]byte{c})
			w.(http.Flusher).Flush()
			sent <- struct{}{}
		}
	}))
	cn := ts.client(t, func(c *Config) { c.Timeout = timeout }).As("alice", staticToken("tok"))
	f, err := cn.Open(context.Background(), "/f", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Body.Close()
	var got []byte
	buf := make([]byte, 8)
	for i := 0; i < 3; i++ {
		next <- struct{}{}
		<-sent
		// The caller takes longer than the timeout between reads (a slow sink); the watchdog only runs
		// while a read waits.
		<-time.After(2 * timeout)
		n, err := f.Body.Read(buf)
		if err != nil && err != io.EOF {
			t.Fatalf("read %d: %v", i, err)
		}
		got = append(got, buf[:n]...)
	}
	if string(got) != "abc" {
		t.Fatalf("got %q", got)
	}
}

func TestOpenFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		offset int64
		answer answer
		want   error
	}{
		{"404", 0, answer{status: 404}, ErrNotFound},
		{"401 bearer", 0, answer{status: 401, body: sabreBearerBody}, ErrUnauthorized},
		{"range ignored", 5, answer{status: 200, body: "whole file"}, ErrInvalidResponse},
		{"429", 0, answer{status: 429, header: map[string]string{"Retry-After": "3"}}, ErrThrottled},
		{"500", 0, answer{status: 500}, ErrServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, "/", tt.answer.handler())
			cn := ts.client(t).As("alice", staticToken("tok"))
			f, err := cn.Open(context.Background(), "/f.txt", tt.offset)
			if !errors.Is(err, tt.want) || f != nil {
				t.Fatalf("Open = %v, %v; want %v", f, err, tt.want)
			}
			r, _ := ts.count.request()
			if tt.offset > 0 && r.Header.Get("Range") != "bytes="+strconv.FormatInt(tt.offset, 10)+"-" {
				t.Errorf("Range %q", r.Header.Get("Range"))
			}
			if ts.count.total() != 1 {
				t.Errorf("%d requests", ts.count.total())
			}
		})
	}
}

// Open hands out the live body: bytes arrive while the server is still sending.
func TestOpenStreams(t *testing.T) {
	t.Parallel()
	second := make(chan struct{})
	var ts *testServer
	ts = newTestServer(t, "/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("ETag", `"e1"`)
		w.Header().Set("Last-Modified", "Tue, 14 May 2024 09:12:44 GMT")
		w.WriteHeader(200)
		_, _ = w.Write([]byte("first "))
		w.(http.Flusher).Flush()
		select {
		case <-second:
		case <-ts.release:
			return
		}
		_, _ = w.Write([]byte("second"))
	}))
	cn := ts.client(t).As("alice", staticToken("tok"))
	f, err := cn.Open(context.Background(), "/doc.pdf", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Body.Close()
	if f.ContentType != "application/pdf" || f.ETag != `"e1"` || f.Size != -1 ||
		!f.Modified.Equal(time.Date(2024, 5, 14, 9, 12, 44, 0, time.UTC)) {
		t.Errorf("file = %+v", f)
	}
	buf := make([]byte, 6)
	if _, err := io.ReadFull(f.Body, buf); err != nil || string(buf) != "first " {
		t.Fatalf("first read %q, %v", buf, err)
	}
	close(second)
	rest, err := io.ReadAll(f.Body)
	if err != nil || string(rest) != "second" {
		t.Fatalf("rest %q, %v", rest, err)
	}
}

func TestSimpleMethodStatuses(t *testing.T) {
	t.Parallel()
	type call struct {
		name string
		do   func(ctx context.Context, cn *Conn) error
	}
	mkcol := call{"MKCOL", func(ctx context.Context, cn *Conn) error { return cn.Mkcol(ctx, "/a") }}
	cp := call{"COPY", func(ctx context.Context, cn *Conn) error { return cn.Copy(ctx, "/a", "/b", false) }}
	mv := call{"MOVE", func(ctx context.Context, cn *Conn) error { return cn.Move(ctx, "/a", "/b", true) }}
	del := call{"DELETE", func(ctx context.Context, cn *Conn) error { return cn.Delete(ctx, "/a") }}
	tests := []struct {
		call   call
		status int
		want   error // nil: success
	}{
		{mkcol, 201, nil},
		{mkcol, 405, ErrAlreadyExists},
		{mkcol, 409, ErrConflict},
		{mkcol, 507, ErrInsufficientStorage},
		{cp, 201, nil},
		{cp, 204, nil},
		{cp, 412, ErrPreconditionFailed},
		{cp, 409, ErrConflict},
		{cp, 423, ErrLocked},
		{cp, 507, ErrInsufficientStorage},
		{mv, 201, nil},
		{mv, 204, nil},
		{mv, 412, ErrPreconditionFailed},
		{mv, 409, ErrConflict},
		{mv, 423, ErrLocked},
		{mv, 507, ErrInsufficientStorage},
		{mv, 403, ErrForbidden},
		{del, 204, nil},
		{del, 404, ErrNotFound},
		{del, 423, ErrLocked},
		{del, 401, ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %d", tt.call.name, tt.status), func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, "/", answer{status: tt.status, ctype: "text/html"}.handler())
			cn := ts.client(t).As("alice", staticToken("tok"))
			err := tt.call.do(context.Background(), cn)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.want == ErrAlreadyExists && errors.Is(err, ErrConflict) {
				t.Errorf("405 also matches ErrConflict")
			}
			if r, _ := ts.count.request(); r.Method != tt.call.name || ts.count.total() != 1 {
				t.Errorf("%d requests, last %s", ts.count.total(), r.Method)
			}
		})
	}
}

func TestConnWithoutUser(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "/", answer{status: 207}.handler())
	cn := ts.client(t).As("", staticToken("tok"))
	if _, _, err := cn.ReadDir(context.Background(), "/"); err == nil {
		t.Fatal("ReadDir without a username for {userid} succeeded")
	}
	if _, err := cn.Search(context.Background(), "x", 5); err == nil {
		t.Fatal("Search without a username succeeded")
	}
	if ts.count.total() != 0 {
		t.Errorf("%d requests", ts.count.total())
	}
	failing := ts.client(t).As("alice", TokenSourceFunc(func(context.Context) (string, error) {
		return "", ErrLoginAgain
	}))
	if _, _, err := failing.ReadDir(context.Background(), "/"); !errors.Is(err, ErrLoginAgain) {
		t.Fatalf("token source failure: %v", err)
	}
}

func TestLegacyWebDAVEndpoint(t *testing.T) {
	t.Parallel()
	var ts *testServer
	ts = newTestServer(t, "/oc/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(207)
		_, _ = w.Write(nextcloudListing("/oc/remote.php/webdav/", "/Photos", []listingItem{{name: "a.jpg", size: 1}}))
	}))
	eps, err := PresetEndpoints(OwnCloud, ts.base)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{BaseURL: ts.base, ClientID: "x", Endpoints: eps})
	if err != nil {
		t.Fatal(err)
	}
	self, children, err := c.As("", staticToken("tok")).ReadDir(context.Background(), "/Photos")
	if err != nil || self.Path != "/Photos" || len(children) != 1 || children[0].Path != "/Photos/a.jpg" {
		t.Fatalf("%+v %+v %v", self, children, err)
	}
	if r, _ := ts.count.request(); r.URL.Path != "/oc/remote.php/webdav/Photos" {
		t.Errorf("path %q", r.URL.Path)
	}
}

// A reverse proxy that hides the sub-path: the server writes hrefs without it.
func TestHrefsWithoutTheSubPath(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "/nc/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(207)
		_, _ = w.Write(nextcloudListing("/remote.php/dav/files/alice/", "/", []listingItem{{name: "x", size: 1}}))
	}))
	_, children, err := ts.client(t).As("alice", staticToken("tok")).ReadDir(context.Background(), "/")
	if err != nil || len(children) != 1 || children[0].Path != "/x" {
		t.Fatalf("%+v %v", children, err)
	}
}

// A connection cut in the middle of a listing is an invalid (truncated) response.
func TestReadDirConnectionCut(t *testing.T) {
	t.Parallel()
	listing := nextcloudListing("/remote.php/dav/files/alice/", "/", bigListing(100))
	ts := newTestServer(t, "/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(listing)))
		w.WriteHeader(207)
		_, _ = w.Write(listing[:len(listing)/3])
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}))
	_, _, err := ts.client(t).As("alice", staticToken("tok")).ReadDir(context.Background(), "/")
	var ie *InvalidResponseError
	if !errors.As(err, &ie) || !strings.Contains(ie.Reason, "truncated") {
		t.Fatalf("err = %v", err)
	}
}

func TestSearch(t *testing.T) {
	t.Parallel()
	var ts *testServer
	ts = newTestServer(t, "/nc/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", `application/xml; charset="utf-8"`)
		w.WriteHeader(207)
		var b bytes.Buffer
		b.Write(nextcloudListing("/nc/remote.php/dav/files/al ice/", "/", []listingItem{
			{name: "reports", dir: true}, {name: "Q1 report.pdf", size: 10},
		}))
		_, _ = w.Write(b.Bytes())
	}))
	cn := ts.client(t).As("al ice", staticToken("tok"))
	got, err := cn.Search(context.Background(), "rep<&>", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Path != "/reports" || !got[0].Dir || got[1].Path != "/Q1 report.pdf" || got[1].Size != 10 {
		t.Fatalf("results %+v", got)
	}
	r, body := ts.count.request()
	if r.Method != "SEARCH" || r.URL.Path != "/nc/remote.php/dav/" || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/xml") {
		t.Errorf("%s %s %s", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		"<d:basicsearch>", "<d:select><d:prop><d:getlastmodified/>", "<oc:fileid/>", "<nc:has-preview/>",
		"<d:scope><d:href>/files/al ice</d:href><d:depth>infinity</d:depth></d:scope>",
		"<d:like><d:prop><d:displayname/></d:prop><d:literal>%rep&lt;&amp;&gt;%</d:literal></d:like>",
		"<d:limit><d:nresults>10</d:nresults></d:limit>",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("SEARCH body lacks %s:\n%s", want, body)
		}
	}
	if ts.count.total() != 1 {
		t.Errorf("%d requests", ts.count.total())
	}
	capped, err := cn.Search(context.Background(), "x", 1)
	if err != nil || len(capped) != 1 {
		t.Errorf("limit 1: %d results, %v", len(capped), err)
	}
}

func TestSearchUnsupported(t *testing.T) {
	t.Parallel()
	for _, status := range []int{405, 501, 400} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, "/", answer{status: status, ctype: "application/xml",
				body: `<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns"><s:message>There was no plugin in the system that was willing to handle this SEARCH method.</s:message></d:error>`}.handler())
			_, err := ts.client(t).As("alice", staticToken("tok")).Search(context.Background(), "x", 0)
			if !errors.Is(err, ErrUnsupported) {
				t.Fatalf("err = %v", err)
			}
			if ts.count.total() != 1 {
				t.Errorf("%d requests", ts.count.total())
			}
		})
	}
}

func TestSearchNoResults(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "/", answer{status: 207, ctype: "application/xml",
		body: `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns"/>`}.handler())
	got, err := ts.client(t).As("alice", staticToken("tok")).Search(context.Background(), "nothing", 0)
	if err != nil || len(got) != 0 {
		t.Fatalf("%v %v", got, err)
	}
	if _, body := ts.count.request(); strings.Contains(body, "nresults") {
		t.Errorf("limit 0 sent a limit")
	}
}
