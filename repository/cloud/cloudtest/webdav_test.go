package cloudtest

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

// escapeSegment percent-encodes a name for a request URL.
func escapeSegment(name string) string { return url.PathEscape(name) }

// sabreMessage extracts s:exception and s:message from a Sabre error body.
func sabreMessage(t testing.TB, body []byte) (string, string) {
	t.Helper()
	var e struct {
		XMLName   xml.Name `xml:"DAV: error"`
		Exception string   `xml:"http://sabredav.org/ns exception"`
		Message   string   `xml:"http://sabredav.org/ns message"`
	}
	if err := xml.Unmarshal(body, &e); err != nil {
		t.Fatalf("not a Sabre error body: %v\n%s", err, body)
	}
	return e.Exception, e.Message
}

func TestWebDAVNamesAtBothRoots(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{BasePath: "/nc/"})
	tok, _, _ := s.IssueToken("alice")
	upperEscape := regexp.MustCompile(`%[0-9A-F][A-F]|%[A-F][0-9A-F]`)
	names := []struct{ name, encoded string }{
		{"with space.txt", "with%20space.txt"},
		{"hash#tag.txt", "hash%23tag.txt"},
		{"100% sure.txt", "100%25%20sure.txt"},
		{"what?.txt", "what%3f.txt"},
		{`it's "quoted".txt`, "it%27s%20%22quoted%22.txt"},
		{"Müller über Straße.txt", "M%c3%bcller%20%c3%bcber%20Stra%c3%9fe.txt"},
		{"日本語.txt", "%e6%97%a5%e6%9c%ac%e8%aa%9e.txt"},
		{"a&b+c=d;e,f(g)[h]@i:j~k.txt", "a%26b%2bc%3dd%3be%2cf(g)%5bh%5d@i:j~k.txt"},
	}
	for _, root := range []string{"remote.php/webdav/", "remote.php/dav/files/alice/"} {
		for i, n := range names {
			t.Run(fmt.Sprintf("%s%d", root, i), func(t *testing.T) {
				dir := fmt.Sprintf("dir %d#%s", i, strings.ReplaceAll(root, "/", "_"))
				base := s.URL + root + escapeSegment(dir) + "/"
				if r := call(t, s, "MKCOL", base, tok, nil); r.status != 201 {
					t.Fatalf("MKCOL: HTTP %d %s", r.status, r.body)
				}
				content := []byte("content of " + n.name)
				if r := call(t, s, "PUT", base+escapeSegment(n.name), tok, bytes.NewReader(content)); r.status != 201 {
					t.Fatalf("PUT: HTTP %d %s", r.status, r.body)
				}
				_, entries := propfind(t, s, base, tok, "1")
				if len(entries) != 2 {
					t.Fatalf("%d entries", len(entries))
				}
				wantHref := "/nc/" + root + sabreEncodePath(dir) + "/" + n.encoded
				if entries[1].href != wantHref {
					t.Errorf("href %q, want %q", entries[1].href, wantHref)
				}
				if upperEscape.MatchString(entries[1].href) {
					t.Errorf("href %q has uppercase escapes", entries[1].href)
				}
				decoded, err := url.PathUnescape(entries[1].href)
				if err != nil || !strings.HasSuffix(decoded, "/"+n.name) {
					t.Errorf("decoded href %q (%v)", decoded, err)
				}
				// The href, used as a URL path, reaches the file.
				u, _ := url.Parse(s.URL)
				u.RawPath, u.Path = entries[1].href, decoded
				r := call(t, s, "GET", u.String(), tok, nil)
				if r.status != 200 || !bytes.Equal(r.body, content) {
					t.Fatalf("GET via href: HTTP %d %q", r.status, r.body)
				}
				if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename*=UTF-8''") {
					t.Errorf("Content-Disposition %q", cd)
				}
				if !s.Exists("alice", "/"+dir+"/"+n.name) {
					t.Errorf("Exists is false")
				}
			})
		}
	}
}

func TestPropfindProperties(t *testing.T) {
	t.Parallel()
	s, clock := newFixture(t, Options{})
	s.WriteFile("alice", "/Docs/a.txt", []byte("12345"))
	s.WriteFile("alice", "/Docs/sub/b.png", []byte("1234567"))
	mtime := clock.Now()
	tok, _, _ := s.IssueToken("alice")
	r, entries := propfind(t, s, s.URL+"remote.php/dav/files/alice/Docs", tok, "1")
	if r.status != 207 || len(entries) != 3 {
		t.Fatalf("HTTP %d, %d entries\n%s", r.status, len(entries), r.body)
	}
	if got := r.header.Get("Content-Type"); !strings.Contains(got, "xml") {
		t.Errorf("Content-Type %q", got)
	}
	self, file, sub := entries[0], entries[1], entries[2]
	if self.href != "/remote.php/dav/files/alice/Docs/" {
		t.Errorf("first response %q is not the folder itself", self.href)
	}
	for _, tc := range []struct {
		e                davEntry
		name             string
		size, perms, typ string
		dir, preview     bool
	}{
		{self, "folder", "12", "RGDNVCK", "", true, false},
		{file, "file", "5", "RGDNVW", "text/plain", false, true},
		{sub, "subfolder", "7", "RGDNVCK", "", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if v, ok := tc.e.ok(nsOC, "size"); !ok || v != tc.size {
				t.Errorf("oc:size %q %v, want %s", v, ok, tc.size)
			}
			if v, ok := tc.e.ok(nsOC, "permissions"); !ok || v != tc.perms {
				t.Errorf("oc:permissions %q, want %s", v, tc.perms)
			}
			if v, ok := tc.e.ok(nsOC, "fileid"); !ok || atoi(v) <= 0 {
				t.Errorf("oc:fileid %q", v)
			}
			if v, ok := tc.e.ok(nsNC, "has-preview"); !ok || v != fmt.Sprint(tc.preview) {
				t.Errorf("nc:has-preview %q", v)
			}
			etag, ok := tc.e.ok(nsDAV, "getetag")
			if !ok || len(etag) < 3 || etag[0] != '"' || etag[len(etag)-1] != '"' {
				t.Errorf("getetag %q is not quoted", etag)
			}
			lm, ok := tc.e.ok(nsDAV, "getlastmodified")
			if tm, err := time.Parse(time.RFC1123, lm); !ok || err != nil || !tm.Equal(mtime) {
				t.Errorf("getlastmodified %q (%v)", lm, err)
			}
			rt, _ := tc.e.ok(nsDAV, "resourcetype")
			if strings.Contains(rt, "collection") != tc.dir {
				t.Errorf("resourcetype %q", rt)
			}
			_, lenOK := tc.e.ok(nsDAV, "getcontentlength")
			ct, ctOK := tc.e.ok(nsDAV, "getcontenttype")
			if tc.dir {
				if lenOK || ctOK || tc.e.props[nsDAV+" getcontentlength"].status != 404 {
					t.Errorf("a folder reports getcontentlength/getcontenttype")
				}
			} else if !lenOK || ct != tc.typ {
				t.Errorf("getcontentlength %v getcontenttype %q", lenOK, ct)
			}
		})
	}
	// GET's ETag equals the PROPFIND etag.
	g := call(t, s, "GET", s.URL+"remote.php/webdav/Docs/a.txt", tok, nil)
	if want, _ := file.ok(nsDAV, "getetag"); g.header.Get("ETag") != want || g.header.Get("Last-Modified") == "" {
		t.Errorf("GET ETag %q, PROPFIND %q", g.header.Get("ETag"), want)
	}
	// A change below a folder changes its etag and size.
	before, _ := self.ok(nsDAV, "getetag")
	if w := call(t, s, "PUT", s.URL+"remote.php/webdav/Docs/sub/c.txt", tok, strings.NewReader("abc")); w.status != 201 {
		t.Fatalf("PUT: HTTP %d", w.status)
	}
	_, again := propfind(t, s, s.URL+"remote.php/webdav/Docs", tok, "0")
	if after, _ := again[0].ok(nsDAV, "getetag"); after == before {
		t.Errorf("folder etag did not change")
	}
	if v, _ := again[0].ok(nsOC, "size"); v != "15" {
		t.Errorf("folder size %s after adding 3 bytes", v)
	}
}

func TestPropfindWithoutBody(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	s.WriteFile("alice", "/x.txt", []byte("x"))
	tok, _, _ := s.IssueToken("alice")
	r := call(t, s, "PROPFIND", s.URL+"remote.php/webdav/", tok, nil, "Depth", "1")
	if r.status != 207 {
		t.Fatalf("HTTP %d", r.status)
	}
	entries := parseMultistatus(t, r.body)
	if _, ok := entries[0].ok(nsDAV, "quota-used-bytes"); !ok {
		t.Errorf("folder lacks quota properties")
	}
	for _, e := range entries {
		for k := range e.props {
			if strings.HasPrefix(k, nsOC) {
				t.Errorf("%s reports %s without being asked", e.href, k)
			}
		}
	}
}

func TestWebDAVAuth(t *testing.T) {
	t.Parallel()
	s, clock := newFixture(t, Options{})
	expired, _, _ := s.IssueToken("alice")
	clock.Add(59 * time.Minute)
	live, _, _ := s.IssueToken("alice")
	clock.Add(2 * time.Minute)
	for _, tc := range []struct {
		name, header, wantInMessage string
	}{
		{"missing", "", "No 'Authorization: Bearer' header found"},
		{"bad bearer", "Bearer nope", "Bearer token was incorrect"},
		{"expired bearer", "Bearer " + expired, "Bearer token was incorrect"},
		{"bad basic", "Basic " + basicAuth("alice", "wrong"), "Username or password was incorrect"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := call(t, s, "PROPFIND", s.URL+"remote.php/dav/files/alice/", "", nil, "Depth", "0", "Authorization", tc.header)
			if r.status != 401 || r.header.Get("WWW-Authenticate") != `Basic realm="Nextcloud"` {
				t.Fatalf("HTTP %d WWW-Authenticate %q", r.status, r.header.Get("WWW-Authenticate"))
			}
			exc, msg := sabreMessage(t, r.body)
			if exc != `Sabre\DAV\Exception\NotAuthenticated` || !strings.Contains(msg, tc.wantInMessage) {
				t.Errorf("exception %q message %q", exc, msg)
			}
			for _, v := range []int{1, 2} {
				for _, format := range []string{"?format=json", ""} {
					o := call(t, s, "GET", ocsURL(s, v, format), "", nil, "Authorization", tc.header)
					if o.status != 401 {
						t.Errorf("OCS v%d %q: HTTP %d, want 401", v, format, o.status)
					}
					if format == "" {
						if !strings.Contains(o.String(), "<statuscode>997</statuscode>") {
							t.Errorf("OCS v%d XML: %s", v, o.body)
						}
					} else if decodeOCS(t, o).OCS.Meta.StatusCode != 997 {
						t.Errorf("OCS v%d JSON: %s", v, o.body)
					}
				}
			}
		})
	}
	if r := call(t, s, "PROPFIND", s.URL+"remote.php/webdav/", live, nil, "Depth", "0"); r.status != 207 {
		t.Errorf("token within its lifetime: HTTP %d", r.status)
	}
	if r := call(t, s, "PROPFIND", s.URL+"remote.php/webdav/", "", nil, "Depth", "0", "Authorization", "Basic "+basicAuth("alice", live)); r.status != 207 {
		t.Errorf("the access token as an app password: HTTP %d", r.status)
	}
}

func basicAuth(user, password string) string {
	req, _ := http.NewRequest("GET", "http://x/", nil)
	req.SetBasicAuth(user, password)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

func TestOtherUsersRoot(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	s.WriteFile("bob", "/secret.txt", []byte("s"))
	tok, _, _ := s.IssueToken("alice")
	r, entries := propfind(t, s, s.URL+"remote.php/dav/files/bob/", tok, "1")
	if r.status != 207 || len(entries) != 1 || entries[0].href != "/remote.php/dav/files/bob/" {
		t.Fatalf("HTTP %d entries %v", r.status, entries)
	}
	if rt, ok := entries[0].ok(nsDAV, "resourcetype"); !ok || !strings.Contains(rt, "collection") {
		t.Errorf("not a collection: %q", rt)
	}
	if _, ok := entries[0].ok(nsOC, "fileid"); ok {
		t.Errorf("the bare collection reports a file id")
	}
	for _, m := range []string{"GET", "PROPFIND", "DELETE"} {
		if r := call(t, s, m, s.URL+"remote.php/dav/files/bob/secret.txt", tok, nil); r.status != 404 {
			t.Errorf("%s on another user's file: HTTP %d", m, r.status)
		}
	}
}

func TestWebDAVMethods(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	tok, _, _ := s.IssueToken("alice")
	root := s.URL + "remote.php/dav/files/alice/"
	steps := []struct {
		method, path, dest, overwrite, body string
		want                                int
		exception                           string
	}{
		{method: "MKCOL", path: "A", want: 201},
		{method: "MKCOL", path: "A", want: 405, exception: "MethodNotAllowed"},
		{method: "MKCOL", path: "missing/B", want: 409, exception: "Conflict"},
		{method: "PUT", path: "A/f.txt", body: "one", want: 201},
		{method: "PUT", path: "A/f.txt", body: "two", want: 204},
		{method: "PUT", path: "missing/f.txt", body: "x", want: 409, exception: "Conflict"},
		{method: "COPY", path: "A/f.txt", dest: "A/g.txt", want: 201},
		{method: "COPY", path: "A/f.txt", dest: "A/g.txt", overwrite: "F", want: 412, exception: "PreconditionFailed"},
		{method: "COPY", path: "A/f.txt", dest: "A/g.txt", overwrite: "T", want: 204},
		{method: "MOVE", path: "A/g.txt", dest: "B/g.txt", want: 409, exception: "Conflict"},
		{method: "MOVE", path: "A/g.txt", dest: "A/h.txt", overwrite: "F", want: 201},
		{method: "MOVE", path: "A/f.txt", dest: "A/h.txt", overwrite: "F", want: 412, exception: "PreconditionFailed"},
		{method: "MOVE", path: "A/f.txt", dest: "A/h.txt", want: 204},
		{method: "COPY", path: "A", dest: "C", want: 201},
		{method: "DELETE", path: "A/h.txt", want: 204},
		{method: "DELETE", path: "A/h.txt", want: 404, exception: "NotFound"},
		{method: "MOVE", path: "nothing", dest: "x", want: 404, exception: "NotFound"},
		{method: "GET", path: "C/h.txt", want: 200},
	}
	for i, st := range steps {
		req, _ := http.NewRequest(st.method, root+st.path, strings.NewReader(st.body))
		req.Header.Set("Authorization", "Bearer "+tok)
		if st.dest != "" {
			req.Header.Set("Destination", root+st.dest)
		}
		if st.overwrite != "" {
			req.Header.Set("Overwrite", st.overwrite)
		}
		r := doReq(t, s.Client(), req)
		if r.status != st.want {
			t.Fatalf("step %d %s %s: HTTP %d, want %d\n%s", i, st.method, st.path, r.status, st.want, r.body)
		}
		switch {
		case st.exception != "":
			if exc, _ := sabreMessage(t, r.body); exc != `Sabre\DAV\Exception\`+st.exception {
				t.Errorf("step %d: exception %q", i, exc)
			}
		case st.want == 201 || st.want == 204:
			if len(r.body) != 0 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				t.Errorf("step %d: body %q type %q, want empty text/html", i, r.body, r.header.Get("Content-Type"))
			}
		}
	}
	if b, ok := s.ReadFile("alice", "/C/h.txt"); !ok || string(b) != "two" {
		t.Errorf("copied folder content %q %v", b, ok)
	}
	if s.Exists("alice", "/A/g.txt") || s.Exists("alice", "/A/f.txt") {
		t.Errorf("moved files still exist")
	}
	folder := call(t, s, "GET", root+"A", tok, nil)
	if folder.status != 200 || !strings.HasPrefix(folder.header.Get("Content-Type"), "text/html") {
		t.Errorf("GET on a folder: HTTP %d %s", folder.status, folder.header.Get("Content-Type"))
	}
}

func TestLargeFolderListing(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	s.SeedFolder("alice", "/big", 10000)
	tok, _, _ := s.IssueToken("alice")
	r, entries := propfind(t, s, s.URL+"remote.php/dav/files/alice/big/", tok, "1")
	if r.status != 207 || len(entries) != 10001 {
		t.Fatalf("HTTP %d, %d entries", r.status, len(entries))
	}
	for _, i := range []int{1, 5000, 10000} {
		want := fmt.Sprintf("/remote.php/dav/files/alice/big/file-%05d.txt", i-1)
		if entries[i].href != want {
			t.Errorf("entry %d href %q, want %q", i, entries[i].href, want)
		}
		if v, _ := entries[i].ok(nsOC, "size"); v != "11" {
			t.Errorf("entry %d size %q", i, v)
		}
	}
	if v, _ := entries[0].ok(nsOC, "size"); v != "110000" {
		t.Errorf("folder size %q", v)
	}
	if b, ok := s.ReadFile("alice", "/big/file-01234.txt"); !ok || string(b) != "file-01234\n" {
		t.Errorf("content %q", b)
	}
}

func TestGeneratedFileRange(t *testing.T) {
	t.Parallel()
	const size = int64(1) << 30
	s, _ := newFixture(t, Options{})
	s.SeedGeneratedFile("alice", "/huge.bin", size)
	tok, _, _ := s.IssueToken("alice")
	u := s.URL + "remote.php/webdav/huge.bin"
	_, entries := propfind(t, s, u, tok, "0")
	if v, _ := entries[0].ok(nsDAV, "getcontentlength"); v != fmt.Sprint(size) {
		t.Fatalf("getcontentlength %q", v)
	}
	for _, tc := range []struct {
		rng          string
		from, to     int64
		contentRange string
	}{
		{"bytes=0-15", 0, 15, "bytes 0-15/1073741824"},
		{"bytes=-16", size - 16, size - 1, "bytes 1073741808-1073741823/1073741824"},
		{"bytes=536870900-536870999", 536870900, 536870999, "bytes 536870900-536870999/1073741824"},
	} {
		r := call(t, s, "GET", u, tok, nil, "Range", tc.rng)
		if r.status != 206 || r.header.Get("Content-Range") != tc.contentRange || !bytes.Equal(r.body, rangeBody(tc.from, tc.to)) {
			t.Errorf("%s: HTTP %d Content-Range %q, %d bytes", tc.rng, r.status, r.header.Get("Content-Range"), len(r.body))
		}
	}
	// A full GET announces the size and streams; read the first bytes and give up.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 64)
	if _, err := io.ReadFull(resp.Body, head); err != nil {
		t.Fatal(err)
	}
	cancel()
	resp.Body.Close()
	if resp.ContentLength != size || !bytes.Equal(head, rangeBody(0, 63)) {
		t.Errorf("Content-Length %d, head %v", resp.ContentLength, head[:8])
	}
	// COPY shares the generated content instead of materialising it.
	if r := call(t, s, "COPY", u, tok, nil, "Destination", s.URL+"remote.php/webdav/huge-copy.bin"); r.status != 201 {
		t.Fatalf("COPY: HTTP %d", r.status)
	}
	r := call(t, s, "GET", s.URL+"remote.php/webdav/huge-copy.bin", tok, nil, "Range", "bytes=-4")
	if !bytes.Equal(r.body, rangeBody(size-4, size-1)) {
		t.Errorf("copy tail %v", r.body)
	}
}

func TestReceivedShares(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	s.WriteFile("bob", "/Reports/q1.pdf", []byte("quarter one"))
	s.WriteFile("bob", "/Project/plan.txt", []byte("plan"))
	s.WriteFile("alice", "/q1.pdf", []byte("alice's own"))
	alice, _, _ := s.IssueToken("alice")
	bob, _, _ := s.IssueToken("bob")

	fileShare := createShare(t, s, bob, url.Values{"path": {"/Reports/q1.pdf"}, "shareType": {"0"}, "shareWith": {"alice"}, "permissions": {"17"}})
	folderShare := createShare(t, s, bob, url.Values{"path": {"/Project"}, "shareType": {"0"}, "shareWith": {"alice"}, "permissions": {"1"}})
	// The create reply names the bare target; the mount's real name shows in shared_with_me.
	if fileShare.FileTarget != "/q1.pdf" || folderShare.FileTarget != "/Project" {
		t.Fatalf("targets %q %q", fileShare.FileTarget, folderShare.FileTarget)
	}
	if got := sharesWithMe(t, s, alice); len(got) != 2 || got[0]["file_target"] != "/q1 (2).pdf" {
		t.Fatalf("shared_with_me %v", got)
	}
	_, entries := propfind(t, s, s.URL+"remote.php/webdav/", alice, "1")
	perms := map[string]string{}
	for _, e := range entries[1:] {
		p, _ := e.ok(nsOC, "permissions")
		perms[e.href] = p
	}
	want := map[string]string{
		"/remote.php/webdav/q1.pdf":       "RGDNVW",
		"/remote.php/webdav/q1%20(2).pdf": "SRMGD",
		"/remote.php/webdav/Project/":     "SMGD",
	}
	for href, p := range want {
		if perms[href] != p {
			t.Errorf("%s permissions %q, want %q (all: %v)", href, perms[href], p, perms)
		}
	}
	if b, ok := s.ReadFile("alice", "/q1 (2).pdf"); !ok || string(b) != "quarter one" {
		t.Errorf("received file reads %q", b)
	}
	for _, st := range []struct {
		method, path, dest string
		want               int
	}{
		{"PUT", "q1%20(2).pdf", "", 403},
		{"PUT", "Project/plan.txt", "", 403},
		{"PUT", "Project/new.txt", "", 403},
		{"MKCOL", "Project/sub", "", 403},
		{"DELETE", "Project/plan.txt", "", 403},
		{"MOVE", "Project/plan.txt", "plan.txt", 403},
		{"COPY", "Project/plan.txt", "plan-copy.txt", 201},
		{"MOVE", "q1.pdf", "q1%20(2).pdf", 403},
		{"GET", "Project/plan.txt", "", 200},
		{"MKCOL", "Inbox", "", 201},
		{"MOVE", "q1%20(2).pdf", "Inbox/report.pdf", 201},
		{"MOVE", "Inbox/report.pdf", "Project/report.pdf", 403},
	} {
		var body io.Reader
		if st.method == "PUT" {
			body = strings.NewReader("x")
		}
		req, _ := http.NewRequest(st.method, s.URL+"remote.php/webdav/"+st.path, body)
		req.Header.Set("Authorization", "Bearer "+alice)
		if st.dest != "" {
			req.Header.Set("Destination", s.URL+"remote.php/webdav/"+st.dest)
		}
		if r := doReq(t, s.Client(), req); r.status != st.want {
			t.Errorf("%s %s: HTTP %d, want %d", st.method, st.path, r.status, st.want)
		}
	}
	// The share's target followed the move; the owner's file did not move.
	for _, sh := range s.Shares() {
		if sh.ID == fileShare.ID && (sh.Target != "/Inbox/report.pdf" || sh.Path != "/Reports/q1.pdf") {
			t.Errorf("share target %q path %q", sh.Target, sh.Path)
		}
	}
	got := decodeOCS(t, call(t, s, "GET", ocsURL(s, 2, "/"+fileShare.ID+"?format=json"), alice, nil))
	if !strings.Contains(string(got.OCS.Data), `"file_target":"/Inbox/report.pdf"`) {
		t.Errorf("recipient's view of the share: %s", got.OCS.Data)
	}
	// Deleting the share removes it from the recipient's view.
	if r := call(t, s, "DELETE", ocsURL(s, 1, "/"+folderShare.ID), bob, nil); r.status != 200 {
		t.Fatalf("delete share: HTTP %d", r.status)
	}
	if s.Exists("alice", "/Project") || !s.Exists("bob", "/Project/plan.txt") {
		t.Errorf("after unsharing: alice sees it %v, bob has it %v", s.Exists("alice", "/Project"), s.Exists("bob", "/Project/plan.txt"))
	}
	// The recipient deleting the mount point unshares without touching the owner's file.
	if r := call(t, s, "DELETE", s.URL+"remote.php/webdav/Inbox/report.pdf", alice, nil); r.status != 204 {
		t.Fatalf("DELETE mount point: HTTP %d", r.status)
	}
	if len(s.Shares()) != 0 || !s.Exists("bob", "/Reports/q1.pdf") {
		t.Errorf("shares %v, owner file exists %v", s.Shares(), s.Exists("bob", "/Reports/q1.pdf"))
	}
}

func TestWritableShare(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	s.WriteFile("bob", "/Team/notes.txt", []byte("v1"))
	alice, _, _ := s.IssueToken("alice")
	bob, _, _ := s.IssueToken("bob")
	createShare(t, s, bob, url.Values{"path": {"/Team"}, "shareType": {"0"}, "shareWith": {"alice"}, "permissions": {"31"}})
	if r := call(t, s, "PUT", s.URL+"remote.php/webdav/Team/notes.txt", alice, strings.NewReader("v2")); r.status != 204 {
		t.Fatalf("PUT over: HTTP %d", r.status)
	}
	if r := call(t, s, "PUT", s.URL+"remote.php/webdav/Team/new.txt", alice, strings.NewReader("new")); r.status != 201 {
		t.Fatalf("PUT new: HTTP %d", r.status)
	}
	if b, _ := s.ReadFile("bob", "/Team/notes.txt"); string(b) != "v2" || !s.Exists("bob", "/Team/new.txt") {
		t.Errorf("owner sees %q, new file %v", b, s.Exists("bob", "/Team/new.txt"))
	}
	_, entries := propfind(t, s, s.URL+"remote.php/webdav/Team", alice, "1")
	if p, _ := entries[0].ok(nsOC, "permissions"); p != "SRMGDNVCK" {
		t.Errorf("mount point permissions %q", p)
	}
	// The owner deleting the folder ends the share.
	if r := call(t, s, "DELETE", s.URL+"remote.php/webdav/Team", bob, nil); r.status != 204 {
		t.Fatalf("DELETE: HTTP %d", r.status)
	}
	if s.Exists("alice", "/Team") || len(s.Shares()) != 0 {
		t.Errorf("share survived its folder")
	}
}

const searchBody = `<?xml version="1.0" encoding="UTF-8"?>
<d:searchrequest xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">
 <d:basicsearch>
  <d:select><d:prop><d:displayname/><d:getcontentlength/><oc:fileid/><d:resourcetype/></d:prop></d:select>
  <d:from><d:scope><d:href>%s</d:href><d:depth>infinity</d:depth></d:scope></d:from>
  <d:where><d:like><d:prop><d:displayname/></d:prop><d:literal>%%%s%%</d:literal></d:like></d:where>
  <d:orderby><d:order><d:prop><d:displayname/></d:prop><d:ascending/></d:order></d:orderby>
  <d:limit><d:nresults>%d</d:nresults></d:limit>
 </d:basicsearch>
</d:searchrequest>`

func TestSearch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		flavor      cloud.FlavorID
		scope, term string
		limit       int
		status      int
		hrefs       []string
	}{
		{"matches across folders", cloud.Nextcloud, "/files/alice", "report", 10, 207, []string{
			"/remote.php/dav/files/alice/2024/Annual%20Report.pdf",
			"/remote.php/dav/files/alice/Old%20reports/",
			"/remote.php/dav/files/alice/report%232.txt",
			"/remote.php/dav/files/alice/Shared%20report.txt",
		}},
		{"limit", cloud.Nextcloud, "/files/alice", "report", 2, 207, []string{
			"/remote.php/dav/files/alice/2024/Annual%20Report.pdf",
			"/remote.php/dav/files/alice/Old%20reports/",
		}},
		{"sub scope", cloud.Nextcloud, "/files/alice/2024", "", 10, 207, []string{
			"/remote.php/dav/files/alice/2024/Annual%20Report.pdf",
			"/remote.php/dav/files/alice/2024/notes.txt",
		}},
		{"legacy", cloud.NextcloudLegacy, "/files/alice", "notes", 5, 207, []string{"/remote.php/dav/files/alice/2024/notes.txt"}},
		{"another user's scope", cloud.Nextcloud, "/files/bob", "x", 5, 400, nil},
		{"ownCloud has no SEARCH", cloud.OwnCloud, "/files/alice", "x", 5, 405, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newFixture(t, Options{Flavor: tc.flavor})
			s.WriteFile("alice", "/2024/Annual Report.pdf", []byte("pdf"))
			s.WriteFile("alice", "/2024/notes.txt", []byte("n"))
			s.WriteFile("alice", "/report#2.txt", []byte("r"))
			s.Mkdir("alice", "/Old reports")
			s.WriteFile("bob", "/Shared report.txt", []byte("s"))
			bob, _, _ := s.IssueToken("bob")
			createShare(t, s, bob, url.Values{"path": {"/Shared report.txt"}, "shareType": {"0"}, "shareWith": {"alice"}, "permissions": {"1"}})
			tok, _, _ := s.IssueToken("alice")
			r := call(t, s, "SEARCH", s.URL+"remote.php/dav/", tok, strings.NewReader(fmt.Sprintf(searchBody, tc.scope, tc.term, tc.limit)),
				"Content-Type", "text/xml")
			if r.status != tc.status {
				t.Fatalf("HTTP %d, want %d\n%s", r.status, tc.status, r.body)
			}
			if tc.status != 207 {
				return
			}
			var hrefs []string
			for _, e := range parseMultistatus(t, r.body) {
				hrefs = append(hrefs, e.href)
				if _, ok := e.ok(nsOC, "fileid"); !ok {
					t.Errorf("%s lacks oc:fileid", e.href)
				}
			}
			if strings.Join(hrefs, "\n") != strings.Join(tc.hrefs, "\n") {
				t.Errorf("hrefs\n%s\nwant\n%s", strings.Join(hrefs, "\n"), strings.Join(tc.hrefs, "\n"))
			}
		})
	}
}
