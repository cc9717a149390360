package cloud

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"time"
)

// The reference parser: encoding/xml struct unmarshalling of the same multistatus, feeding the same entry builder
// as the scanner. The fuzz target and the tests hold the scanner to it.

type refMultistatus struct {
	XMLName   xml.Name      `xml:"DAV: multistatus"`
	Responses []refResponse `xml:"DAV: response"`
}

type refResponse struct {
	Href     *string       `xml:"DAV: href"`
	Propstat []refPropstat `xml:"DAV: propstat"`
}

type refPropstat struct {
	Prop   refProp `xml:"DAV: prop"`
	Status string  `xml:"DAV: status"`
}

type refProp struct {
	LastModified  *string          `xml:"DAV: getlastmodified"`
	ContentLength *string          `xml:"DAV: getcontentlength"`
	ContentType   *string          `xml:"DAV: getcontenttype"`
	ResourceType  *refResourceType `xml:"DAV: resourcetype"`
	ETag          *string          `xml:"DAV: getetag"`
	FileID        *string          `xml:"http://owncloud.org/ns fileid"`
	Permissions   *string          `xml:"http://owncloud.org/ns permissions"`
	Size          *string          `xml:"http://owncloud.org/ns size"`
	HasPreview    *string          `xml:"http://nextcloud.org/ns has-preview"`
}

type refResourceType struct {
	Collection *struct{} `xml:"DAV: collection"`
}

// refParseMultistatus parses data with encoding/xml.
func refParseMultistatus(data []byte, m *hrefMapper) ([]Entry, error) {
	if err := refLimits(data); err != nil {
		return nil, err
	}
	var ms refMultistatus
	if err := xml.Unmarshal(data, &ms); err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(ms.Responses))
	for _, r := range ms.Responses {
		var e rawEntry
		if r.Href != nil {
			e.href = []byte(*r.Href)
			e.hasHref = true
		}
		for _, ps := range r.Propstat {
			var raw rawPropstat
			raw.status = []byte(ps.Status)
			set := func(i int, v *string) {
				if v != nil {
					raw.val[i] = []byte(*v)
					raw.has[i] = true
				}
			}
			set(propLastModified, ps.Prop.LastModified)
			set(propContentLength, ps.Prop.ContentLength)
			set(propContentType, ps.Prop.ContentType)
			set(propETag, ps.Prop.ETag)
			set(propFileID, ps.Prop.FileID)
			set(propPermissions, ps.Prop.Permissions)
			set(propSize, ps.Prop.Size)
			set(propHasPreview, ps.Prop.HasPreview)
			if ps.Prop.ResourceType != nil {
				raw.resType = true
				raw.collection = ps.Prop.ResourceType.Collection != nil
			}
			raw.commit(&e)
		}
		ent, err := m.build(&e)
		if err != nil {
			return nil, err
		}
		out = append(out, ent)
	}
	return out, nil
}

// refLimits applies the scanner's limits on nesting and namespace declarations, which encoding/xml does not have.
func refLimits(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	var scope []int // namespace declarations per open element
	total := 0
	for {
		tok, err := d.RawToken()
		if err != nil {
			return nil // a syntax error is xml.Unmarshal's to report
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := 0
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
					n++
				}
			}
			if len(scope) >= msMaxDepth {
				return fmt.Errorf("elements nested too deeply")
			}
			if total+n > msMaxBindings {
				return fmt.Errorf("too many namespace declarations")
			}
			scope = append(scope, n)
			total += n
		case xml.EndElement:
			if len(scope) > 0 {
				total -= scope[len(scope)-1]
				scope = scope[:len(scope)-1]
			}
		}
	}
}

// listingItem is one entry of a generated listing.
type listingItem struct {
	name string
	dir  bool
	size int64
}

// nextcloudListing renders a multistatus the way Nextcloud answers a Depth 1 PROPFIND with the listing's
// properties: the folder first, folders with a 404 propstat for length and type, etags quoted as &quot;, hrefs
// with lowercase percent-escapes.
func nextcloudListing(rootPath, dir string, items []listingItem) []byte {
	var b bytes.Buffer
	b.Grow(600 * (len(items) + 1))
	b.WriteString(`<?xml version="1.0"?>` + "\n")
	b.WriteString(`<d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">`)
	mod := time.Date(2024, 5, 14, 9, 12, 44, 0, time.UTC)
	writeEntry := func(href string, it listingItem, id int) {
		b.WriteString(`<d:response><d:href>`)
		b.WriteString(href)
		b.WriteString(`</d:href><d:propstat><d:prop><d:getlastmodified>`)
		b.WriteString(mod.Add(time.Duration(id) * time.Minute).Format(httpTimeLayout))
		b.WriteString(`</d:getlastmodified>`)
		if !it.dir {
			fmt.Fprintf(&b, `<d:getcontentlength>%d</d:getcontentlength><d:getcontenttype>%s</d:getcontenttype>`,
				it.size, contentTypeOf(it.name))
		}
		if it.dir {
			b.WriteString(`<d:resourcetype><d:collection/></d:resourcetype>`)
			fmt.Fprintf(&b, `<d:getetag>&quot;%013x&quot;</d:getetag>`, 0x6643295c8e0b1+id)
		} else {
			b.WriteString(`<d:resourcetype/>`)
			fmt.Fprintf(&b, `<d:getetag>&quot;%032x&quot;</d:getetag>`, 0x5c1f0a9e33+id*7919)
		}
		perm := "RGDNVW"
		if it.dir {
			perm = "RGDNVCK"
		}
		fmt.Fprintf(&b, `<oc:fileid>%d</oc:fileid><oc:permissions>%s</oc:permissions><oc:size>%d</oc:size>`,
			1000+id, perm, it.size)
		fmt.Fprintf(&b, `<nc:has-preview>%t</nc:has-preview>`, !it.dir && strings.HasSuffix(it.name, ".jpg"))
		b.WriteString(`</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>`)
		if it.dir {
			b.WriteString(`<d:propstat><d:prop><d:getcontentlength/><d:getcontenttype/></d:prop>` +
				`<d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>`)
		}
		b.WriteString(`</d:response>`)
	}
	eachListed(rootPath, dir, items, writeEntry)
	b.WriteString(`</d:multistatus>` + "\n")
	return b.Bytes()
}

const httpTimeLayout = "Mon, 02 Jan 2006 15:04:05 GMT"

// eachListed calls write for what a listing of dir holds, in the servers' order: the folder itself (its size the
// sum of its items'), then each item, with its href as the server writes it and its id (0 for the folder).
func eachListed(rootPath, dir string, items []listingItem, write func(href string, it listingItem, id int)) {
	dirHref := rootPath + sabreEscape(strings.Trim(dir, "/"))
	if !strings.HasSuffix(dirHref, "/") {
		dirHref += "/"
	}
	var total int64
	for _, it := range items {
		total += it.size
	}
	write(dirHref, listingItem{dir: true, size: total}, 0)
	for i, it := range items {
		href := dirHref + sabreEscape(it.name)
		if it.dir {
			href += "/"
		}
		write(href, it, i+1)
	}
}

// sabreEscape escapes a path like Sabre: each segment rawurlencoded, lowercase hex.
func sabreEscape(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		var b strings.Builder
		for j := 0; j < len(s); j++ {
			c := s[j]
			if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' ||
				c == '.' || c == '~' {
				b.WriteByte(c)
				continue
			}
			fmt.Fprintf(&b, "%%%02x", c)
		}
		segs[i] = b.String()
	}
	return strings.Join(segs, "/")
}

func contentTypeOf(name string) string {
	switch {
	case strings.HasSuffix(name, ".jpg"):
		return "image/jpeg"
	case strings.HasSuffix(name, ".pdf"):
		return "application/pdf"
	}
	return "text/plain"
}

// bigListing makes n items: every tenth a folder, some pictures and documents.
func bigListing(n int) []listingItem {
	items := make([]listingItem, n)
	for i := range items {
		switch {
		case i%10 == 9:
			items[i] = listingItem{name: fmt.Sprintf("folder-%05d", i), dir: true, size: int64(i) * 1000}
		case i%10 == 3:
			items[i] = listingItem{name: fmt.Sprintf("photo %05d.jpg", i), size: int64(i)*37 + 2048}
		case i%10 == 5:
			items[i] = listingItem{name: fmt.Sprintf("report-%05d.pdf", i), size: int64(i)*91 + 4096}
		default:
			items[i] = listingItem{name: fmt.Sprintf("file-%05d.txt", i), size: int64(i % 977)}
		}
	}
	return items
}

// xnetListing renders a multistatus the way golang.org/x/net/webdav answers the same PROPFIND (the test cloud,
// and so the load test, serve this shape): the D: prefix bound on the root and again on every collection
// element, the ownCloud and Nextcloud properties each binding the default namespace for itself, etags quoted
// with plain '"', empty elements written with an end tag, a 404 propstat for a folder's length and type.
func xnetListing(rootPath, dir string, items []listingItem) []byte {
	var b bytes.Buffer
	b.Grow(650 * (len(items) + 1))
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><D:multistatus xmlns:D="DAV:">`)
	mod := time.Date(2024, 5, 14, 9, 12, 44, 0, time.UTC)
	writeEntry := func(href string, it listingItem, id int) {
		b.WriteString(`<D:response><D:href>`)
		b.WriteString(href)
		b.WriteString(`</D:href><D:propstat><D:prop><D:getlastmodified>`)
		b.WriteString(mod.Add(time.Duration(id) * time.Minute).Format(httpTimeLayout))
		b.WriteString(`</D:getlastmodified>`)
		if it.dir {
			b.WriteString(`<D:resourcetype><D:collection xmlns:D="DAV:"/></D:resourcetype>`)
		} else {
			fmt.Fprintf(&b, `<D:getcontentlength>%d</D:getcontentlength><D:getcontenttype>%s</D:getcontenttype>`,
				it.size, contentTypeOf(it.name))
			b.WriteString(`<D:resourcetype></D:resourcetype>`)
		}
		fmt.Fprintf(&b, `<D:getetag>"%013x"</D:getetag>`, 0x18ee9d8bd2c69+id)
		perm := "RGDNVW"
		if it.dir {
			perm = "RGDNVCK"
		}
		fmt.Fprintf(&b, `<fileid xmlns="http://owncloud.org/ns">%d</fileid>`+
			`<permissions xmlns="http://owncloud.org/ns">%s</permissions><size xmlns="http://owncloud.org/ns">%d</size>`,
			100+id, perm, it.size)
		fmt.Fprintf(&b, `<has-preview xmlns="http://nextcloud.org/ns">%t</has-preview>`, !it.dir)
		b.WriteString(`</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>`)
		if it.dir {
			b.WriteString(`<D:propstat><D:prop><D:getcontentlength></D:getcontentlength>` +
				`<D:getcontenttype></D:getcontenttype></D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>`)
		}
		b.WriteString(`</D:response>`)
	}
	eachListed(rootPath, dir, items, writeEntry)
	b.WriteString(`</D:multistatus>`)
	return b.Bytes()
}
