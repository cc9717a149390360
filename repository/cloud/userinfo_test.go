package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func decodeJSON(t testing.TB, s string) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

const ncUserinfo = `{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":{"enabled":true,
"id":"alice","display-name":"Alice Liddell","displayname":"Alice L.","email":"alice@example.org",
"quota":{"free":1024,"used":10},"groups":["admin","students"],"language":"en","display":{"name":"nested"}}}}`

func TestMapUserInfo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		doc      string
		mappings map[string]string
		want     UserInfo
	}{
		{
			name: "defaults",
			doc:  ncUserinfo,
			want: UserInfo{Username: "alice", Email: "alice@example.org", Name: "Alice Liddell"},
		},
		{
			name: "email null keeps the id",
			doc:  `{"ocs":{"data":{"id":"bob","email":null,"display-name":"Bob"}}}`,
			want: UserInfo{Username: "bob", Name: "Bob"},
		},
		{
			name: "username falls back to email when unmapped",
			doc:  ncUserinfo,
			mappings: map[string]string{
				"ocs-data-email": FieldEmail,
			},
			want: UserInfo{Username: "alice@example.org", Email: "alice@example.org"},
		},
		{
			name: "username falls back to email when empty or null",
			doc:  `{"ocs":{"data":{"id":"","email":"carol@example.org"}}}`,
			want: UserInfo{Username: "carol@example.org", Email: "carol@example.org"},
		},
		{
			name: "username null",
			doc:  `{"ocs":{"data":{"id":null,"email":"dan@example.org"}}}`,
			want: UserInfo{Username: "dan@example.org", Email: "dan@example.org"},
		},
		{
			name:     "longest key first, shorter when it leads nowhere",
			doc:      ncUserinfo,
			mappings: map[string]string{"ocs-data-display-name": FieldName, "ocs-data-displayname": FieldUsername},
			want:     UserInfo{Username: "Alice L.", Name: "Alice Liddell"},
		},
		{
			name:     "backtracks to a shorter key",
			doc:      `{"a-b":{"x":"wrong"},"a":{"b-c":"right"}}`,
			mappings: map[string]string{"a-b-c": FieldName, "a-b-x": FieldEmail},
			want:     UserInfo{Username: "wrong", Name: "right", Email: "wrong"},
		},
		{
			name:     "numbers, lists and booleans",
			doc:      `{"user":{"uid":12345,"groups":["g0","g1"],"ok":true}}`,
			mappings: map[string]string{"user-uid": FieldUsername, "user-groups-1": FieldName, "user-ok": FieldEmail},
			want:     UserInfo{Username: "12345", Name: "g1", Email: "true"},
		},
		{
			name:     "objects are not values",
			doc:      ncUserinfo,
			mappings: map[string]string{"ocs-data-quota": FieldUsername},
			want:     UserInfo{},
		},
		{
			name:     "an oidc-style flat document",
			doc:      `{"sub":"u-1","preferred_username":"erin","email":"erin@example.org","name":"Erin"}`,
			mappings: map[string]string{"preferred_username": FieldUsername, "email": FieldEmail, "name": FieldName},
			want:     UserInfo{Username: "erin", Email: "erin@example.org", Name: "Erin"},
		},
		{
			name:     "missing path",
			doc:      ncUserinfo,
			mappings: map[string]string{"ocs-data-nothing-here": FieldUsername},
			want:     UserInfo{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := decodeJSON(t, tt.doc)
			got := MapUserInfo(doc, tt.mappings)
			if !reflect.DeepEqual(got.Raw, doc) {
				t.Errorf("Raw is not the document")
			}
			got.Raw = nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestUserInfoCall(t *testing.T) {
	t.Parallel()
	xmlReply := `<?xml version="1.0"?><ocs><meta><status>ok</status><statuscode>100</statuscode><message>OK</message></meta>` +
		`<data><enabled>true</enabled><id>frank</id><display-name>Frank</display-name><email></email></data></ocs>`
	tests := []struct {
		name    string
		path    string
		answer  answer
		want    UserInfo
		wantErr error
	}{
		{"Nextcloud JSON", "ocs/v2.php/cloud/user?format=json", answer{status: 200, ctype: "application/json", body: ncUserinfo},
			UserInfo{Username: "alice", Email: "alice@example.org", Name: "Alice Liddell"}, nil},
		{"XML (format=xml pasted)", "ocs/v1.php/cloud/user?format=xml", answer{status: 200, ctype: "text/xml", body: xmlReply},
			UserInfo{Username: "frank", Name: "Frank"}, nil},
		{"997", "ocs/v2.php/cloud/user?format=json", answer{status: 401, body: ocsJSON(997, "Current user is not logged in", []any{})},
			UserInfo{}, ErrUnauthorized},
		{"v1 997 under 200", "ocs/v1.php/cloud/user?format=json", answer{status: 200, body: ocsJSON(997, "not logged in", []any{})},
			UserInfo{}, ErrUnauthorized},
		{"HTML login page", "ocs/v2.php/cloud/user?format=json", answer{status: 200, ctype: "text/html", body: htmlLogin},
			UserInfo{}, ErrInvalidResponse},
		{"no username at all", "ocs/v2.php/cloud/user?format=json", answer{status: 200, body: `{"ocs":{"meta":{"statuscode":200},"data":{"email":null}}}`},
			UserInfo{}, ErrInvalidResponse},
		{"429", "ocs/v2.php/cloud/user?format=json", answer{status: 429}, UserInfo{}, ErrThrottled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, "/", tt.answer.handler())
			c := ts.client(t, func(c *Config) { c.Endpoints[EndpointUserinfo] = ts.base + tt.path })
			got, err := c.As("", staticToken("tok")).UserInfo(context.Background())
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				got.Raw = nil
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("got %+v, want %+v", got, tt.want)
				}
			}
			r, _ := ts.count.request()
			if r.Header.Get("OCS-APIRequest") != "true" || r.Header.Get("Authorization") != "Bearer tok" ||
				r.URL.RequestURI() != "/"+tt.path || ts.count.total() != 1 {
				t.Errorf("request %s %v (%d requests)", r.URL.RequestURI(), r.Header, ts.count.total())
			}
		})
	}
}

// FuzzMapUserInfo maps arbitrary documents with arbitrary mappings: it never panics, is deterministic, and the
// username is the e-mail whenever no username mapping finds a value.
func FuzzMapUserInfo(f *testing.F) {
	f.Add([]byte(ncUserinfo), "ocs-data-id", "ocs-data-display-name")
	f.Add([]byte(`{"a-b":{"c":"1"},"a":{"b-c":"2"}}`), "a-b-c", "a")
	f.Add([]byte(`{"x":[{"y":"z"}]}`), "x-0-y", "x-1")
	f.Add([]byte(`{"-":{"":{"-":"v"}}}`), "---", "--")
	f.Add([]byte(`{"a":{"a":{"a":{"a":{"a":{"a":"deep"}}}}},"a-a":{"a-a":{"a-a":"x"}}}`), "a-a-a-a-a-a", "a-a-a-a-a")
	f.Fuzz(func(t *testing.T, doc []byte, userPath, namePath string) {
		d := json.NewDecoder(bytes.NewReader(doc))
		d.UseNumber()
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			return
		}
		mappings := map[string]string{userPath: FieldUsername, namePath: FieldName, "ocs-data-email": FieldEmail}
		a := MapUserInfo(m, mappings)
		b := MapUserInfo(m, mappings)
		a.Raw, b.Raw = nil, nil
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("not deterministic: %+v / %+v", a, b)
		}
		only := MapUserInfo(m, map[string]string{"ocs-data-email": FieldEmail})
		if only.Username != only.Email {
			t.Fatalf("username %q is not the e-mail %q without a username mapping", only.Username, only.Email)
		}
		if a.Username == "" && a.Email != "" {
			t.Fatalf("username empty while e-mail %q is known", a.Email)
		}
	})
}
