package cloudtest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2030, 3, 14, 9, 26, 53, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newFixture starts a server with alice (no e-mail) and bob, and returns it with the clock.
func newFixture(t *testing.T, opts Options) (*Server, *fakeClock) {
	t.Helper()
	clock := newClock()
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	s := NewServer(t, opts)
	s.AddUser("alice", "alice-pw", "", "Alice Liddell")
	s.AddUser("bob", "bob-pw", "bob@example.org", "Bob Builder")
	return s, clock
}

// reply is a response with its body read.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) String() string { return string(r.body) }

// call sends a request with an optional bearer token and reads the whole reply.
func call(t testing.TB, s *Server, method, rawURL, token string, body io.Reader, header ...string) reply {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return doReq(t, s.Client(), req)
}

func doReq(t testing.TB, c *http.Client, req *http.Request) reply {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL.Path, err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// form posts form values.
func form(t testing.TB, s *Server, method, rawURL, token string, v url.Values, header ...string) reply {
	t.Helper()
	h := append([]string{"Content-Type", "application/x-www-form-urlencoded"}, header...)
	return call(t, s, method, rawURL, token, strings.NewReader(v.Encode()), h...)
}

// noRedirect is a client that returns redirects instead of following them.
func noRedirect(s *Server) *http.Client {
	c := *s.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// listingProps is the property list the picker asks for.
const listingProps = `<?xml version="1.0" encoding="UTF-8"?>
<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">
 <d:prop>
  <d:getlastmodified/><d:getcontentlength/><d:getcontenttype/><d:resourcetype/><d:getetag/>
  <oc:fileid/><oc:permissions/><oc:size/><nc:has-preview/>
 </d:prop>
</d:propfind>`

// davProp is one property value with its propstat status.
type davProp struct {
	value  string
	status int
}

// davEntry is one response of a multistatus.
type davEntry struct {
	href  string
	props map[string]davProp // keyed "DAV: getetag", "http://owncloud.org/ns fileid"
}

func (e davEntry) ok(space, local string) (string, bool) {
	p, found := e.props[space+" "+local]
	return p.value, found && p.status == 200
}

// parseMultistatus decodes a 207 body with a namespace-aware parser.
func parseMultistatus(t testing.TB, body []byte) []davEntry {
	t.Helper()
	var ms struct {
		Responses []struct {
			Href      string `xml:"DAV: href"`
			Propstats []struct {
				Prop struct {
					Any []struct {
						XMLName xml.Name
						Inner   string `xml:",innerxml"`
					} `xml:",any"`
				} `xml:"DAV: prop"`
				Status string `xml:"DAV: status"`
			} `xml:"DAV: propstat"`
		} `xml:"DAV: response"`
	}
	if err := xml.Unmarshal(body, &ms); err != nil {
		t.Fatalf("parse multistatus: %v\n%s", err, body)
	}
	out := make([]davEntry, 0, len(ms.Responses))
	for _, r := range ms.Responses {
		e := davEntry{href: r.Href, props: map[string]davProp{}}
		for _, ps := range r.Propstats {
			status := 0
			if f := strings.Fields(ps.Status); len(f) >= 2 {
				status = atoi(f[1])
			}
			for _, p := range ps.Prop.Any {
				e.props[p.XMLName.Space+" "+p.XMLName.Local] = davProp{value: p.Inner, status: status}
			}
		}
		out = append(out, e)
	}
	return out
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// propfind lists a URL with the listing properties.
func propfind(t testing.TB, s *Server, rawURL, token, depth string) (reply, []davEntry) {
	t.Helper()
	r := call(t, s, "PROPFIND", rawURL, token, strings.NewReader(listingProps), "Depth", depth, "Content-Type", "application/xml")
	if r.status != 207 {
		return r, nil
	}
	return r, parseMultistatus(t, r.body)
}

// ocsEnvelope is an OCS reply decoded from JSON.
type ocsEnvelope struct {
	OCS struct {
		Meta struct {
			Status     string `json:"status"`
			StatusCode int    `json:"statuscode"`
			Message    string `json:"message"`
		} `json:"meta"`
		Data json.RawMessage `json:"data"`
	} `json:"ocs"`
}

func decodeOCS(t testing.TB, r reply) ocsEnvelope {
	t.Helper()
	var env ocsEnvelope
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatalf("decode OCS (HTTP %d): %v\n%s", r.status, err, r.body)
	}
	return env
}

// jsonShare is the part of a share the tests read.
type jsonShare struct {
	ID          string  `json:"id"`
	ShareType   int     `json:"share_type"`
	UIDOwner    string  `json:"uid_owner"`
	Permissions int     `json:"permissions"`
	Expiration  *string `json:"expiration"`
	Token       *string `json:"token"`
	Path        string  `json:"path"`
	ItemType    string  `json:"item_type"`
	FileTarget  string  `json:"file_target"`
	ShareWith   *string `json:"share_with"`
	URL         string  `json:"url"`
	Mimetype    string  `json:"mimetype"`
}

// ocsURL is the share API URL of a version.
func ocsURL(s *Server, v int, suffix string) string {
	return s.URL + "ocs/v" + string(rune('0'+v)) + ".php/apps/files_sharing/api/v1/shares" + suffix
}

// createShare creates a share through v2 JSON and returns it.
func createShare(t testing.TB, s *Server, token string, v url.Values) jsonShare {
	t.Helper()
	r := form(t, s, "POST", ocsURL(s, 2, "?format=json"), token, v, "OCS-APIRequest", "true")
	env := decodeOCS(t, r)
	if r.status != 200 || env.OCS.Meta.StatusCode != 200 {
		t.Fatalf("create share %v: HTTP %d statuscode %d %q", v, r.status, env.OCS.Meta.StatusCode, env.OCS.Meta.Message)
	}
	var sh jsonShare
	if err := json.Unmarshal(env.OCS.Data, &sh); err != nil {
		t.Fatalf("decode share: %v", err)
	}
	return sh
}

// rangeBody returns bytes [from, to] of the generated pattern.
func rangeBody(from, to int64) []byte {
	var b bytes.Buffer
	for i := from; i <= to; i++ {
		b.WriteByte(GeneratedByte(i))
	}
	return b.Bytes()
}
