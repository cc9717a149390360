package cloudtest

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"golang.org/x/net/webdav"
)

// Reasons the auth backends give, joined the way Sabre's auth plugin joins them.
const (
	reasonNoPublic  = "No public access to this resource."
	reasonNoBearer  = "No 'Authorization: Bearer' header found. Either the client didn't send one, or the server is mis-configured"
	reasonBadBearer = "Bearer token was incorrect"
	reasonNoBasic   = "No 'Authorization: Basic' header found. Either the client didn't send one, or the server is mis-configured"
	reasonBadBasic  = "Username or password was incorrect"
)

// serveWebDAV serves remote.php/webdav/ and remote.php/dav/.
func (s *Server) serveWebDAV(w http.ResponseWriter, r *http.Request, rel string) {
	uid, kind, ok := s.authenticate(r)
	if !ok {
		s.davUnauthorized(w, kind, r.Header.Get("Authorization") != "")
		return
	}
	if rest, ok := strings.CutPrefix(rel, "remote.php/webdav"); ok && (rest == "" || rest[0] == '/') {
		if s.serveDAVPreview(w, r, &davFS{s: s, home: uid}, s.base+"remote.php/webdav") {
			return
		}
		s.davServe(w, r, &davFS{s: s, home: uid}, s.base+"remote.php/webdav", "u:"+uid)
		return
	}
	rest := strings.TrimPrefix(strings.TrimPrefix(rel, "remote.php/dav"), "/")
	switch {
	case rest == "" || rest == "files" || rest == "files/":
		if r.Method == "SEARCH" && rest == "" {
			s.serveSearch(w, r, uid)
			return
		}
		if r.Method == "PROPFIND" {
			s.writeBareCollection(w, r, r.URL.Path)
			return
		}
		s.sabreError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "Method "+r.Method+" is not allowed on this collection")
		return
	case strings.HasPrefix(rest, "files/"):
		owner, sub, _ := strings.Cut(strings.TrimPrefix(rest, "files/"), "/")
		if owner != uid {
			// Another user's files are not in this principal's tree: the root shows as a bare collection.
			if r.Method == "PROPFIND" && strings.Trim(sub, "/") == "" {
				s.writeBareCollection(w, r, r.URL.Path)
				return
			}
			s.sabreError(w, http.StatusNotFound, "NotFound", "File with name "+strings.TrimPrefix(rest, "files/")+" could not be located")
			return
		}
		if s.serveDAVPreview(w, r, &davFS{s: s, home: uid}, s.base+"remote.php/dav/files/"+owner) {
			return
		}
		s.davServe(w, r, &davFS{s: s, home: uid}, s.base+"remote.php/dav/files/"+owner, "u:"+uid)
		return
	}
	s.sabreError(w, http.StatusNotFound, "NotFound", "File with name "+rest+" could not be located")
}

// davUnauthorized answers a WebDAV request without valid credentials.
func (s *Server) davUnauthorized(w http.ResponseWriter, kind authKind, sent bool) {
	reasons := []string{reasonNoPublic, reasonNoBearer, reasonNoBasic}
	switch {
	case kind == authBearer:
		reasons[1] = reasonBadBearer
	case kind == authBasic:
		reasons[2] = reasonBadBasic
	case sent:
		// An Authorization header of an unknown scheme is neither Bearer nor Basic.
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="`+s.productName()+`"`)
	s.sabreError(w, http.StatusUnauthorized, "NotAuthenticated", strings.Join(reasons, ", "))
}

// sabreError writes a Sabre-style XML error body.
func (s *Server) sabreError(w http.ResponseWriter, status int, exception, message string) {
	body := sabreErrorBody(exception, message)
	h := w.Header()
	h.Set("Content-Type", "application/xml; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func sabreErrorBody(exception, message string) string {
	if !strings.Contains(exception, `\`) {
		exception = `Sabre\DAV\Exception\` + exception
	}
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:error xmlns:d=\"DAV:\" xmlns:s=\"http://sabredav.org/ns\">\n  <s:exception>")
	_ = xml.EscapeText(&b, []byte(exception))
	b.WriteString("</s:exception>\n  <s:message>")
	_ = xml.EscapeText(&b, []byte(message))
	b.WriteString("</s:message>\n</d:error>\n")
	return b.String()
}

// sabreException names the exception Sabre throws for a status.
func sabreException(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "BadRequest"
	case http.StatusUnauthorized:
		return "NotAuthenticated"
	case http.StatusForbidden:
		return "Forbidden"
	case http.StatusNotFound:
		return "NotFound"
	case http.StatusMethodNotAllowed:
		return "MethodNotAllowed"
	case http.StatusConflict:
		return "Conflict"
	case http.StatusPreconditionFailed:
		return "PreconditionFailed"
	case http.StatusUnsupportedMediaType:
		return "UnsupportedMediaType"
	case http.StatusRequestedRangeNotSatisfiable:
		return "RequestedRangeNotSatisfiable"
	case webdav.StatusLocked:
		return "Locked"
	case http.StatusNotImplemented:
		return "NotImplemented"
	case http.StatusBadGateway:
		return `OCA\DAV\Connector\Sabre\Exception\BadGateway`
	case webdav.StatusInsufficientStorage:
		return "InsufficientStorage"
	}
	return `Sabre\DAV\Exception`
}

// davServe serves one space through x/net/webdav, after the checks and answers where Nextcloud differs.
func (s *Server) davServe(w http.ResponseWriter, r *http.Request, d *davFS, prefix, lockKey string) {
	reqPath := cleanPath(strings.TrimPrefix(r.URL.Path, prefix))
	ctx := r.Context()
	dw := &davWriter{ResponseWriter: w, s: s, method: r.Method, reqPath: reqPath}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
		in, ok := d.stat(reqPath)
		if !ok {
			s.sabreError(w, http.StatusNotFound, "NotFound", "File with name "+strings.TrimPrefix(reqPath, "/")+" could not be located")
			return
		}
		if in.dir {
			s.render(w, http.StatusOK, "davfolder", struct{ Title, Product string }{"WebDAV", s.productName()})
			return
		}
		h := w.Header()
		h.Set("Content-Type", in.ctype)
		h.Set("Content-Disposition", contentDisposition(in.name))
		h.Set("OC-ETag", `"`+in.etag+`"`)
		h.Set("OC-FileId", fmt.Sprintf("%08d%s", in.id, s.instanceID()))
		h.Set("X-Content-Type-Options", "nosniff")
	case http.MethodPut, "MKCOL", http.MethodDelete, "COPY", "MOVE":
		status, exception, msg, existed := d.precheck(r, prefix, reqPath)
		if status != 0 {
			s.sabreError(w, status, exception, msg)
			return
		}
		dw.existed = existed
		if r.Method == "COPY" || r.Method == "MOVE" {
			if r.Header.Get("Overwrite") == "" {
				r.Header.Set("Overwrite", "T")
			}
		}
	case "PROPFIND":
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			s.sabreError(w, http.StatusBadRequest, "BadRequest", "The request body could not be read")
			return
		}
		ctx = context.WithValue(ctx, propRequestKey, parsePropRequest(body))
		r.Body = io.NopCloser(bytes.NewReader(body))
		d.snapshot = map[string]snapEntry{}
	case http.MethodOptions, "LOCK", "UNLOCK", "PROPPATCH":
	case "SEARCH", "REPORT":
		s.sabreError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", r.Method+" is not allowed here")
		return
	default:
		s.sabreError(w, http.StatusNotImplemented, "NotImplemented",
			"There was no plugin in the system that was willing to handle this "+r.Method+" method.")
		return
	}
	h := &webdav.Handler{Prefix: prefix, FileSystem: d, LockSystem: s.lockSystem(lockKey)}
	h.ServeHTTP(dw, r.WithContext(ctx))
	dw.finish()
}

// stat snapshots one path.
func (d *davFS) stat(p string) (info, bool) {
	d.s.mu.RLock()
	defer d.s.mu.RUnlock()
	r, err := d.resolveLocked(p)
	if err != nil {
		return info{}, false
	}
	return d.s.infoLocked(r, d.nameOf(r, p)), true
}

// precheck answers what Nextcloud answers before a write: missing parents, existing targets, permissions.
// A zero status means go ahead; existed reports whether the target existed (PUT answers 204 then).
func (d *davFS) precheck(r *http.Request, prefix, src string) (status int, exception, msg string, existed bool) {
	d.s.mu.RLock()
	defer d.s.mu.RUnlock()
	name := strings.TrimPrefix(src, "/")
	notFound := func() (int, string, string, bool) {
		return http.StatusNotFound, "NotFound", "File with name " + name + " could not be located", false
	}
	forbidden := func(m string) (int, string, string, bool) {
		return http.StatusForbidden, "Forbidden", m, false
	}
	sr, serr := d.resolveLocked(src)
	switch r.Method {
	case http.MethodPut:
		if serr == nil {
			if sr.n.dir {
				return http.StatusConflict, "Conflict", "PUT is not allowed on non-files.", false
			}
			if sr.perm&permUpdate == 0 {
				return forbidden("Could not write file " + name + ": no permission")
			}
			return 0, "", "", true
		}
		parent, _, err := d.parentLocked(src)
		if err != nil {
			return http.StatusConflict, "Conflict", "Files can only be created as children of collections", false
		}
		if parent.perm&permCreate == 0 {
			return forbidden("Could not create file " + name + ": no permission")
		}
	case "MKCOL":
		if serr == nil {
			return http.StatusMethodNotAllowed, "MethodNotAllowed", "The resource you tried to create already exists", false
		}
		parent, _, err := d.parentLocked(src)
		if err != nil {
			return http.StatusConflict, "Conflict", "Parent node does not exist", false
		}
		if parent.perm&permCreate == 0 {
			return forbidden("Could not create folder " + name + ": no permission")
		}
	case http.MethodDelete:
		if serr != nil {
			return notFound()
		}
		if src == "/" {
			return forbidden("The root of a user's files cannot be deleted")
		}
		if sr.mountRoot == nil && sr.perm&permDelete == 0 {
			return forbidden("Could not delete " + name + ": no permission")
		}
	case "COPY", "MOVE":
		if serr != nil {
			return notFound()
		}
		dest := r.Header.Get("Destination")
		u, err := url.Parse(dest)
		if dest == "" || err != nil {
			return http.StatusBadRequest, "BadRequest", "The destination header was not supplied or is invalid", false
		}
		if u.Host != "" && u.Host != r.Host {
			return http.StatusBadGateway, sabreException(http.StatusBadGateway), "The destination node is not on this server", false
		}
		rest, ok := strings.CutPrefix(u.Path, prefix)
		if !ok || (rest != "" && rest[0] != '/') {
			return http.StatusBadGateway, sabreException(http.StatusBadGateway), "The destination node is not in this tree", false
		}
		dst := cleanPath(rest)
		if dst == src {
			return forbidden("Source and destination uri are identical.")
		}
		if dst == "/" || strings.HasPrefix(dst, strings.TrimSuffix(src, "/")+"/") {
			return http.StatusConflict, "Conflict", "The destination may not be part of the source path", false
		}
		if r.Method == "MOVE" && src == "/" {
			return forbidden("The root of a user's files cannot be moved")
		}
		parent, _, err := d.parentLocked(dst)
		if err != nil {
			return http.StatusConflict, "Conflict", "The destination node is not found", false
		}
		dr, derr := d.resolveLocked(dst)
		exists := derr == nil
		if exists && strings.EqualFold(r.Header.Get("Overwrite"), "F") {
			return http.StatusPreconditionFailed, "PreconditionFailed",
				"The destination node already exists, and the overwrite header is set to false", false
		}
		if exists {
			// Replacing a received share needs its update permission; anything else needs delete.
			if dr.mountRoot != nil && dr.perm&permUpdate == 0 || dr.mountRoot == nil && dr.perm&permDelete == 0 {
				return forbidden("Could not overwrite " + strings.TrimPrefix(dst, "/") + ": no permission")
			}
		}
		if r.Method == "MOVE" {
			if err := d.s.checkMoveLocked(sr, parent); err != nil {
				return forbidden("Could not move " + name + ": no permission")
			}
		} else if parent.perm&permCreate == 0 {
			return forbidden("Could not copy to " + strings.TrimPrefix(dst, "/") + ": no permission")
		}
		return 0, "", "", exists
	}
	return 0, "", "", false
}

// parsePropRequest reads what a PROPFIND body asks for: all properties (allprop, or an empty body) or a list.
func parsePropRequest(body []byte) *propRequest {
	if len(bytes.TrimSpace(body)) == 0 {
		return &propRequest{allprop: true}
	}
	var pf struct {
		Allprop *struct{} `xml:"DAV: allprop"`
		Prop    struct {
			Any []struct{ XMLName xml.Name } `xml:",any"`
		} `xml:"DAV: prop"`
	}
	if err := xml.Unmarshal(body, &pf); err != nil || pf.Allprop != nil {
		return &propRequest{allprop: true}
	}
	pr := &propRequest{names: make(map[xmlName]bool, len(pf.Prop.Any))}
	for _, a := range pf.Prop.Any {
		pr.names[xmlName{a.XMLName.Space, a.XMLName.Local}] = true
	}
	return pr
}

// contentDisposition is the attachment header Nextcloud sends.
func contentDisposition(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	return "attachment; filename*=UTF-8''" + url.PathEscape(name) + `; filename="` + ascii + `"`
}

// davWriter adjusts what x/net/webdav writes to what Nextcloud sends: hrefs percent-encoded like Sabre, empty
// bodies for 201/204, Sabre XML error bodies.
type davWriter struct {
	http.ResponseWriter
	s           *Server
	method      string
	reqPath     string
	existed     bool
	wroteHeader bool
	swallow     bool
	href        *hrefRewriter
}

func (d *davWriter) WriteHeader(code int) {
	if d.wroteHeader {
		return
	}
	d.wroteHeader = true
	h := d.Header()
	switch {
	case code == webdav.StatusMulti:
		h.Set("Content-Type", "application/xml; charset=utf-8")
		d.href = &hrefRewriter{w: d.ResponseWriter}
	case code >= 400:
		d.swallow = true
		h.Del("Content-Length")
		h.Del("X-Content-Type-Options")
		h.Del("Content-Disposition")
		body := sabreErrorBody(sabreException(code), davMessage(code, d.method, d.reqPath))
		h.Set("Content-Type", "application/xml; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		d.ResponseWriter.WriteHeader(code)
		_, _ = io.WriteString(d.ResponseWriter, body)
		return
	case (code == http.StatusCreated || code == http.StatusNoContent) && d.method != "LOCK":
		d.swallow = true
		if d.method == http.MethodPut && d.existed {
			code = http.StatusNoContent
		}
		h.Set("Content-Type", "text/html; charset=UTF-8")
		if code == http.StatusCreated {
			h.Set("Content-Length", "0")
		}
	}
	d.ResponseWriter.WriteHeader(code)
}

func (d *davWriter) Write(p []byte) (int, error) {
	if !d.wroteHeader {
		d.WriteHeader(http.StatusOK)
	}
	if d.swallow {
		return len(p), nil
	}
	if d.href != nil {
		return d.href.Write(p)
	}
	return d.ResponseWriter.Write(p)
}

// finish writes what the href rewriter still holds.
func (d *davWriter) finish() {
	if d.href != nil {
		d.href.flush()
	}
}

func (d *davWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }

// davMessage is the Sabre message for an error x/net/webdav reported.
func davMessage(code int, method, reqPath string) string {
	name := strings.TrimPrefix(reqPath, "/")
	switch code {
	case http.StatusNotFound:
		return "File with name " + name + " could not be located"
	case http.StatusMethodNotAllowed:
		return method + " is not allowed on " + name
	case http.StatusConflict:
		return "Parent node does not exist"
	case http.StatusPreconditionFailed:
		return "The destination node already exists, and the overwrite header is set to false"
	case http.StatusForbidden:
		return "Access to " + name + " is forbidden"
	case http.StatusRequestedRangeNotSatisfiable:
		return "The start offset is greater than the size of the file"
	case webdav.StatusLocked:
		return name + " is locked"
	}
	return http.StatusText(code)
}

// hrefRewriter re-encodes the text of every <D:href> element of a multistatus stream the way Sabre encodes
// paths (lowercase escapes; only A-Z a-z 0-9 _ - . ~ ( ) / : @ left as they are).
type hrefRewriter struct {
	w       io.Writer
	pending []byte
	err     error
}

// The href element as x/net/webdav writes it.
const (
	hrefOpen  = "<D:href>"
	hrefClose = "</D:href>"
)

func (h *hrefRewriter) Write(p []byte) (int, error) {
	if h.err != nil {
		return 0, h.err
	}
	h.pending = append(h.pending, p...)
	for {
		i := bytes.Index(h.pending, []byte(hrefOpen))
		if i < 0 {
			keep := len(hrefOpen) - 1
			if len(h.pending) > keep {
				h.out(h.pending[:len(h.pending)-keep])
				h.pending = append(h.pending[:0], h.pending[len(h.pending)-keep:]...)
			}
			break
		}
		start := i + len(hrefOpen)
		j := bytes.Index(h.pending[start:], []byte(hrefClose))
		if j < 0 {
			h.out(h.pending[:i])
			h.pending = append(h.pending[:0], h.pending[i:]...)
			break
		}
		h.out(h.pending[:start])
		h.out([]byte(sabreHref(string(h.pending[start : start+j]))))
		h.out([]byte(hrefClose))
		h.pending = append(h.pending[:0], h.pending[start+j+len(hrefClose):]...)
	}
	return len(p), h.err
}

func (h *hrefRewriter) out(b []byte) {
	if h.err == nil && len(b) > 0 {
		_, h.err = h.w.Write(b)
	}
}

func (h *hrefRewriter) flush() {
	h.out(h.pending)
	h.pending = nil
}

// sabreHref re-encodes an href Go escaped (and XML escaped).
func sabreHref(escaped string) string {
	p, err := url.PathUnescape(html.UnescapeString(escaped))
	if err != nil {
		return escaped
	}
	return sabreEncodePath(p)
}

// sabreEncodePath percent-encodes a path as Sabre does.
func sabreEncodePath(p string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(p) + 8)
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '_', c == '-', c == '.', c == '~', c == '(', c == ')', c == '/', c == ':', c == '@':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// writeBareCollection answers a PROPFIND with a collection that has nothing but its resource type (another
// user's root, the dav root).
func (s *Server) writeBareCollection(w http.ResponseWriter, r *http.Request, href string) {
	names := requestedProps(r)
	if !strings.HasSuffix(href, "/") {
		href += "/"
	}
	ms := newMultistatus()
	found := []propValue{}
	var missing []xmlName
	for _, n := range names {
		if n == (xmlName{nsDAV, "resourcetype"}) {
			found = append(found, propValue{n, "<d:collection/>"})
		} else {
			missing = append(missing, n)
		}
	}
	if len(names) == 0 {
		found = append(found, propValue{xmlName{nsDAV, "resourcetype"}, "<d:collection/>"})
	}
	ms.response(sabreEncodePath(href), found, missing)
	ms.write(w)
}

// requestedProps reads the property names of a PROPFIND body (none for allprop or an empty body).
func requestedProps(r *http.Request) []xmlName {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil
	}
	var pf struct {
		Prop struct {
			Any []struct{ XMLName xml.Name } `xml:",any"`
		} `xml:"DAV: prop"`
	}
	if xml.Unmarshal(body, &pf) != nil {
		return nil
	}
	out := make([]xmlName, 0, len(pf.Prop.Any))
	for _, a := range pf.Prop.Any {
		out = append(out, xmlName{a.XMLName.Space, a.XMLName.Local})
	}
	return out
}

// propValue is a found property and its inner XML.
type propValue struct {
	name  xmlName
	inner string
}

// multistatus builds a 207 body with Nextcloud's prefixes (d:, oc:, nc:).
type multistatus struct {
	buf bytes.Buffer
}

func newMultistatus() *multistatus {
	m := &multistatus{}
	m.buf.WriteString(`<?xml version="1.0"?>` + "\n" +
		`<d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">`)
	return m
}

// qname returns the prefixed name of a property and, for a foreign namespace, its declaration.
func qname(n xmlName) (string, string) {
	switch n.Space {
	case nsDAV:
		return "d:" + n.Local, ""
	case nsOC:
		return "oc:" + n.Local, ""
	case nsNC:
		return "nc:" + n.Local, ""
	case "":
		return n.Local, ""
	}
	return "x1:" + n.Local, ` xmlns:x1="` + xmlEscape(n.Space) + `"`
}

func (m *multistatus) response(href string, found []propValue, missing []xmlName) {
	m.buf.WriteString("<d:response><d:href>")
	m.buf.WriteString(href)
	m.buf.WriteString("</d:href>")
	if len(found) > 0 {
		m.buf.WriteString("<d:propstat><d:prop>")
		for _, p := range found {
			q, decl := qname(p.name)
			if p.inner == "" {
				fmt.Fprintf(&m.buf, "<%s%s/>", q, decl)
				continue
			}
			fmt.Fprintf(&m.buf, "<%s%s>%s</%s>", q, decl, p.inner, q)
		}
		m.buf.WriteString("</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>")
	}
	if len(missing) > 0 {
		m.buf.WriteString("<d:propstat><d:prop>")
		for _, n := range missing {
			q, decl := qname(n)
			fmt.Fprintf(&m.buf, "<%s%s/>", q, decl)
		}
		m.buf.WriteString("</d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>")
	}
	m.buf.WriteString("</d:response>")
}

func (m *multistatus) write(w http.ResponseWriter) {
	m.buf.WriteString("</d:multistatus>\n")
	h := w.Header()
	h.Set("Content-Type", "application/xml; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(m.buf.Len()))
	w.WriteHeader(webdav.StatusMulti)
	_, _ = w.Write(m.buf.Bytes())
}

// propOf renders one property of an entry, or false when the entry does not have it.
func (s *Server) propOf(in info, n xmlName) (string, bool) {
	switch n {
	case xmlName{nsDAV, "displayname"}:
		return xmlEscape(in.name), true
	case xmlName{nsDAV, "resourcetype"}:
		if in.dir {
			return "<d:collection/>", true
		}
		return "", true
	case xmlName{nsDAV, "getlastmodified"}:
		return lastModified(in.mtime), true
	case xmlName{nsDAV, "getetag"}:
		return `"` + in.etag + `"`, true
	case xmlName{nsDAV, "getcontentlength"}:
		if in.dir {
			return "", false
		}
		return strconv.FormatInt(in.size, 10), true
	case xmlName{nsDAV, "getcontenttype"}:
		if in.dir {
			return "", false
		}
		return xmlEscape(in.ctype), true
	case xmlName{nsDAV, "quota-used-bytes"}:
		return strconv.FormatInt(in.size, 10), in.dir
	case xmlName{nsDAV, "quota-available-bytes"}:
		return "-3", in.dir
	case xmlName{nsOC, "fileid"}:
		return strconv.FormatInt(in.id, 10), true
	case xmlName{nsOC, "id"}:
		return fmt.Sprintf("%08d%s", in.id, s.instanceID()), true
	case xmlName{nsOC, "permissions"}:
		return in.perms, true
	case xmlName{nsOC, "size"}:
		return strconv.FormatInt(in.size, 10), true
	case xmlName{nsNC, "has-preview"}:
		return strconv.FormatBool(in.hasPreview), true
	case xmlName{nsOC, "owner-id"}:
		return xmlEscape(in.owner), true
	case xmlName{nsOC, "owner-display-name"}:
		return xmlEscape(in.ownerName), true
	}
	if v, ok := in.props[n]; ok {
		return v, true
	}
	return "", false
}

// joinHref joins a folder href and a relative path.
func joinHref(prefix, rel string, dir bool) string {
	p := path.Join(prefix, rel)
	if dir && !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return sabreEncodePath(p)
}
