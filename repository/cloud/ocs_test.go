package cloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// ocsJSON renders an OCS JSON envelope.
func ocsJSON(code int, message string, data any) string {
	status := "ok"
	if code != 100 && code != 200 {
		status = "failure"
	}
	b, err := json.Marshal(map[string]any{"ocs": map[string]any{
		"meta": map[string]any{"status": status, "statuscode": code, "message": message, "totalitems": "", "itemsperpage": ""},
		"data": data,
	}})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// ocsXML renders an OCS XML envelope around data (already XML).
func ocsXML(code int, message, data string) string {
	status := "ok"
	if code != 100 && code != 200 {
		status = "failure"
	}
	return fmt.Sprintf(`<?xml version="1.0"?>
<ocs>
 <meta>
  <status>%s</status>
  <statuscode>%d</statuscode>
  <message>%s</message>
  <totalitems></totalitems>
  <itemsperpage></itemsperpage>
 </meta>
 <data>%s</data>
</ocs>`, status, code, message, data)
}

// userShareJSON is a user share as Nextcloud 34 reports it (id a string, numbers as numbers).
var userShareJSON = map[string]any{
	"id": "17", "share_type": 0, "uid_owner": "alice", "displayname_owner": "Alice", "permissions": 19,
	"stime": 1715678000, "parent": nil, "expiration": nil, "token": nil, "uid_file_owner": "alice",
	"path": "/Docs/report.pdf", "item_type": "file", "mimetype": "application/pdf", "file_target": "/report.pdf",
	"share_with": "ocrepo-system", "share_with_displayname": "LMS",
}

var wantUserShare = Share{
	ID: "17", ShareType: ShareUser, Owner: "alice", OwnerDisplayName: "Alice", FileOwner: "alice", Permissions: 19,
	Path: "/Docs/report.pdf", ItemType: "file", MimeType: "application/pdf", FileTarget: "/report.pdf",
	ShareWith: "ocrepo-system", ShareWithDisplayName: "LMS", Created: time.Unix(1715678000, 0).UTC(),
}

// linkShareXML is a public link as ownCloud-style XML reports it (numbers as text, expiration set).
const linkShareXML = `<id>42</id><share_type>3</share_type><uid_owner>alice</uid_owner><displayname_owner>Alice</displayname_owner>` +
	`<permissions>1</permissions><stime>1715678000</stime><parent/><expiration>2030-01-31 00:00:00</expiration>` +
	`<token>AbCdEf</token><uid_file_owner>alice</uid_file_owner><path>/a b.txt</path><item_type>file</item_type>` +
	`<mimetype>text/plain</mimetype><file_target>/a b.txt</file_target><share_with>$2y$10$hash</share_with>` +
	`<share_with_displayname>(Shared link)</share_with_displayname><url>https://cloud.example.org/s/AbCdEf</url>`

var wantLinkShare = Share{
	ID: "42", ShareType: SharePublic, Owner: "alice", OwnerDisplayName: "Alice", FileOwner: "alice", Permissions: 1,
	Path: "/a b.txt", ItemType: "file", MimeType: "text/plain", FileTarget: "/a b.txt", Token: "AbCdEf",
	URL: "https://cloud.example.org/s/AbCdEf", Expiration: time.Date(2030, 1, 31, 0, 0, 0, 0, time.UTC),
	Created: time.Unix(1715678000, 0).UTC(), HasPassword: true,
}

func TestCreateShare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		ocsPath  string // endpoint path (with query)
		answer   answer
		want     Share
		wantErr  error
		notErr   error
		checkErr func(t *testing.T, err error)
	}{
		{
			name:    "v1 JSON user share",
			ocsPath: "ocs/v1.php/apps/files_sharing/api/v1/shares",
			answer:  answer{status: 200, ctype: "application/json", body: ocsJSON(100, "OK", userShareJSON)},
			want:    wantUserShare,
		},
		{
			name:    "v2 XML link share",
			ocsPath: "ocs/v2.php/apps/files_sharing/api/v1/shares?format=xml",
			answer:  answer{status: 200, ctype: "text/xml", body: ocsXML(200, "OK", linkShareXML)},
			want:    wantLinkShare,
		},
		{
			name:    "numeric id and string permissions",
			ocsPath: "ocs/v1.php/apps/files_sharing/api/v1/shares",
			answer: answer{status: 200, body: ocsJSON(100, "OK", map[string]any{
				"id": 5, "share_type": "1", "permissions": "31", "share_with": "teachers", "item_type": "folder",
			})},
			want: Share{ID: "5", ShareType: ShareGroup, Permissions: 31, ShareWith: "teachers", ItemType: "folder"},
		},
		{
			name:    "v1 already shared under HTTP 200",
			ocsPath: "ocs/v1.php/apps/files_sharing/api/v1/shares",
			answer:  answer{status: 200, body: ocsJSON(403, "Path is already shared with this user", []any{})},
			wantErr: ErrAlreadyShared,
			notErr:  ErrForbidden,
		},
		{
			name:    "v2 already shared (XML)",
			ocsPath: "ocs/v2.php/apps/files_sharing/api/v1/shares",
			answer: answer{status: 403, ctype: "application/xml",
				body: ocsXML(403, "Sharing report.pdf failed, because this item is already shared with user bob", "")},
			wantErr: ErrAlreadyShared,
		},
		{
			name:    "public upload disabled",
			ocsPath: "ocs/v1.php/apps/files_sharing/api/v1/shares",
			answer:  answer{status: 200, body: ocsJSON(403, "Public upload disabled by the administrator", []any{})},
			wantErr: ErrForbidden,
			notErr:  ErrAlreadyShared,
		},
		{
			name:    "v1 wrong path under HTTP 200",
			ocsPath: "ocs/v1.php/apps/files_sharing/api/v1/shares",
			answer:  answer{status: 200, body: ocsJSON(404, "Wrong path, file/folder does not exist", []any{})},
			wantErr: ErrNotFound,
			checkErr: func(t *testing.T, err error) {
				var se *StatusError
				if !errors.As(err, &se) || se.StatusCode != 200 || se.OCSCode != 404 || !strings.Contains(se.Message, "Wrong path") {
					t.Errorf("%#v", se)
				}
			},
		},
		{
			name:    "v2 unknown recipient",
			ocsPath: "ocs/v2.php/apps/files_sharing/api/v1/shares",
			answer:  answer{status: 404, body: ocsJSON(404, "Please specify a valid user", []any{})},
			wantErr: ErrNotFound,
		},
		{
			name:    "997 unauthorised",
			ocsPath: "ocs/v1.php/apps/files_sharing/api/v1/shares",
			answer:  answer{status: 401, body: ocsJSON(997, "Current user is not logged in", []any{})},
			wantErr: ErrUnauthorized,
		},
		{
			name:    "429 with an empty body",
			ocsPath: "ocs/v2.php/apps/files_sharing/api/v1/shares",
			answer:  answer{status: 429, header: map[string]string{"Retry-After": "600"}},
			wantErr: ErrThrottled,
			checkErr: func(t *testing.T, err error) {
				var se *StatusError
				if !errors.As(err, &se) || se.RetryAfter != 10*time.Minute {
					t.Errorf("%#v", se)
				}
			},
		},
		{
			name:    "HTML login page",
			ocsPath: "ocs/v1.php/apps/files_sharing/api/v1/shares",
			answer:  answer{status: 200, ctype: "text/html; charset=UTF-8", body: htmlLogin},
			wantErr: ErrInvalidResponse,
			checkErr: func(t *testing.T, err error) {
				var ie *InvalidResponseError
				if !errors.As(err, &ie) || ie.StatusCode != 200 || ie.ContentType != "text/html; charset=UTF-8" ||
					!strings.HasPrefix(ie.Snippet, "<!DOCTYPE html> <html") || len(ie.Snippet) > snippetLen+4 ||
					!strings.Contains(ie.Reason, "not an OCS envelope") {
					t.Errorf("%#v", ie)
				}
			},
		},
		{
			name:    "proxy error page",
			ocsPath: "ocs/v1.php/apps/files_sharing/api/v1/shares",
			answer:  answer{status: 502, ctype: "text/html", body: "<html><body><h1>502 Bad Gateway</h1></body></html>"},
			wantErr: ErrInvalidResponse,
			checkErr: func(t *testing.T, err error) {
				if !errors.Is(err, ErrServer) {
					t.Errorf("a 502 page does not match ErrServer: %v", err)
				}
			},
		},
		{
			name:    "JSON that is not an envelope",
			ocsPath: "ocs/v1.php/apps/files_sharing/api/v1/shares",
			answer:  answer{status: 200, body: `{"message":"hello"}`},
			wantErr: ErrInvalidResponse,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, "/", tt.answer.handler())
			c := ts.client(t, func(c *Config) { c.Endpoints[EndpointOCS] = ts.base + tt.ocsPath })
			cn := c.As("alice", staticToken("tok"))
			req := ShareRequest{Path: "Docs/report.pdf", ShareType: ShareUser, ShareWith: "ocrepo-system",
				Permissions: PermRead | PermShare, Password: "pa$$word", ExpireDate: time.Date(2030, 1, 31, 15, 0, 0, 0, time.UTC)}
			got, err := cn.CreateShare(context.Background(), req)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if tt.notErr != nil && errors.Is(err, tt.notErr) {
					t.Errorf("err %v also matches %v", err, tt.notErr)
				}
				if strings.Contains(err.Error(), "pa$$word") || strings.Contains(err.Error(), "tok") {
					t.Errorf("error %q leaks a secret", err)
				}
				if tt.checkErr != nil {
					tt.checkErr(t, err)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("share\n got %+v\nwant %+v", got, tt.want)
				}
			}
			r, body := ts.count.request()
			if ts.count.total() != 1 || r.Method != http.MethodPost {
				t.Fatalf("%d requests, last %s", ts.count.total(), r.Method)
			}
			if r.Header.Get("OCS-APIRequest") != "true" || r.Header.Get("Authorization") != "Bearer tok" {
				t.Errorf("headers %v", r.Header)
			}
			wantFormat := "json"
			if strings.Contains(tt.ocsPath, "format=xml") {
				wantFormat = "xml"
			}
			if r.URL.Query().Get("format") != wantFormat {
				t.Errorf("format %q, want %q", r.URL.Query().Get("format"), wantFormat)
			}
			form, _ := url.ParseQuery(body)
			wantForm := url.Values{"path": {"/Docs/report.pdf"}, "shareType": {"0"}, "shareWith": {"ocrepo-system"},
				"permissions": {"17"}, "password": {"pa$$word"}, "expireDate": {"2030-01-31"}}
			if !reflect.DeepEqual(form, wantForm) {
				t.Errorf("form %v, want %v", form, wantForm)
			}
		})
	}
}

func TestSharesOfAndGetShare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		answer answer
		want   []Share
	}{
		{"JSON list", answer{status: 200, body: ocsJSON(100, "OK", []any{userShareJSON})}, []Share{wantUserShare}},
		{"XML list", answer{status: 200, ctype: "application/xml",
			body: ocsXML(100, "OK", "<element>"+linkShareXML+"</element><element><id>7</id><share_type>0</share_type></element>")},
			[]Share{wantLinkShare, {ID: "7"}}},
		{"empty JSON list", answer{status: 200, body: ocsJSON(200, "OK", []any{})}, []Share{}},
		{"empty XML data", answer{status: 200, body: ocsXML(100, "OK", "")}, []Share{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, "/", tt.answer.handler())
			cn := ts.client(t).As("alice", staticToken("tok"))
			got, err := cn.SharesOf(context.Background(), "/a b.txt")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
			r, _ := ts.count.request()
			q := r.URL.Query()
			if q.Get("path") != "/a b.txt" || q.Get("reshares") != "true" || q.Get("format") != "json" ||
				r.URL.Path != "/ocs/v1.php/apps/files_sharing/api/v1/shares" || r.Method != http.MethodGet {
				t.Errorf("%s %s", r.Method, r.URL)
			}
			one, err := cn.GetShare(context.Background(), "4 2")
			if len(tt.want) == 0 {
				if !errors.Is(err, ErrNotFound) {
					t.Errorf("GetShare of an empty list: %v", err)
				}
			} else if err != nil || !reflect.DeepEqual(one, tt.want[0]) {
				t.Errorf("GetShare = %+v, %v", one, err)
			}
			r, _ = ts.count.request()
			if r.URL.EscapedPath() != "/ocs/v1.php/apps/files_sharing/api/v1/shares/4%202" || r.Method != http.MethodGet {
				t.Errorf("GetShare %s %s", r.Method, r.URL)
			}
			if ts.count.total() != 2 {
				t.Errorf("%d requests for two calls", ts.count.total())
			}
		})
	}
}

func TestDeleteShare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		answer answer
		want   error
	}{
		{"v1 ok", answer{status: 200, body: ocsJSON(100, "OK", []any{})}, nil},
		{"v2 ok XML", answer{status: 200, body: ocsXML(200, "OK", "")}, nil},
		{"v1 twice", answer{status: 200, body: ocsJSON(404, "Wrong share ID, share does not exist", []any{})}, ErrNotFound},
		{"v2 twice", answer{status: 404, body: ocsJSON(404, "Wrong share ID, share does not exist", []any{})}, ErrNotFound},
		{"v2 twice XML", answer{status: 404, body: ocsXML(404, "Wrong share ID", "")}, ErrNotFound},
		{"OCS 998", answer{status: 404, body: ocsJSON(998, "Invalid query", []any{})}, ErrNotFound},
		{"OCS 996", answer{status: 500, body: ocsJSON(996, "Internal Server Error", []any{})}, ErrServer},
		{"empty 200", answer{status: 200}, ErrInvalidResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, "/", tt.answer.handler())
			err := ts.client(t).As("alice", staticToken("tok")).DeleteShare(context.Background(), "17")
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if r, _ := ts.count.request(); r.Method != http.MethodDelete || r.URL.Path != "/ocs/v1.php/apps/files_sharing/api/v1/shares/17" || ts.count.total() != 1 {
				t.Errorf("%s %s (%d requests)", r.Method, r.URL, ts.count.total())
			}
		})
	}
}

func TestShareDownloadURL(t *testing.T) {
	t.Parallel()
	if got := (Share{URL: "https://c.example/s/AbC"}).DownloadURL(); got != "https://c.example/s/AbC/download" {
		t.Errorf("DownloadURL = %q", got)
	}
	if got := (Share{}).DownloadURL(); got != "" {
		t.Errorf("DownloadURL of a user share = %q", got)
	}
}

// FuzzParseOCS feeds the OCS parser JSON and XML. It must never panic; what it accepts must be an envelope with a
// status code; and a JSON reply re-rendered as OCS XML must give the same meta and shares.
func FuzzParseOCS(f *testing.F) {
	f.Add([]byte(ocsJSON(100, "OK", []any{userShareJSON})))
	f.Add([]byte(ocsJSON(403, "Path is already shared with this user", []any{})))
	f.Add([]byte(ocsXML(200, "OK", "<element>"+linkShareXML+"</element>")))
	f.Add([]byte(ocsXML(997, "Current user is not logged in", "")))
	f.Add([]byte(`{"ocs":{"meta":{"statuscode":"100"},"data":{"id":3,"share_type":"3","url":"x"}}}`))
	f.Add([]byte(htmlLogin))
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := parseOCS(data)
		if err != nil {
			return
		}
		shares, serr := sharesOf(env.data)
		_ = env.ok()
		if serr == nil {
			for _, s := range shares {
				if s.ID == "" {
					t.Fatalf("share without id accepted: %+v", s)
				}
				_ = s.DownloadURL()
			}
		}
		trimmed := strings.TrimSpace(string(data))
		if !strings.HasPrefix(trimmed, "{") {
			return
		}
		x, ok := renderOCSXML(env)
		if !ok {
			return
		}
		env2, err := parseOCS([]byte(x))
		if err != nil {
			t.Fatalf("re-rendered XML does not parse: %v\n%s", err, x)
		}
		if env2.code != env.code || env2.message != env.message {
			t.Fatalf("meta differs: %d %q vs %d %q", env.code, env.message, env2.code, env2.message)
		}
		shares2, serr2 := sharesOf(env2.data)
		if (serr == nil) != (serr2 == nil) {
			t.Fatalf("share errors differ: %v / %v\n%s", serr, serr2, x)
		}
		if serr == nil && !reflect.DeepEqual(normalizeShares(shares), normalizeShares(shares2)) {
			t.Fatalf("shares differ:\n%+v\n%+v\n%s", shares, shares2, x)
		}
	})
}

// normalizeShares maps an empty list to nil.
func normalizeShares(s []Share) []Share {
	if len(s) == 0 {
		return nil
	}
	return s
}

// renderOCSXML renders a JSON-decoded envelope as OCS XML, as servers do; false when the data has a shape XML
// cannot carry the same way (keys that are not names, nested lists, empty objects or lists inside shares, text
// that XML would change).
func renderOCSXML(env *ocsEnvelope) (string, bool) {
	var b strings.Builder
	b.WriteString("<ocs><meta><statuscode>")
	b.WriteString(fmt.Sprint(env.code))
	b.WriteString("</statuscode><message>")
	if !xmlSafe(env.message) {
		return "", false
	}
	b.WriteString(xmlEscape(env.message))
	b.WriteString("</message></meta><data>")
	switch d := env.data.(type) {
	case []any:
		for _, v := range d {
			b.WriteString("<element>")
			if !renderXMLValue(&b, v) {
				return "", false
			}
			b.WriteString("</element>")
		}
	case map[string]any:
		if len(d) == 0 {
			return "", false
		}
		if !renderXMLValue(&b, d) {
			return "", false
		}
	case nil:
	default:
		if !renderXMLValue(&b, d) {
			return "", false
		}
	}
	b.WriteString("</data></ocs>")
	return b.String(), true
}

func renderXMLValue(b *strings.Builder, v any) bool {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			return false
		}
		for k, val := range x {
			if !xmlName(k) || k == "element" {
				return false
			}
			if _, isMap := val.(map[string]any); isMap {
				return false
			}
			if _, isList := val.([]any); isList {
				return false
			}
			b.WriteString("<" + k + ">")
			if !renderXMLValue(b, val) {
				return false
			}
			b.WriteString("</" + k + ">")
		}
		return true
	case []any:
		return false
	case nil:
		return true
	case bool:
		// JSON booleans become text; "false" stays a value, which stringOf also gives.
		b.WriteString(fmt.Sprint(x))
		return true
	case json.Number, string:
		s := stringOf(x)
		if !xmlSafe(s) {
			return false
		}
		b.WriteString(xmlEscape(s))
		return true
	}
	return false
}

func xmlName(s string) bool {
	if s == "" || strings.HasPrefix(strings.ToLower(s), "xml") {
		return false
	}
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// xmlSafe reports whether s survives XML text unchanged (no characters XML forbids or normalises).
func xmlSafe(s string) bool {
	for _, r := range s {
		if r == '\r' || r < 0x20 && r != '\t' && r != '\n' || r == 0xFFFE || r == 0xFFFF || r == 0xFFFD ||
			r >= 0xD800 && r <= 0xDFFF {
			return false
		}
	}
	return true
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// TestOCSSuccessIsOnly100Or200: the v1 API answers failures under HTTP 200 with a statuscode in meta (the
// provisioning and sharing APIs use 101 to 104 for invalid input, a missing user, a refused change); only 100 (v1)
// and 200 (v2) mean success. Every other code under HTTP 200 is a failure that carries the code, in JSON and XML.
func TestOCSSuccessIsOnly100Or200(t *testing.T) {
	t.Parallel()
	for _, code := range []int{100, 200} {
		for _, format := range []string{"json", "xml"} {
			t.Run(fmt.Sprintf("%d %s succeeds", code, format), func(t *testing.T) {
				t.Parallel()
				body := ocsJSON(code, "OK", []any{})
				if format == "xml" {
					body = ocsXML(code, "OK", "")
				}
				ts := newTestServer(t, "/", answer{status: 200, body: body}.handler())
				if err := ts.client(t).As("alice", staticToken("tok")).DeleteShare(context.Background(), "17"); err != nil {
					t.Fatalf("statuscode %d: %v, want success", code, err)
				}
			})
		}
	}
	for _, code := range []int{101, 102, 103, 104, 199, 201, 300, 0} {
		for _, format := range []string{"json", "xml"} {
			t.Run(fmt.Sprintf("%d %s fails", code, format), func(t *testing.T) {
				t.Parallel()
				// The status word says "ok" on purpose: success is decided from the code alone.
				body := strings.Replace(ocsJSON(code, "Invalid input", []any{}), `"failure"`, `"ok"`, 1)
				if format == "xml" {
					body = strings.Replace(ocsXML(code, "Invalid input", ""), "failure", "ok", 1)
				}
				ts := newTestServer(t, "/", answer{status: 200, body: body}.handler())
				cn := ts.client(t).As("alice", staticToken("tok"))
				err := cn.DeleteShare(context.Background(), "17")
				var se *StatusError
				if !errors.As(err, &se) {
					t.Fatalf("delete with statuscode %d under HTTP 200: %v, want a *StatusError", code, err)
				}
				if se.OCSCode != code || se.StatusCode != http.StatusOK {
					t.Errorf("error carries OCS %d, HTTP %d; want %d, 200", se.OCSCode, se.StatusCode, code)
				}
				if _, err := cn.SharesOf(context.Background(), "/a.txt"); err == nil {
					t.Errorf("listing shares with statuscode %d under HTTP 200 succeeded", code)
				}
			})
		}
	}
}
