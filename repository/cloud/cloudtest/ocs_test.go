package cloudtest

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

// xmlOCS is an OCS reply decoded from XML.
type xmlOCS struct {
	XMLName xml.Name `xml:"ocs"`
	Meta    struct {
		Status     string `xml:"status"`
		StatusCode int    `xml:"statuscode"`
		Message    string `xml:"message"`
	} `xml:"meta"`
	Data struct {
		Elements []struct {
			ID          string `xml:"id"`
			Permissions int    `xml:"permissions"`
		} `xml:"element"`
		ID          string `xml:"id"`
		DisplayName string `xml:"display-name"`
		Email       string `xml:"email"`
	} `xml:"data"`
}

func TestOCSFormats(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	s.WriteFile("alice", "/a.txt", []byte("a"))
	tok, _, _ := s.IssueToken("alice")
	createShare(t, s, tok, url.Values{"path": {"/a.txt"}, "shareType": {"0"}, "shareWith": {"bob"}})
	for _, tc := range []struct {
		name       string
		v          int
		query      string
		accept     string
		json       bool
		statuscode int
	}{
		{"v1 xml default", 1, "", "", false, 100},
		{"v1 json param", 1, "?format=json", "", true, 100},
		{"v1 json accept", 1, "", "application/json", true, 100},
		{"v2 xml param wins", 2, "?format=xml", "application/json", false, 200},
		{"v2 json", 2, "?format=json", "", true, 200},
		{"v2 xml default", 2, "", "", false, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := call(t, s, "GET", ocsURL(s, tc.v, tc.query), tok, nil, "Accept", tc.accept, "OCS-APIRequest", "true")
			if r.status != 200 {
				t.Fatalf("HTTP %d", r.status)
			}
			ct := r.header.Get("Content-Type")
			if tc.json {
				env := decodeOCS(t, r)
				var list []jsonShare
				if !strings.HasPrefix(ct, "application/json") || env.OCS.Meta.StatusCode != tc.statuscode ||
					env.OCS.Meta.Status != "ok" || json.Unmarshal(env.OCS.Data, &list) != nil || len(list) != 1 {
					t.Errorf("%s: %s", ct, r.body)
				}
				return
			}
			var x xmlOCS
			if err := xml.Unmarshal(r.body, &x); err != nil || !strings.Contains(ct, "xml") {
				t.Fatalf("%s: %v\n%s", ct, err, r.body)
			}
			if x.Meta.StatusCode != tc.statuscode || len(x.Data.Elements) != 1 || x.Data.Elements[0].Permissions != 19 {
				t.Errorf("XML meta %+v data %+v", x.Meta, x.Data)
			}
		})
	}
}

func TestSharePermissionRules(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		flavor cloud.FlavorID
		v      url.Values
		want   int
	}{
		{"user share of a file strips create and delete", cloud.Nextcloud, url.Values{"path": {"/f.txt"}, "shareType": {"0"}, "shareWith": {"bob"}, "permissions": {"31"}}, 19},
		{"user share of a folder keeps all", cloud.Nextcloud, url.Values{"path": {"/d"}, "shareType": {"0"}, "shareWith": {"bob"}, "permissions": {"31"}}, 31},
		{"default permissions", cloud.Nextcloud, url.Values{"path": {"/d"}, "shareType": {"0"}, "shareWith": {"bob"}}, 31},
		{"read is always added", cloud.Nextcloud, url.Values{"path": {"/f.txt"}, "shareType": {"0"}, "shareWith": {"bob"}, "permissions": {"2"}}, 3},
		{"create without read stays", cloud.Nextcloud, url.Values{"path": {"/d"}, "shareType": {"0"}, "shareWith": {"bob"}, "permissions": {"4"}}, 4},
		{"delete on a file becomes read", cloud.Nextcloud, url.Values{"path": {"/f.txt"}, "shareType": {"0"}, "shareWith": {"bob"}, "permissions": {"8"}}, 1},
		{"public link on a file", cloud.Nextcloud, url.Values{"path": {"/f.txt"}, "shareType": {"3"}}, 17},
		{"public link on a file, ownCloud", cloud.OwnCloud, url.Values{"path": {"/f.txt"}, "shareType": {"3"}}, 1},
		{"public upload folder", cloud.Nextcloud, url.Values{"path": {"/d"}, "shareType": {"3"}, "publicUpload": {"true"}}, 31},
		{"public upload folder, ownCloud", cloud.OwnCloud, url.Values{"path": {"/d"}, "shareType": {"3"}, "publicUpload": {"true"}}, 15},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newFixture(t, Options{Flavor: tc.flavor})
			s.WriteFile("alice", "/f.txt", []byte("f"))
			s.Mkdir("alice", "/d")
			tok, _, _ := s.IssueToken("alice")
			if got := createShare(t, s, tok, tc.v); got.Permissions != tc.want {
				t.Errorf("permissions %d, want %d", got.Permissions, tc.want)
			}
		})
	}
}

func TestShareErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		flavor     cloud.FlavorID
		v          url.Values
		statuscode int
		message    string
	}{
		{"unknown path", cloud.Nextcloud, url.Values{"path": {"/nope"}, "shareType": {"0"}, "shareWith": {"bob"}}, 404, "Wrong path, file/folder does not exist"},
		{"no path", cloud.Nextcloud, url.Values{"shareType": {"0"}, "shareWith": {"bob"}}, 404, "Please specify a file or folder path"},
		{"unknown recipient", cloud.Nextcloud, url.Values{"path": {"/f.txt"}, "shareType": {"0"}, "shareWith": {"carol"}}, 404, "Please specify a valid account to share with"},
		{"unknown recipient, legacy", cloud.NextcloudLegacy, url.Values{"path": {"/f.txt"}, "shareType": {"0"}, "shareWith": {"carol"}}, 404, "Please specify a valid user"},
		{"unknown share type", cloud.Nextcloud, url.Values{"path": {"/f.txt"}, "shareType": {"42"}}, 400, "Unknown share type"},
		{"bad permissions", cloud.Nextcloud, url.Values{"path": {"/f.txt"}, "shareType": {"0"}, "shareWith": {"bob"}, "permissions": {"64"}}, 404, "Invalid permissions"},
		{"bad date", cloud.Nextcloud, url.Values{"path": {"/f.txt"}, "shareType": {"3"}, "expireDate": {"14.3.2030"}}, 404, "Invalid date, date format must be YYYY-MM-DD"},
		{"date in the past", cloud.Nextcloud, url.Values{"path": {"/f.txt"}, "shareType": {"3"}, "expireDate": {"2030-03-14"}}, 404, "Expiration date is in the past"},
		{"share with yourself", cloud.Nextcloud, url.Values{"path": {"/f.txt"}, "shareType": {"0"}, "shareWith": {"alice"}}, 403, "Cannot share with yourself"},
		{"public upload on a file", cloud.Nextcloud, url.Values{"path": {"/f.txt"}, "shareType": {"3"}, "publicUpload": {"true"}}, 404, "Public upload is only possible for publicly shared folders"},
	} {
		for _, v := range []int{1, 2} {
			t.Run(tc.name+"/v"+string(rune('0'+v)), func(t *testing.T) {
				t.Parallel()
				s, _ := newFixture(t, Options{Flavor: tc.flavor})
				s.WriteFile("alice", "/f.txt", []byte("f"))
				tok, _, _ := s.IssueToken("alice")
				r := form(t, s, "POST", ocsURL(s, v, "?format=json"), tok, tc.v, "OCS-APIRequest", "true")
				env := decodeOCS(t, r)
				wantHTTP := 200
				if v == 2 {
					wantHTTP = tc.statuscode
				}
				if r.status != wantHTTP || env.OCS.Meta.StatusCode != tc.statuscode || env.OCS.Meta.Message != tc.message ||
					env.OCS.Meta.Status != "failure" {
					t.Errorf("HTTP %d meta %+v, want HTTP %d statuscode %d %q", r.status, env.OCS.Meta, wantHTTP, tc.statuscode, tc.message)
				}
			})
		}
	}
}

func TestRepeatedUserShare(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		flavor   cloud.FlavorID
		sameID   bool
		httpV2   int
		messageV string
	}{
		{cloud.Nextcloud, true, 200, ""},
		{cloud.NextcloudLegacy, false, 403, "Path is already shared with this user"},
		{cloud.OwnCloud, false, 403, "Path is already shared with this user"},
	} {
		t.Run(string(tc.flavor), func(t *testing.T) {
			t.Parallel()
			s, _ := newFixture(t, Options{Flavor: tc.flavor})
			s.WriteFile("alice", "/f.txt", []byte("f"))
			tok, _, _ := s.IssueToken("alice")
			v := url.Values{"path": {"/f.txt"}, "shareType": {"0"}, "shareWith": {"bob"}, "permissions": {"1"}}
			first := createShare(t, s, tok, v)
			for _, ver := range []int{1, 2} {
				r := form(t, s, "POST", ocsURL(s, ver, "?format=json"), tok, v, "OCS-APIRequest", "true")
				env := decodeOCS(t, r)
				if tc.sameID {
					var again jsonShare
					_ = json.Unmarshal(env.OCS.Data, &again)
					if r.status != 200 || again.ID != first.ID {
						t.Errorf("v%d: HTTP %d id %q, want the same share %q", ver, r.status, again.ID, first.ID)
					}
					continue
				}
				wantHTTP := 200
				if ver == 2 {
					wantHTTP = tc.httpV2
				}
				if r.status != wantHTTP || env.OCS.Meta.StatusCode != 403 || env.OCS.Meta.Message != tc.messageV {
					t.Errorf("v%d: HTTP %d meta %+v", ver, r.status, env.OCS.Meta)
				}
			}
			if n := len(s.Shares()); n != 1 {
				t.Errorf("%d shares", n)
			}
		})
	}
}

func TestShareLifecycle(t *testing.T) {
	t.Parallel()
	s, clock := newFixture(t, Options{})
	s.WriteFile("alice", "/Docs/f.txt", []byte("f"))
	alice, _, _ := s.IssueToken("alice")
	bob, _, _ := s.IssueToken("bob")
	sh := createShare(t, s, alice, url.Values{"path": {"/Docs/f.txt"}, "shareType": {"0"}, "shareWith": {"bob"}, "permissions": {"1"}})

	// Field types as the servers send them.
	raw := decodeOCS(t, call(t, s, "GET", ocsURL(s, 2, "/"+sh.ID+"?format=json"), alice, nil))
	var one []map[string]any
	if err := json.Unmarshal(raw.OCS.Data, &one); err != nil || len(one) != 1 {
		t.Fatalf("get share is not a list of one: %s", raw.OCS.Data)
	}
	f := one[0]
	if _, ok := f["id"].(string); !ok {
		t.Errorf("id is %T", f["id"])
	}
	for _, k := range []string{"share_type", "permissions", "file_source", "stime"} {
		if _, ok := f[k].(float64); !ok {
			t.Errorf("%s is %T", k, f[k])
		}
	}
	if f["token"] != nil || f["expiration"] != nil || f["path"] != "/Docs/f.txt" || f["item_type"] != "file" ||
		f["file_target"] != "/f.txt" || f["share_with"] != "bob" || f["uid_owner"] != "alice" {
		t.Errorf("share fields %v", f)
	}

	// Lists: by path with reshares, and shared with me.
	for _, tc := range []struct {
		token, query string
		want         int
	}{
		{alice, "?format=json&path=/Docs/f.txt&reshares=true", 1},
		{alice, "?format=json&path=/Docs", 0},
		{alice, "?format=json&path=/Docs&subfiles=true", 1},
		{bob, "?format=json&shared_with_me=true", 1},
		{bob, "?format=json", 0},
	} {
		var list []jsonShare
		env := decodeOCS(t, call(t, s, "GET", ocsURL(s, 1, tc.query), tc.token, nil))
		if err := json.Unmarshal(env.OCS.Data, &list); err != nil || len(list) != tc.want {
			t.Errorf("%s: %d shares (%v), want %d", tc.query, len(list), err, tc.want)
		}
	}
	env := decodeOCS(t, call(t, s, "GET", ocsURL(s, 1, "?format=json&shared_with_me=true"), bob, nil))
	if !strings.Contains(string(env.OCS.Data), `"path":"/f.txt"`) {
		t.Errorf("recipient's path: %s", env.OCS.Data)
	}

	// Update.
	upd := form(t, s, "PUT", ocsURL(s, 2, "/"+sh.ID+"?format=json"), alice, url.Values{"permissions": {"31"}})
	var updated jsonShare
	_ = json.Unmarshal(decodeOCS(t, upd).OCS.Data, &updated)
	if upd.status != 200 || updated.Permissions != 19 {
		t.Errorf("update permissions: HTTP %d %d", upd.status, updated.Permissions)
	}
	if r := call(t, s, "PUT", s.URL+"remote.php/webdav/f.txt", bob, strings.NewReader("by bob")); r.status != 204 {
		t.Errorf("recipient writes after the update: HTTP %d", r.status)
	}
	upd = form(t, s, "PUT", ocsURL(s, 2, "/"+sh.ID+"?format=json"), alice, url.Values{"expireDate": {"2030-03-20"}})
	_ = json.Unmarshal(decodeOCS(t, upd).OCS.Data, &updated)
	if updated.Expiration == nil || *updated.Expiration != "2030-03-20 00:00:00" {
		t.Errorf("expiration %v", updated.Expiration)
	}
	if r := form(t, s, "PUT", ocsURL(s, 2, "/"+sh.ID+"?format=json"), alice, url.Values{}); r.status != 400 {
		t.Errorf("update without parameters: HTTP %d", r.status)
	}
	if r := form(t, s, "PUT", ocsURL(s, 2, "/"+sh.ID+"?format=json"), bob, url.Values{"permissions": {"1"}}); r.status != 403 {
		t.Errorf("update by the recipient: HTTP %d", r.status)
	}

	// Expiry by the clock.
	clock.Add(5 * 24 * time.Hour)
	if !s.Exists("bob", "/f.txt") {
		t.Fatalf("share gone before its date")
	}
	clock.Add(24 * time.Hour)
	if s.Exists("bob", "/f.txt") || len(s.Shares()) != 0 {
		t.Errorf("expired share still visible")
	}
	alice, _, _ = s.IssueToken("alice") // the old token expired with the days that passed
	if r := call(t, s, "GET", ocsURL(s, 2, "/"+sh.ID+"?format=json"), alice, nil); r.status != 404 {
		t.Errorf("expired share: HTTP %d", r.status)
	}

	// Delete twice.
	sh2 := createShare(t, s, alice, url.Values{"path": {"/Docs/f.txt"}, "shareType": {"3"}})
	for i, tc := range []struct {
		v, http, code int
	}{{1, 200, 100}, {1, 200, 404}, {2, 404, 404}} {
		r := call(t, s, "DELETE", ocsURL(s, tc.v, "/"+sh2.ID+"?format=json"), alice, nil)
		if env := decodeOCS(t, r); r.status != tc.http || env.OCS.Meta.StatusCode != tc.code {
			t.Errorf("delete %d: HTTP %d statuscode %d, want %d %d", i, r.status, env.OCS.Meta.StatusCode, tc.http, tc.code)
		}
	}
}

func TestShareRateLimit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		opts    Options
		limited bool
	}{
		{"Nextcloud", Options{ShareLimit: 3, ShareWindow: 10 * time.Minute}, true},
		{"disabled", Options{ShareLimit: -1}, false},
		{"legacy default", Options{Flavor: cloud.NextcloudLegacy}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, clock := newFixture(t, tc.opts)
			s.WriteFile("alice", "/f.txt", []byte("f"))
			tok, _, _ := s.IssueToken("alice")
			post := func(path string) reply {
				return form(t, s, "POST", ocsURL(s, 1, "?format=json"), tok, url.Values{"path": {path}, "shareType": {"3"}})
			}
			// A failed POST counts too.
			for i, p := range []string{"/f.txt", "/missing", "/f.txt"} {
				if r := post(p); r.status != 200 {
					t.Fatalf("POST %d: HTTP %d", i, r.status)
				}
			}
			r := post("/f.txt")
			if !tc.limited {
				if r.status != 200 {
					t.Fatalf("4th POST: HTTP %d", r.status)
				}
				return
			}
			if r.status != 429 || len(r.body) != 0 {
				t.Fatalf("4th POST: HTTP %d body %q, want 429 with an empty body", r.status, r.body)
			}
			// Listing is not limited; the other user is not limited.
			if r := call(t, s, "GET", ocsURL(s, 1, ""), tok, nil); r.status != 200 {
				t.Errorf("GET while limited: HTTP %d", r.status)
			}
			clock.Add(10 * time.Minute)
			if r := post("/f.txt"); r.status != 200 {
				t.Errorf("after the window: HTTP %d", r.status)
			}
		})
	}
}

func TestPublicLinks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		flavor   cloud.FlavorID
		redirect bool
	}{
		{"Nextcloud redirects to public.php", cloud.Nextcloud, true},
		{"legacy serves directly", cloud.NextcloudLegacy, false},
		{"ownCloud serves directly", cloud.OwnCloud, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newFixture(t, Options{Flavor: tc.flavor, BasePath: "/cloud/"})
			s.WriteFile("alice", "/report.pdf", []byte("%PDF report"))
			tok, _, _ := s.IssueToken("alice")
			sh := createShare(t, s, tok, url.Values{"path": {"/report.pdf"}, "shareType": {"3"}})
			if sh.Token == nil || sh.URL != s.URL+"index.php/s/"+*sh.Token {
				t.Fatalf("url %q token %v", sh.URL, sh.Token)
			}
			page := call(t, s, "GET", sh.URL, "", nil)
			if page.status != 200 || !strings.Contains(page.String(), "report.pdf") {
				t.Fatalf("page: HTTP %d", page.status)
			}
			req, _ := http.NewRequest("GET", sh.URL+"/download", nil)
			resp, err := noRedirect(s).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if tc.redirect {
				want := s.URL + "public.php/dav/files/" + *sh.Token
				if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
					t.Fatalf("download: HTTP %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
				}
			} else if resp.StatusCode != 200 {
				t.Fatalf("download: HTTP %d", resp.StatusCode)
			}
			r := call(t, s, "GET", sh.URL+"/download", "", nil)
			if r.status != 200 || string(r.body) != "%PDF report" {
				t.Fatalf("download followed: HTTP %d %q", r.status, r.body)
			}
			if r := call(t, s, "GET", s.URL+"public.php/dav/files/"+*sh.Token, "", nil, "Range", "bytes=1-3"); r.status != 206 || string(r.body) != "PDF" {
				t.Errorf("public WebDAV range: HTTP %d %q", r.status, r.body)
			}
			if r := call(t, s, "PUT", s.URL+"public.php/dav/files/"+*sh.Token, "", strings.NewReader("x")); r.status != 403 {
				t.Errorf("PUT on a read-only link: HTTP %d", r.status)
			}
			if r := call(t, s, "GET", s.URL+"index.php/s/nosuchtoken", "", nil); r.status != 404 {
				t.Errorf("unknown token: HTTP %d", r.status)
			}
		})
	}
}

func TestPasswordProtectedLink(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	s.WriteFile("alice", "/secret.txt", []byte("secret bytes"))
	tok, _, _ := s.IssueToken("alice")
	sh := createShare(t, s, tok, url.Values{"path": {"/secret.txt"}, "shareType": {"3"}, "password": {"open sesame"}})
	if sh.ShareWith == nil || strings.Contains(*sh.ShareWith, "open sesame") {
		t.Errorf("share_with %v must be a hash of the password", sh.ShareWith)
	}
	dav := s.URL + "public.php/dav/files/" + *sh.Token
	if r := call(t, s, "GET", dav, "", nil); r.status != 401 {
		t.Errorf("without password: HTTP %d", r.status)
	}
	for _, user := range []string{*sh.Token, "anonymous"} {
		if r := call(t, s, "GET", dav, "", nil, "Authorization", "Basic "+basicAuth(user, "open sesame")); r.status != 200 || string(r.body) != "secret bytes" {
			t.Errorf("Basic %s: HTTP %d", user, r.status)
		}
	}
	if r := call(t, s, "GET", s.URL+"public.php/webdav/", "", nil, "Authorization", "Basic "+basicAuth(*sh.Token, "open sesame")); r.status != 200 {
		t.Errorf("legacy public WebDAV: HTTP %d", r.status)
	}
	if r := call(t, s, "GET", s.URL+"public.php/webdav/", "", nil, "Authorization", "Basic "+basicAuth(*sh.Token, "wrong")); r.status != 401 {
		t.Errorf("legacy public WebDAV, wrong password: HTTP %d", r.status)
	}
	page := call(t, s, "GET", sh.URL, "", nil)
	if page.status != 200 || !strings.Contains(page.String(), `type="password"`) || strings.Contains(page.String(), "secret bytes") {
		t.Fatalf("password page: HTTP %d", page.status)
	}
	// Unlock through the form, then download with the cookie.
	jar := newJar()
	c := *s.Client()
	c.Jar = jar
	req, _ := http.NewRequest("POST", sh.URL+"/authenticate", strings.NewReader("password=open+sesame"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := doReq(t, &c, req); r.status != 200 || !strings.Contains(r.String(), `id="download"`) {
		t.Fatalf("unlock: HTTP %d %s", r.status, r.body)
	}
	req, _ = http.NewRequest("GET", sh.URL+"/download", nil)
	if r := doReq(t, &c, req); r.status != 200 || string(r.body) != "secret bytes" {
		t.Errorf("download with cookie: HTTP %d %q", r.status, r.body)
	}
	// A new password replaces the old one.
	if r := form(t, s, "PUT", ocsURL(s, 1, "/"+sh.ID+"?format=json"), tok, url.Values{"password": {"new one"}}); r.status != 200 {
		t.Fatalf("update password: HTTP %d", r.status)
	}
	for pw, want := range map[string]int{"open sesame": 401, "new one": 200} {
		if r := call(t, s, "GET", dav, "", nil, "Authorization", "Basic "+basicAuth("anonymous", pw)); r.status != want {
			t.Errorf("password %q after the update: HTTP %d, want %d", pw, r.status, want)
		}
	}
}

// jar is a minimal cookie jar for one host.
type jar struct{ cookies []*http.Cookie }

func newJar() *jar { return &jar{} }

func (j *jar) SetCookies(_ *url.URL, cookies []*http.Cookie) {
	j.cookies = append(j.cookies, cookies...)
}
func (j *jar) Cookies(*url.URL) []*http.Cookie { return j.cookies }

func TestFolderLinkZip(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	s.WriteFile("alice", "/Album/a.txt", []byte("A"))
	s.WriteFile("alice", "/Album/sub/b.txt", []byte("BB"))
	tok, _, _ := s.IssueToken("alice")
	sh := createShare(t, s, tok, url.Values{"path": {"/Album"}, "shareType": {"3"}})
	r := call(t, s, "GET", sh.URL+"/download", "", nil)
	if r.status != 200 || r.header.Get("Content-Type") != "application/zip" {
		t.Fatalf("HTTP %d %s", r.status, r.header.Get("Content-Type"))
	}
	zr, err := zip.NewReader(bytes.NewReader(r.body), int64(len(r.body)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, ","); got != "Album/a.txt,Album/sub/,Album/sub/b.txt" {
		t.Errorf("zip entries %s", got)
	}
}

func TestUserinfo(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{})
	s.SetUserGroups("bob", "staff", "admin")
	for _, tc := range []struct {
		user, path  string
		email       any
		displayName string
		groups      []any
	}{
		{"alice", "ocs/v2.php/cloud/user?format=json", nil, "Alice Liddell", []any{}},
		{"bob", "ocs/v1.php/cloud/user?format=json", "bob@example.org", "Bob Builder", []any{"staff", "admin"}},
	} {
		tok, _, _ := s.IssueToken(tc.user)
		r := call(t, s, "GET", s.URL+tc.path, tok, nil)
		env := decodeOCS(t, r)
		var data map[string]any
		if err := json.Unmarshal(env.OCS.Data, &data); err != nil || r.status != 200 {
			t.Fatalf("HTTP %d %v", r.status, err)
		}
		if data["id"] != tc.user || data["email"] != tc.email || data["display-name"] != tc.displayName ||
			data["enabled"] != true || data["language"] != "en" {
			t.Errorf("%s: %v", tc.user, data)
		}
		if _, ok := data["email"]; !ok {
			t.Errorf("%s: email missing instead of null", tc.user)
		}
		if g, _ := json.Marshal(data["groups"]); string(g) != mustJSON(tc.groups) {
			t.Errorf("%s: groups %s", tc.user, g)
		}
		if _, ok := data["quota"].(map[string]any); !ok {
			t.Errorf("%s: quota %v", tc.user, data["quota"])
		}
	}
	tok, _, _ := s.IssueToken("bob")
	r := call(t, s, "GET", s.URL+"ocs/v2.php/cloud/user", tok, nil)
	var x xmlOCS
	if err := xml.Unmarshal(r.body, &x); err != nil || x.Meta.StatusCode != 200 || x.Data.ID != "bob" || x.Data.DisplayName != "Bob Builder" || x.Data.Email != "bob@example.org" {
		t.Errorf("XML userinfo: %v %+v", err, x)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestOwnCloudNeedsOCSAPIRequest(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t, Options{Flavor: cloud.OwnCloud})
	tok, _, _ := s.IssueToken("alice")
	for _, tc := range []struct {
		name   string
		header []string
		want   int
	}{
		{"bearer without header", nil, 401},
		{"bearer with header", []string{"OCS-APIRequest", "true"}, 200},
	} {
		r := call(t, s, "GET", s.URL+"ocs/v2.php/cloud/user?format=json", tok, nil, tc.header...)
		if env := decodeOCS(t, r); r.status != tc.want || (tc.want == 401 && env.OCS.Meta.StatusCode != 997) {
			t.Errorf("%s: HTTP %d %s", tc.name, r.status, r.body)
		}
	}
	r := call(t, s, "GET", s.URL+"ocs/v1.php/cloud/user?format=json", "", nil, "Authorization", "Basic "+basicAuth("alice", "alice-pw"))
	if r.status != 200 {
		t.Errorf("Basic without header: HTTP %d", r.status)
	}
	nc, _ := newFixture(t, Options{})
	ncTok, _, _ := nc.IssueToken("alice")
	if r := call(t, nc, "GET", nc.URL+"ocs/v2.php/cloud/user?format=json", ncTok, nil); r.status != 200 {
		t.Errorf("Nextcloud lets bearer calls through: HTTP %d", r.status)
	}
}

func TestStatusAndCapabilities(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		flavor                  cloud.FlavorID
		product, version, vtext string
	}{
		{cloud.Nextcloud, "Nextcloud", "34.0.1.2", "34.0.1"},
		{cloud.NextcloudLegacy, "Nextcloud", "22.2.10.2", "22.2.10"},
		{cloud.OwnCloud, "ownCloud", "10.15.0.2", "10.15.0"},
	} {
		t.Run(string(tc.flavor), func(t *testing.T) {
			t.Parallel()
			s, _ := newFixture(t, Options{Flavor: tc.flavor})
			r := call(t, s, "GET", s.URL+"status.php", "", nil)
			var st map[string]any
			if err := json.Unmarshal(r.body, &st); err != nil || r.status != 200 {
				t.Fatalf("HTTP %d %v", r.status, err)
			}
			if st["installed"] != true || st["maintenance"] != false || st["needsDbUpgrade"] != false ||
				st["productname"] != tc.product || st["version"] != tc.version || st["versionstring"] != tc.vtext {
				t.Errorf("status %v", st)
			}
			if tc.flavor == cloud.Nextcloud && r.String() != `{"installed":true,"maintenance":false,"needsDbUpgrade":false,"version":"34.0.1.2","versionstring":"34.0.1","edition":"","productname":"Nextcloud","extendedSupport":false}` {
				t.Errorf("status.php body %s", r.body)
			}
			c := call(t, s, "GET", s.URL+"ocs/v1.php/cloud/capabilities?format=json", "", nil)
			env := decodeOCS(t, c)
			var caps struct {
				Version struct {
					String string `json:"string"`
				} `json:"version"`
				Capabilities struct {
					FilesSharing struct {
						APIEnabled bool `json:"api_enabled"`
						Public     struct {
							Enabled bool `json:"enabled"`
						} `json:"public"`
					} `json:"files_sharing"`
				} `json:"capabilities"`
			}
			if err := json.Unmarshal(env.OCS.Data, &caps); err != nil || env.OCS.Meta.StatusCode != 100 ||
				!caps.Capabilities.FilesSharing.APIEnabled || !caps.Capabilities.FilesSharing.Public.Enabled || caps.Version.String != tc.vtext {
				t.Errorf("capabilities %v %s", err, env.OCS.Data)
			}
		})
	}
}
