package cloud

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net/url"
	"path"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"
)

const testRoot = "/remote.php/dav/files/alice/"

func parseLean(t testing.TB, data []byte, root string) ([]Entry, error) {
	t.Helper()
	entries, _, err := parseMultistatus(bytes.NewReader(data), &hrefMapper{root: root}, int64(len(data)))
	return entries, err
}

// parsesAs checks that the parser and the reference parser (encoding/xml) both read doc as want.
func parsesAs(t *testing.T, doc string, want []Entry) {
	t.Helper()
	got, err := parseLean(t, []byte(doc), testRoot)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("lean got  %+v\nwant %+v", got, want)
	}
	ref, err := refParseMultistatus([]byte(doc), &hrefMapper{root: testRoot})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ref, want) {
		t.Errorf("reference got %+v\nwant %+v", ref, want)
	}
}

func TestParseMultistatusNextcloudListing(t *testing.T) {
	t.Parallel()
	items := []listingItem{
		{name: "Documents", dir: true, size: 4096},
		{name: "my report.pdf", size: 1234},
		{name: "a#b%c?d.txt", size: 7},
		{name: `quote'"s.txt`, size: 8},
		{name: "Übung – ñ 日本.jpg", size: 9},
		{name: "100% sure & done.txt", size: 10},
	}
	data := nextcloudListing(testRoot, "/Shared stuff", items)
	lean, err := parseLean(t, data, testRoot)
	if err != nil {
		t.Fatalf("lean: %v", err)
	}
	ref, err := refParseMultistatus(data, &hrefMapper{root: testRoot})
	if err != nil {
		t.Fatalf("reference: %v", err)
	}
	if !reflect.DeepEqual(lean, ref) {
		t.Fatalf("lean and reference differ:\nlean %+v\nref  %+v", lean, ref)
	}
	if len(lean) != len(items)+1 {
		t.Fatalf("got %d entries, want %d", len(lean), len(items)+1)
	}
	self := lean[0]
	if self.Path != "/Shared stuff" || self.Name != "Shared stuff" || !self.Dir || self.Size != 4096+1234+7+8+9+10 {
		t.Errorf("self = %+v", self)
	}
	for i, it := range items {
		e := lean[i+1]
		if e.Path != "/Shared stuff/"+it.name || e.Name != it.name || e.Dir != it.dir || e.Size != it.size {
			t.Errorf("entry %d = %+v, want %+v", i, e, it)
		}
		if !strings.HasPrefix(e.ETag, `"`) || !strings.HasSuffix(e.ETag, `"`) {
			t.Errorf("entry %d etag %q not quoted", i, e.ETag)
		}
		if e.Modified.IsZero() || e.Modified.Location() != time.UTC {
			t.Errorf("entry %d modified %v", i, e.Modified)
		}
	}
	if got := lean[2]; got.ContentType != "application/pdf" || got.Permissions != "RGDNVW" || got.FileID != "1002" {
		t.Errorf("file entry = %+v", got)
	}
	if got := lean[1]; got.ContentType != "" || got.Permissions != "RGDNVCK" {
		t.Errorf("folder entry = %+v", got)
	}
	if !lean[5].HasPreview || lean[2].HasPreview {
		t.Errorf("has-preview: %v %v", lean[5].HasPreview, lean[2].HasPreview)
	}
	if want := time.Date(2024, 5, 14, 9, 13, 44, 0, time.UTC); !lean[1].Modified.Equal(want) {
		t.Errorf("modified = %v, want %v", lean[1].Modified, want)
	}
}

// TestParseMultistatusXnetListing: the shape golang.org/x/net/webdav writes (the test cloud's), where every
// ownCloud and Nextcloud property binds the default namespace for itself, reads as encoding/xml reads it, streamed
// whole or a byte at a time.
func TestParseMultistatusXnetListing(t *testing.T) {
	t.Parallel()
	items := []listingItem{
		{name: "Documents", dir: true, size: 4096},
		{name: "my report.pdf", size: 1234},
		{name: "a#b%c?d.txt", size: 7},
		{name: "Übung – ñ 日本.jpg", size: 9},
		{name: "Archive", dir: true, size: 10},
		{name: "100% sure & done.txt", size: 10},
	}
	data := xnetListing(testRoot, "/Shared stuff", items)
	ref, err := refParseMultistatus(data, &hrefMapper{root: testRoot})
	if err != nil {
		t.Fatalf("reference: %v", err)
	}
	for _, oneByte := range []bool{false, true} {
		var r io.Reader = bytes.NewReader(data)
		if oneByte {
			r = iotest.OneByteReader(r)
		}
		lean, _, err := parseMultistatus(r, &hrefMapper{root: testRoot}, 0)
		if err != nil {
			t.Fatalf("lean (one byte at a time %v): %v", oneByte, err)
		}
		if !reflect.DeepEqual(lean, ref) {
			t.Fatalf("lean (one byte at a time %v) and reference differ:\nlean %+v\nref  %+v", oneByte, lean, ref)
		}
	}
	if len(ref) != len(items)+1 || !ref[1].Dir || ref[1].FileID != "101" || ref[1].Permissions != "RGDNVCK" ||
		ref[2].Size != 1234 || ref[2].ContentType != "application/pdf" || !ref[2].HasPreview || ref[2].ETag == "" {
		t.Errorf("entries = %+v", ref)
	}
}

func TestParseMultistatusShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		want []Entry
	}{
		{
			name: "x/net/webdav style: default namespaces per property",
			doc: `<?xml version="1.0" encoding="UTF-8"?><D:multistatus xmlns:D="DAV:"><D:response>` +
				`<D:href>/remote.php/dav/files/alice/a%20b/</D:href><D:propstat><D:prop>` +
				`<D:resourcetype><D:collection xmlns:D="DAV:"/></D:resourcetype>` +
				`<fileid xmlns="http://owncloud.org/ns">77</fileid>` +
				`<D:getlastmodified>Mon, 02 Jan 2006 15:04:05 GMT</D:getlastmodified>` +
				`</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>` +
				`<D:propstat><D:prop><permissions xmlns="http://owncloud.org/ns"></permissions></D:prop>` +
				`<D:status>HTTP/1.1 404 Not Found</D:status></D:propstat></D:response></D:multistatus>`,
			want: []Entry{{Path: "/a b", Name: "a b", Dir: true, Size: -1, FileID: "77",
				Modified: time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)}},
		},
		{
			name: "absolute href, CDATA, comments, entities and CRLF",
			doc: "<!-- listing --><multistatus xmlns='DAV:' xmlns:o='http://owncloud.org/ns'>\r\n<response>" +
				"<href>https://cloud.example.org/remote.php/dav/files/alice/x%3fy</href>" +
				"<propstat><prop><getetag><![CDATA[\"e1\"]]></getetag><getcontentlength> 42 </getcontentlength>" +
				"<getcontenttype>text/<!-- c -->plain</getcontenttype><o:permissions>R&#x47;&#68;</o:permissions>" +
				"</prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>",
			want: []Entry{{Path: "/x?y", Name: "x?y", Size: 42, ETag: `"e1"`, ContentType: "text/plain",
				Permissions: "RGD"}},
		},
		{
			name: "later 2xx propstat wins, non-2xx ignored, nested element text dropped",
			doc: `<d:multistatus xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:response>` +
				`<d:href>/remote.php/dav/files/alice/f</d:href>` +
				`<d:propstat><d:prop><oc:size>5</oc:size><d:getetag>a<x>zzz</x>b</d:getetag></d:prop>` +
				`<d:status>HTTP/1.1 200 OK</d:status></d:propstat>` +
				`<d:propstat><d:prop><oc:size>6</oc:size><d:resourcetype><d:collection/></d:resourcetype></d:prop>` +
				`<d:status>HTTP/1.1 403 Forbidden</d:status></d:propstat>` +
				`<d:propstat><d:prop><oc:size>7</oc:size></d:prop><d:status>HTTP/1.1 207 x</d:status></d:propstat>` +
				`</d:response><d:response><d:href>/remote.php/dav/files/alice</d:href></d:response>` +
				`</d:multistatus>trailing data is not read`,
			want: []Entry{{Path: "/f", Name: "f", Size: 7, ETag: "ab"}, {Path: "/", Size: -1}},
		},
		{
			name: "doctype with internal subset and processing instructions",
			doc: `<?xml version="1.0"?><!DOCTYPE multistatus [ <!ELEMENT x "<>"> <!-- > --> ]>` +
				`<?pi data?><d:multistatus xmlns:d="DAV:"><?pi?><d:response><d:href>/remote.php/dav/files/alice/..%2f..%2fetc</d:href>` +
				`</d:response></d:multistatus>`,
			want: []Entry{{Path: "/etc", Name: "etc", Size: -1}},
		},
		{
			name: "empty multistatus",
			doc:  `<d:multistatus xmlns:d="DAV:"/>`,
			want: []Entry{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseLean(t, []byte(tt.doc), testRoot)
			if err != nil {
				t.Fatalf("lean: %v", err)
			}
			if len(got) == 0 && len(tt.want) == 0 {
				got = []Entry{}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("lean got  %+v\nwant %+v", got, tt.want)
			}
			ref, err := refParseMultistatus([]byte(tt.doc), &hrefMapper{root: testRoot})
			if err != nil {
				t.Fatalf("reference: %v", err)
			}
			if !reflect.DeepEqual(ref, tt.want) {
				t.Errorf("reference got %+v\nwant %+v", ref, tt.want)
			}
		})
	}
}

// Prefixes rebound inside a response change what the same tag means: the scanner's memory of names seen before
// must not outlive the bindings it was learnt under, nor carry over to a tag with attributes.
func TestParseMultistatusRebinding(t *testing.T) {
	t.Parallel()
	resp := func(name, propstatAttrs, propAttrs, sizeTag string) string {
		return `<d:response><d:href>/remote.php/dav/files/alice/` + name + `</d:href><d:propstat` + propstatAttrs +
			`><d:prop` + propAttrs + `><d:getetag>e</d:getetag>` + sizeTag + `</d:prop>` +
			`<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`
	}
	doc := `<d:multistatus xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:x="http://owncloud.org/ns">` +
		resp("a", "", "", `<oc:size>1</oc:size>`) +
		resp("b", "", "", `<oc:size>2</oc:size>`) +
		// oc rebound on the propstat: the same tag is another element.
		resp("c", ` xmlns:oc="urn:other"`, "", `<oc:size>3</oc:size>`) +
		// the binding ended with the propstat: oc is ownCloud's again.
		resp("d", "", "", `<oc:size>4</oc:size>`) +
		// rebound on the prop, and on the element itself.
		resp("e", "", ` xmlns:oc="urn:other"`, `<oc:size>5</oc:size>`) +
		resp("f", "", "", `<oc:size xmlns:oc="urn:other">6</oc:size>`) +
		// d rebound on the prop makes the prop itself another element; an unrelated binding changes nothing.
		resp("g", "", ` xmlns:y="urn:other"`, `<x:size>7</x:size>`) +
		resp("g2", "", ` xmlns:d="urn:other"`, `<x:size>70</x:size>`) +
		resp("h", "", "", `<x:size>8</x:size>`) +
		// a default namespace on the prop makes unprefixed names DAV: ones.
		resp("i", "", ` xmlns="DAV:"`, `<getcontentlength>9</getcontentlength>`) +
		resp("j", "", "", `<getcontentlength>10</getcontentlength>`) +
		`</d:multistatus>`
	want := []Entry{
		{Path: "/a", Name: "a", ETag: "e", Size: 1},
		{Path: "/b", Name: "b", ETag: "e", Size: 2},
		{Path: "/c", Name: "c", ETag: "e", Size: -1},
		{Path: "/d", Name: "d", ETag: "e", Size: 4},
		{Path: "/e", Name: "e", ETag: "e", Size: -1},
		{Path: "/f", Name: "f", ETag: "e", Size: -1},
		{Path: "/g", Name: "g", ETag: "e", Size: 7},
		{Path: "/g2", Name: "g2", Size: -1},
		{Path: "/h", Name: "h", ETag: "e", Size: 8},
		{Path: "/i", Name: "i", ETag: "e", Size: 9},
		{Path: "/j", Name: "j", ETag: "e", Size: -1},
	}
	parsesAs(t, doc, want)
}

// Tags that declare namespaces are remembered with their declarations (golang.org/x/net/webdav binds one on
// every ownCloud property), but taken from memory only where the declarations cannot matter: a property read
// whole, an empty element. A container that declares goes the full path, and so do its children; and the
// bindings a declaring element starts are never mistaken for earlier ones that are gone.
func TestParseMultistatusDeclaringTags(t *testing.T) {
	t.Parallel()
	resp := func(name, prop string) string {
		return `<d:response><d:href>/remote.php/dav/files/alice/` + name + `</d:href><d:propstat>` + prop +
			`<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`
	}
	const oc = `http://owncloud.org/ns`
	doc := `<d:multistatus xmlns:d="DAV:">` +
		// a declaring container, twice: its children need its binding the second time too.
		resp("a", `<d:prop xmlns:o="`+oc+`"><o:size>1</o:size></d:prop>`) +
		resp("b", `<d:prop xmlns:o="`+oc+`"><o:size>2</o:size></d:prop>`) +
		// the same container binding o elsewhere: a new set of bindings, not the one of a or b.
		resp("c", `<d:prop xmlns:o="urn:other"><o:size>3</o:size></d:prop>`) +
		resp("d", `<d:prop xmlns:o="`+oc+`"><o:size>4</o:size></d:prop>`) +
		// properties that declare their own namespace, read whole.
		resp("e", `<d:prop><size xmlns="`+oc+`">5</size></d:prop>`) +
		resp("f", `<d:prop><size xmlns="`+oc+`">6</size></d:prop>`) +
		resp("g", `<d:prop><size xmlns="urn:other">7</size></d:prop>`) +
		resp("h", `<d:prop><size xmlns="`+oc+`"><x/>8</size></d:prop>`) +
		// an empty element that declares, twice, then one that declares another namespace.
		resp("i/", `<d:prop><d:resourcetype><D:collection xmlns:D="DAV:"/></d:resourcetype></d:prop>`) +
		resp("j/", `<d:prop><d:resourcetype><D:collection xmlns:D="DAV:"/></d:resourcetype></d:prop>`) +
		resp("k/", `<d:prop><d:resourcetype><D:collection xmlns:D="urn:other"/></d:resourcetype></d:prop>`) +
		`</d:multistatus>`
	want := []Entry{
		{Path: "/a", Name: "a", Size: 1},
		{Path: "/b", Name: "b", Size: 2},
		{Path: "/c", Name: "c", Size: -1},
		{Path: "/d", Name: "d", Size: 4},
		{Path: "/e", Name: "e", Size: 5},
		{Path: "/f", Name: "f", Size: 6},
		{Path: "/g", Name: "g", Size: -1},
		{Path: "/h", Name: "h", Size: 8},
		{Path: "/i", Name: "i", Size: -1, Dir: true},
		{Path: "/j", Name: "j", Size: -1, Dir: true},
		{Path: "/k", Name: "k", Size: -1},
	}
	parsesAs(t, doc, want)
}

// A parser reused for another document (they are pooled) reads it as a new one would: what it remembered of the
// tags of the last one does not hold under the new document's bindings, a failure leaves nothing behind, and the
// start of the body comes with an error or an empty listing only.
func TestParseMultistatusReusedParser(t *testing.T) {
	t.Parallel()
	doc := func(ocNS string, size string) []byte {
		return []byte(`<d:multistatus xmlns:d="DAV:" xmlns:o="` + ocNS + `">` +
			`<d:response><d:href>/remote.php/dav/files/alice/a</d:href><d:propstat><d:prop><d:getetag>e</d:getetag>` +
			`<o:size>` + size + `</o:size></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>` +
			`<d:response><d:href>/remote.php/dav/files/alice/b</d:href><d:propstat><d:prop><d:getetag>e</d:getetag>` +
			`<o:size>` + size + `</o:size></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>` +
			`</d:multistatus>`)
	}
	p := &msParser{}
	docs := []struct {
		data     []byte
		size     int64
		wantErr  bool
		wantHead bool
	}{
		{doc(nsURIOC, "1"), 1, false, false},
		{doc("urn:other", "2"), -1, false, false},
		{doc(nsURIOC, "3")[:200], 0, true, true},
		{doc(nsURIOC, "4"), 4, false, false},
		{[]byte(`<d:multistatus xmlns:d="DAV:"></d:multistatus>`), 0, false, true},
		{doc(nsURIOC, "5"), 5, false, false},
	}
	for i, d := range docs {
		got, head, err := p.parse(bytes.NewReader(d.data), &hrefMapper{root: testRoot}, int64(len(d.data)))
		if (err != nil) != d.wantErr || (head != nil) != d.wantHead {
			t.Fatalf("document %d: error %v, head %q", i, err, head)
		}
		if d.wantHead && !bytes.HasPrefix(d.data, head) {
			t.Errorf("document %d: head %q is not the start of the body", i, head)
		}
		if err != nil || len(d.data) < 100 {
			continue
		}
		want := []Entry{{Path: "/a", Name: "a", ETag: "e", Size: d.size}, {Path: "/b", Name: "b", ETag: "e", Size: d.size}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("document %d: got %+v, want %+v", i, got, want)
		}
		if p.r != nil || p.m != nil || p.out.cur != nil {
			t.Errorf("document %d: the parser still refers to the document", i)
		}
	}
	// Generations start again, with nothing remembered, long before they would wrap: no memo can carry a
	// generation that is handed out again.
	p.lastGen = 1<<31 - 2
	for _, d := range []int{0, 4} {
		if _, _, err := p.parse(bytes.NewReader(docs[d].data), &hrefMapper{root: testRoot}, 0); err != nil {
			t.Fatal(err)
		}
	}
	if p.lastGen > 10 {
		t.Fatalf("generations did not start again: %d", p.lastGen)
	}
	for _, row := range p.memo {
		for _, m := range row {
			if m.gen > p.lastGen {
				t.Fatalf("a memo of generation %d outlived the restart at %d", m.gen, p.lastGen)
			}
		}
	}
}

// A property read whole when its tag is recognised falls back to the full path, from its start tag, on what it
// does not handle; the text it had read so far is not kept twice.
func TestParseMultistatusLeafFallback(t *testing.T) {
	t.Parallel()
	tests := []struct{ prop, etag string }{
		{`<d:getetag>&quot;x&quot;</d:getetag>`, `"x"`},
		{`<d:getetag>&quot;x&quot;<!-- c -->y</d:getetag>`, `"x"y`},
		{`<d:getetag>a<![CDATA[<b>]]>c</d:getetag>`, `a<b>c`},
		{"<d:getetag>x\ramp;y</d:getetag>", "x\namp;y"},
		{"<d:getetag>x\r\ny&#x41;</d:getetag>", "x\nyA"},
		{`<d:getetag>a<x:y xmlns:x="urn:x">b</x:y>c</d:getetag>`, `ac`},
		{`<d:getetag>a</d:getetag  >`, `a`},
		{`<d:getetag/>`, ``},
	}
	for _, tt := range tests {
		doc := twoResponses(tt.prop)
		got, err := parseLean(t, []byte(doc), testRoot)
		if err != nil {
			t.Errorf("%s: %v", tt.prop, err)
			continue
		}
		if len(got) != 2 || got[0].ETag != "e" || got[1].ETag != tt.etag {
			t.Errorf("%s: got %+v, want the etag %q", tt.prop, got, tt.etag)
		}
		ref, err := refParseMultistatus([]byte(doc), &hrefMapper{root: testRoot})
		if err != nil || !reflect.DeepEqual(got, ref) {
			t.Errorf("%s: reference %+v %v", tt.prop, ref, err)
		}
	}
}

func TestParseMultistatusRejects(t *testing.T) {
	t.Parallel()
	valid := `<d:multistatus xmlns:d="DAV:"><d:response><d:href>/remote.php/dav/files/alice/</d:href></d:response></d:multistatus>`
	tests := []struct {
		name   string
		doc    string
		reason string
	}{
		{"empty body", "", "not a multistatus"},
		{"text only", "Internal Server Error", "not a multistatus"},
		{"HTML", "<!DOCTYPE html><html><body>Login</body></html>", "not a multistatus"},
		{"other root", `<d:error xmlns:d="DAV:"/>`, "not a multistatus"},
		{"unbound prefix", `<d:multistatus/>`, "not a multistatus"},
		{"no closing multistatus", strings.TrimSuffix(valid, "</d:multistatus>"), "truncated"},
		{"cut inside a tag", valid[:len(valid)-5], "truncated"},
		{"cut inside a value", valid[:60], "truncated"},
		{"mismatched end tag", strings.Replace(valid, "</d:response>", "</d:propstat>", 1), "malformed"},
		{"bad entity", strings.Replace(valid, "alice/", "alice/&nbsp;", 1), "malformed"},
		{"missing href", `<d:multistatus xmlns:d="DAV:"><d:response></d:response></d:multistatus>`, "without href"},
		{"href outside the root", strings.Replace(valid, "alice", "bob", 1), "outside the WebDAV root"},
		{"bad escape", strings.Replace(valid, "alice/", "alice/%zz", 1), "bad escape"},
		{"unquoted attribute", `<d:multistatus xmlns:d=DAV:></d:multistatus>`, "malformed"},
		{"stray end tag", `</x><d:multistatus xmlns:d="DAV:"/>`, "malformed"},
		// The second response's tags are recognised from the first's: their end tags are still checked.
		{"property closed by another name of the same length", twoResponses(`<d:getetag>e</d:getetaX>`), "malformed"},
		{"property closed by a longer name", twoResponses(`<d:getetag>e</d:getetags>`), "malformed"},
		{"property closed by a shorter name", twoResponses(`<d:getetag>e</d:getetg>`), "malformed"},
		{"href closed by another name", strings.Replace(twoResponses(`<d:getetag>e</d:getetag>`),
			`/b</d:href>`, `/b</d:hreg>`, 1), "malformed"},
		{"property not closed", twoResponses(`<d:getetag>e<d:getetag>`), "malformed"},
		{"property holding an element named like its end tag", twoResponses(`<d:getetag>e<xd:getetag>`), "malformed"},
		{"property with a bad entity", twoResponses(`<d:getetag>a&amp;b&bogus;</d:getetag>`), "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseLean(t, []byte(tt.doc), testRoot)
			var pe *parseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (entries %v), want a parse error", err, got)
			}
			if !strings.Contains(pe.reason, tt.reason) {
				t.Errorf("reason %q, want it to mention %q", pe.reason, tt.reason)
			}
		})
	}
}

// twoResponses is a multistatus of two responses, the second with the given property.
func twoResponses(prop string) string {
	return `<d:multistatus xmlns:d="DAV:"><d:response><d:href>/remote.php/dav/files/alice/a</d:href><d:propstat>` +
		`<d:prop><d:getetag>e</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>` +
		`<d:response><d:href>/remote.php/dav/files/alice/b</d:href><d:propstat><d:prop>` + prop + `</d:prop>` +
		`<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>`
}

// Every cut of a listing before its closing tag is an error, never a shorter listing.
func TestParseMultistatusEveryTruncationFails(t *testing.T) {
	t.Parallel()
	data := nextcloudListing(testRoot, "/", []listingItem{
		{name: "d", dir: true}, {name: "a b.txt", size: 3}, {name: "ü&.jpg", size: 4},
	})
	end := bytes.LastIndex(data, []byte("</d:multistatus>")) + len("</d:multistatus>")
	for cut := 0; cut < end; cut++ {
		got, err := parseLean(t, data[:cut], testRoot)
		var pe *parseError
		if !errors.As(err, &pe) {
			t.Fatalf("cut at %d: err = %v, entries = %d", cut, err, len(got))
		}
	}
	if _, err := parseLean(t, data[:end], testRoot); err != nil {
		t.Fatalf("complete document: %v", err)
	}
}

func TestParseMultistatusStreaming(t *testing.T) {
	t.Parallel()
	data := nextcloudListing(testRoot, "/big", bigListing(300))
	want, err := parseLean(t, data, testRoot)
	if err != nil {
		t.Fatal(err)
	}
	readers := map[string]io.Reader{
		"one byte":  iotest.OneByteReader(bytes.NewReader(data)),
		"half":      iotest.HalfReader(bytes.NewReader(data)),
		"data+EOF":  iotest.DataErrReader(bytes.NewReader(data)),
		"timeout 1": iotest.TimeoutReader(bytes.NewReader(data)),
	}
	for name, r := range readers {
		got, _, err := parseMultistatus(r, &hrefMapper{root: testRoot}, 0)
		if name == "timeout 1" {
			// The second read fails: a read error is reported as it is, not as a short listing.
			if !errors.Is(err, iotest.ErrTimeout) {
				t.Errorf("%s: err = %v, want the read error", name, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: err = %v, %d entries, want %d", name, err, len(got), len(want))
		}
	}
	cut, _, err := parseMultistatus(iotest.ErrReader(io.ErrUnexpectedEOF), &hrefMapper{root: testRoot}, 0)
	var pe *parseError
	if !errors.As(err, &pe) || len(cut) != 0 {
		t.Errorf("connection cut: err = %v", err)
	}
}

func TestParseMultistatusLongValuesAcrossBuffers(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("ab&amp;c\r\n", 20000) // 200 kB of text with entities and CRLF crossing buffer ends
	doc := `<d:multistatus xmlns:d="DAV:"><d:response><d:href>/remote.php/dav/files/alice/x</d:href><d:propstat><d:prop>` +
		`<d:getetag>` + long + `</d:getetag><!--` + strings.Repeat("-x", 35000) + `--><d:getcontenttype><![CDATA[` +
		strings.Repeat("z", 70000) + `]]></d:getcontenttype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>` +
		`</d:response></d:multistatus>`
	got, err := parseLean(t, []byte(doc), testRoot)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := refParseMultistatus([]byte(doc), &hrefMapper{root: testRoot})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, ref) {
		t.Fatal("lean and reference differ")
	}
	if want := strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(long, "&amp;", "&"), "\r\n", "\n")); got[0].ETag != want {
		t.Errorf("etag of %d bytes, want %d", len(got[0].ETag), len(want))
	}
}

func TestParseHTTPTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Time
	}{
		{"Tue, 14 May 2024 09:12:44 GMT", time.Date(2024, 5, 14, 9, 12, 44, 0, time.UTC)},
		{"Tuesday, 14-May-24 09:12:44 GMT", time.Date(2024, 5, 14, 9, 12, 44, 0, time.UTC)},
		{"Tue, 30 Feb 2024 09:12:44 GMT", time.Time{}},
		{"Xyz, 14 May 2024 09:12:44 GMT", time.Time{}},
		{"yesterday", time.Time{}},
	}
	for _, tt := range tests {
		if got := parseHTTPTime([]byte(tt.in)); !got.Equal(tt.want) {
			t.Errorf("parseHTTPTime(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// unescapePath decodes like url.PathUnescape and fails where it fails.
func TestUnescapePath(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "/a/b", "%41", "a%2fb%2F", "100%25", "%e6%97%a5%E6%9C%AC.jpg", "x+y", "%", "a%",
		"a%4", "%zz", "%4g", "ok%20then%", "%%41"} {
		want, werr := url.PathUnescape(in)
		got, ok := unescapePath([]byte("kept:"), []byte(in))
		if ok != (werr == nil) || ok && string(got) != "kept:"+want {
			t.Errorf("unescapePath(%q) = %q %v, url.PathUnescape %q %v", in, got, ok, want, werr)
		}
	}
}

// textStop finds what a byte-by-byte search finds, wherever the stop falls in a word and whatever surrounds it.
func TestTextStop(t *testing.T) {
	t.Parallel()
	naive := func(b []byte) int {
		for i, c := range b {
			if c == '<' || c == '&' || c == '\r' {
				return i
			}
		}
		return len(b)
	}
	// Bytes next to the stops in value (one below and above each, 0x00, 0x80, 0xff) make borrows and carries.
	alphabet := []byte{'a', '<', '&', '\r', ';', '=', '%', '\'', '\f', '\x0e', 0x00, 0x01, 0x7f, 0x80, 0xbc, 0xff}
	r := rand.New(rand.NewSource(1))
	for range 20000 {
		b := make([]byte, r.Intn(40))
		for i := range b {
			if r.Intn(3) == 0 {
				b[i] = alphabet[r.Intn(len(alphabet))]
			} else {
				b[i] = alphabet[0]
			}
		}
		if got, want := textStop(b), naive(b); got != want {
			t.Fatalf("textStop(%q) = %d, want %d", b, got, want)
		}
	}
}

// trimSpace trims what bytes.TrimSpace trims, Unicode spaces and control bytes at the edges included.
func TestTrimSpace(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", " ", "x", " x ", "\tx\r\n", "\u00a0x", "x\u0085", "\u2003x\u3000", "\x01x\x7f", "é",
		"xé", "\vx\f", "a b"} {
		if got, want := trimSpace([]byte(in)), bytes.TrimSpace([]byte(in)); string(got) != string(want) {
			t.Errorf("trimSpace(%q) = %q, want %q", in, got, want)
		}
	}
}

// cleanPath says whether path.Clean would leave a path as it is.
func TestCleanPath(t *testing.T) {
	t.Parallel()
	parts := []string{"/", "a", ".", "..", "b.c", "...", ".d"}
	r := rand.New(rand.NewSource(1))
	for range 20000 {
		p := "/"
		for range r.Intn(8) {
			p += parts[r.Intn(len(parts))]
		}
		if got, want := cleanPath([]byte(p)), path.Clean(p) == p; got != want {
			t.Fatalf("cleanPath(%q) = %v, want %v", p, got, want)
		}
	}
}

// The byte class table says what encoding/xml's name reader and the text scanner say, for every byte.
func TestCharClass(t *testing.T) {
	t.Parallel()
	for c := 0; c < 256; c++ {
		name := c >= utf8.RuneSelf || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '_' || c == ':' || c == '.' || c == '-'
		if got := charClass[c]&className != 0; got != name {
			t.Errorf("byte %#x: name %v, want %v", c, got, name)
		}
		if got := charClass[c]&classColon != 0; got != (c == ':') {
			t.Errorf("byte %#x: colon %v", c, got)
		}
		if got := charClass[c]&classText != 0; got != (c == '<' || c == '&' || c == '\r') {
			t.Errorf("byte %#x: text stop %v", c, got)
		}
	}
}

// The fast date path agrees with time.Parse on every day number of every month, in leap and common years.
func TestFastHTTPTimeCalendar(t *testing.T) {
	t.Parallel()
	for _, year := range []int{0, 1, 4, 1600, 1900, 1969, 1970, 1999, 2000, 2023, 2024, 2100, 9999} {
		for month := time.January; month <= time.December; month++ {
			for day := 0; day <= 32; day++ {
				s := fmt.Sprintf("Mon, %02d %s %04d 23:59:59 GMT", day, month.String()[:3], year)
				want, werr := time.Parse(httpTimeLayout, s)
				got, ok := fastHTTPTime([]byte(s))
				if ok != (werr == nil) || ok && !got.Equal(want) {
					t.Errorf("%s: fast %v %v, time.Parse %v %v", s, got, ok, want, werr)
				}
			}
		}
	}
}

// FuzzParseMultistatus holds the scanner to encoding/xml: whenever the reference accepts a document, the scanner
// must return the same entries, whatever the read sizes; and the scanner never panics.
func FuzzParseMultistatus(f *testing.F) {
	f.Add([]byte(nextcloudListing("/", "/", []listingItem{{name: "a b", dir: true}, {name: "c#d.txt", size: 5}})))
	f.Add([]byte(`<D:multistatus xmlns:D="DAV:"><D:response><D:href>/x</D:href><D:propstat><D:prop>` +
		`<size xmlns="http://owncloud.org/ns">3</size></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>` +
		`</D:response></D:multistatus>`))
	f.Add([]byte(`<!DOCTYPE a [<!-- x -->]><m:multistatus xmlns:m="DAV:"><m:response><m:href><![CDATA[/y]]></m:href></m:response></m:multistatus>`))
	f.Add([]byte(rebindingSeed))
	f.Fuzz(checkAgainstReference)
}

// rebindingSeed repeats one response shape with prefixes rebound in between, so that mutations reach the start
// tag memo's hits and its invalidation.
const rebindingSeed = `<d:multistatus xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">` +
	`<d:response><d:href>/a</d:href><d:propstat><d:prop><d:getetag>1</d:getetag><oc:size>1</oc:size></d:prop>` +
	`<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>` +
	`<d:response><d:href>/b</d:href><d:propstat xmlns:oc="urn:x"><d:prop><d:getetag>2</d:getetag><oc:size>2</oc:size>` +
	`</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>` +
	`<d:response><d:href>/c</d:href><d:propstat><d:prop><d:getetag>3</d:getetag><oc:size/></d:prop>` +
	`<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>`

// checkAgainstReference holds the scanner to encoding/xml on data: whenever the reference accepts a document, the
// scanner returns the same entries, whatever the read sizes; it never panics, and never accepts a document the
// reference finds truncated.
func checkAgainstReference(t *testing.T, data []byte) {
	lean, _, lerr := parseMultistatus(bytes.NewReader(data), &hrefMapper{root: "/"}, int64(len(data)))
	slow, _, serr := parseMultistatus(iotest.OneByteReader(bytes.NewReader(data)), &hrefMapper{root: "/"}, 0)
	if (lerr == nil) != (serr == nil) || lerr == nil && !sameEntries(lean, slow) {
		t.Fatalf("read size changes the result: %v / %v", lerr, serr)
	}
	ref, rerr := refParseMultistatus(data, &hrefMapper{root: "/"})
	if rerr == nil {
		if lerr != nil {
			t.Fatalf("reference accepts, scanner says %v", lerr)
		}
		if !sameEntries(lean, ref) {
			t.Fatalf("entries differ:\nlean %+v\nref  %+v", lean, ref)
		}
		return
	}
	if lerr == nil && strings.Contains(rerr.Error(), "unexpected EOF") {
		t.Fatalf("reference sees a truncated document (%v), scanner accepted it", rerr)
	}
}

// sameEntries compares listings, an empty one equal to none.
func sameEntries(a, b []Entry) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}

// BenchmarkParseMultistatus200 parses a 200-entry folder (the load test's size) in the two shapes: Nextcloud's
// (prefixes bound once on the root) and golang.org/x/net/webdav's (the test cloud's: a namespace bound on every
// ownCloud and Nextcloud property).
func BenchmarkParseMultistatus200(b *testing.B) {
	for _, shape := range []struct {
		name string
		data []byte
	}{
		{"nextcloud", nextcloudListing(testRoot, "/Docs", bigListing(200))},
		{"xnet", xnetListing(testRoot, "/Docs", bigListing(200))},
	} {
		b.Run(shape.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(shape.data)))
			for b.Loop() {
				entries, _, err := parseMultistatus(bytes.NewReader(shape.data), &hrefMapper{root: testRoot},
					int64(len(shape.data)))
				if err != nil || len(entries) != 201 {
					b.Fatal(err, len(entries))
				}
			}
		})
	}
}

func BenchmarkParseMultistatus10000(b *testing.B) {
	data := nextcloudListing(testRoot, "/big", bigListing(10000))
	b.Run("lean", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			entries, _, err := parseMultistatus(bytes.NewReader(data), &hrefMapper{root: testRoot}, int64(len(data)))
			if err != nil || len(entries) != 10001 {
				b.Fatal(err, len(entries))
			}
		}
	})
	b.Run("encoding-xml", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			entries, err := refParseMultistatus(data, &hrefMapper{root: testRoot})
			if err != nil || len(entries) != 10001 {
				b.Fatal(err, len(entries))
			}
		}
	})
}

// TestEntryBlocksReuse: the blocks a listing grew through are kept, emptied, for the next one, and a listing
// handed over never shares memory with a block kept or taken later: listings read one after the other keep
// their entries, whether they were copied out of blocks or handed over as their one block.
func TestEntryBlocksReuse(t *testing.T) {
	t.Parallel()
	var b entryBlocks
	listing := func(tag string, n int) []Entry {
		b.reset()
		for i := range n {
			b.add(Entry{Path: fmt.Sprintf("/%s/%d", tag, i), Size: int64(i)})
		}
		return b.slice()
	}
	check := func(name string, got []Entry, tag string, n int) {
		t.Helper()
		if len(got) != n {
			t.Fatalf("%s: %d entries, want %d", name, len(got), n)
		}
		for i, e := range got {
			if e.Path != fmt.Sprintf("/%s/%d", tag, i) || e.Size != int64(i) {
				t.Fatalf("%s: entry %d is %+v", name, i, e)
			}
		}
	}
	a := listing("a", 200)
	for k, blk := range b.spare {
		if cap(blk) != firstEntryBlock<<k || len(blk) != 0 {
			t.Fatalf("spare block %d: len %d cap %d", k, len(blk), cap(blk))
		}
		for _, e := range blk[:cap(blk)] {
			if e != (Entry{}) {
				t.Fatalf("spare block %d keeps an entry: %+v", k, e)
			}
		}
	}
	if len(b.spare) != 4 {
		t.Fatalf("%d spare blocks, want 4 (16 to 128 entries)", len(b.spare))
	}
	small := listing("s", 14) // one block of 16, handed over as it is
	c := listing("c", 200)
	d := listing("d", 100)
	check("a", a, "a", 200)
	check("small", small, "s", 14)
	check("c", c, "c", 200)
	check("d", d, "d", 100)
}
