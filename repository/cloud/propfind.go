package cloud

// The PROPFIND listing parser.
//
// A Depth 1 listing of a big folder is megabytes of XML (about 470 bytes per entry from Nextcloud). Decoding it
// with encoding/xml into structs costs more than fetching it (hundreds of allocations per entry), so this file
// holds a purpose-built streaming scanner: it reads the body through one reusable buffer, tracks only what a
// multistatus needs (element nesting and namespace bindings), keeps the text of the nine properties the listing
// asks for, and turns each response into an Entry with one string allocation. It still checks what matters for
// trust: every element is closed by its own end tag, the document is a DAV: multistatus, entities are valid, and
// the body does not end early. A truncated or malformed body is an error, never a short listing.
//
// The semantics follow what encoding/xml struct unmarshalling gives for the same document (a reference parser in
// the tests does exactly that, and a fuzz target checks that the two agree whenever the reference accepts the
// input): properties count only from a propstat whose status is 2xx; a later propstat or a later occurrence of a
// property wins; text directly inside a property element is kept, text of nested elements is not.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
	"net/http"
	"path"
	"sync"
	"time"
	"unicode/utf8"
)

// propfindBody asks for exactly the properties a listing shows.
const propfindBody = `<?xml version="1.0" encoding="UTF-8"?>` +
	`<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns"><d:prop>` +
	propList +
	`</d:prop></d:propfind>`

// propList is the property list shared by PROPFIND and SEARCH.
const propList = `<d:getlastmodified/><d:getcontentlength/><d:getcontenttype/><d:resourcetype/><d:getetag/>` +
	`<oc:fileid/><oc:permissions/><oc:size/><nc:has-preview/>`

// Namespaces of the properties.
const (
	nsURIDAV = "DAV:"
	nsURIOC  = "http://owncloud.org/ns"
	nsURINC  = "http://nextcloud.org/ns"
)

// Limits of the scanner.
const (
	msInitialBuffer = 32 << 10
	msMaxToken      = 1 << 20 // the longest markup token or kept value
	msHeadLen       = 512     // bytes kept for error snippets
	msMaxDepth      = 256     // element nesting; a real multistatus nests about 7 deep
	msMaxBindings   = 1024    // namespace declarations in scope at once
)

// Text properties by index.
const (
	propLastModified = iota
	propContentLength
	propContentType
	propETag
	propFileID
	propPermissions
	propSize
	propHasPreview
	nProps
)

// Namespace ids.
const (
	nsOther uint8 = iota
	nsDAV
	nsOC
	nsNC
)

// Element roles. A role says what an element is in the multistatus structure; roleSkip elements and all their
// descendants are only checked for well-formedness.
const (
	roleDocument uint8 = iota // the virtual parent of the root element
	roleSkip
	roleMultistatus
	roleResponse
	roleHref
	rolePropstat
	roleProp
	roleStatus
	roleResourceType
	roleCollection
	roleValue // + property index
)

// rawEntry is one response as found in the document.
type rawEntry struct {
	href       []byte
	hasHref    bool
	val        [nProps][]byte
	has        [nProps]bool
	hasResType bool
	collection bool
}

func (e *rawEntry) reset() {
	e.href = e.href[:0]
	e.hasHref = false
	for i := range e.val {
		e.val[i] = e.val[i][:0]
		e.has[i] = false
	}
	e.hasResType = false
	e.collection = false
}

// rawPropstat is one propstat being read.
type rawPropstat struct {
	val        [nProps][]byte
	has        [nProps]bool
	status     []byte
	resType    bool
	collection bool
}

func (p *rawPropstat) reset() {
	for i := range p.val {
		p.val[i] = p.val[i][:0]
		p.has[i] = false
	}
	p.status = p.status[:0]
	p.resType = false
	p.collection = false
}

// commit moves the properties of a 2xx propstat into e.
func (p *rawPropstat) commit(e *rawEntry) {
	code := statusCode(trimSpace(p.status))
	if code < 200 || code > 299 {
		return
	}
	for i := range p.val {
		if p.has[i] {
			// The buffers change hands instead of being copied; the propstat's are emptied when it is reused.
			e.val[i], p.val[i] = p.val[i], e.val[i]
			e.has[i] = true
		}
	}
	if p.resType {
		e.hasResType = true
		e.collection = p.collection
	}
}

// trimSpace is bytes.TrimSpace, with a shortcut for values that neither start nor end with a space (the usual).
func trimSpace(b []byte) []byte {
	if len(b) == 0 || b[0] > ' ' && b[0] < utf8.RuneSelf && b[len(b)-1] > ' ' && b[len(b)-1] < utf8.RuneSelf {
		return b
	}
	return bytes.TrimSpace(b)
}

// statusCode reads the code of a status line ("HTTP/1.1 200 OK"); 0 when there is none.
func statusCode(b []byte) int {
	i := bytes.IndexByte(b, ' ')
	if i < 0 {
		return 0
	}
	b = b[i+1:]
	if len(b) < 3 || len(b) > 3 && b[3] != ' ' {
		return 0
	}
	n := 0
	for _, c := range b[:3] {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// hrefMapper turns hrefs into user-relative paths.
type hrefMapper struct {
	root    string // decoded path of the WebDAV root, with a trailing slash
	altRoot string // the same relative to the server's base path, for proxies that hide a sub-path; "" if none
	buf     []byte
	scratch []byte
	strs    map[string]string // interned content types and permissions
	recent  [8]string         // the strings interned last, compared before the map is asked
	next    int
}

// errOutsideRoot and friends are reasons of invalid listings.
var (
	errMissingHref = errors.New("response without href")
	errOutsideRoot = errors.New("href outside the WebDAV root")
	errBadHref     = errors.New("href with a bad escape")
)

// msInternMax caps the interned strings of a mapper.
const msInternMax = 256

// intern returns a shared string for b; the set is capped so that a hostile listing cannot grow it.
func (m *hrefMapper) intern(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	for _, s := range m.recent {
		if string(b) == s {
			return s
		}
	}
	s, ok := m.strs[string(b)]
	if !ok {
		s = string(b)
		if m.strs == nil {
			m.strs = make(map[string]string, 16)
		}
		if len(m.strs) < msInternMax {
			m.strs[s] = s
		}
	}
	m.recent[m.next%len(m.recent)] = s
	m.next++
	return s
}

// relative decodes href and strips the root from it. The result is in m.buf, without leading or trailing slash.
func (m *hrefMapper) relative(href []byte) ([]byte, error) {
	if hasPrefixFold(href, "http://") || hasPrefixFold(href, "https://") {
		rest := href[bytes.Index(href, []byte("//"))+2:]
		if i := bytes.IndexByte(rest, '/'); i >= 0 {
			href = rest[i:]
		} else {
			href = []byte("/")
		}
	}
	dec, ok := unescapePath(m.buf[:0], href)
	m.buf = dec
	if !ok {
		return nil, errBadHref
	}
	for _, root := range [2]string{m.root, m.altRoot} {
		if root == "" {
			continue
		}
		if len(dec) >= len(root) && string(dec[:len(root)]) == root {
			return bytes.Trim(dec[len(root):], "/"), nil
		}
		if len(dec)+1 == len(root) && string(dec) == root[:len(dec)] {
			return nil, nil
		}
	}
	return nil, errOutsideRoot
}

// build makes an Entry of a response.
func (m *hrefMapper) build(e *rawEntry) (Entry, error) {
	href := trimSpace(e.href)
	if !e.hasHref || len(href) == 0 {
		return Entry{}, errMissingHref
	}
	rel, err := m.relative(href)
	if err != nil {
		return Entry{}, err
	}
	// One allocation holds the path, the etag and the file id.
	s := append(m.scratch[:0], '/')
	s = append(s, rel...)
	if !cleanPath(s) {
		s = append(s[:0], path.Clean(string(s))...)
	}
	pathLen := len(s)
	etag := trimSpace(e.val[propETag])
	fileID := trimSpace(e.val[propFileID])
	s = append(s, etag...)
	s = append(s, fileID...)
	m.scratch = s
	all := string(s)
	var ent Entry
	ent.Path = all[:pathLen]
	ent.Name = ent.Path[lastSlash(ent.Path)+1:]
	ent.ETag = all[pathLen : pathLen+len(etag)]
	ent.FileID = all[pathLen+len(etag):]
	ent.Dir = e.hasResType && e.collection
	ent.Size = -1
	if e.has[propSize] {
		if n, ok := parseInt(trimSpace(e.val[propSize])); ok {
			ent.Size = max(n, -1)
		}
	}
	if ent.Size == -1 && e.has[propContentLength] {
		if n, ok := parseInt(trimSpace(e.val[propContentLength])); ok {
			ent.Size = max(n, -1)
		}
	}
	ent.ContentType = m.intern(trimSpace(e.val[propContentType]))
	ent.Permissions = m.intern(trimSpace(e.val[propPermissions]))
	if e.has[propLastModified] {
		ent.Modified = parseHTTPTime(trimSpace(e.val[propLastModified]))
	}
	hp := trimSpace(e.val[propHasPreview])
	ent.HasPreview = string(hp) == "true" || string(hp) == "1"
	return ent, nil
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return i
		}
	}
	return -1
}

// cleanPath reports whether p (starting with '/') is already what path.Clean makes of it.
func cleanPath(p []byte) bool {
	if len(p) > 1 && p[len(p)-1] == '/' {
		return false
	}
	for i := 0; ; i++ {
		j := bytes.IndexByte(p[i:], '/')
		if j < 0 {
			return true
		}
		i += j
		rest := p[i+1:]
		switch {
		case len(rest) > 0 && rest[0] == '/':
			return false
		case len(rest) >= 1 && rest[0] == '.' && (len(rest) == 1 || rest[1] == '/'):
			return false
		case len(rest) >= 2 && rest[0] == '.' && rest[1] == '.' && (len(rest) == 2 || rest[2] == '/'):
			return false
		}
	}
}

// hasPrefixFold reports whether b starts with the lower-case ASCII prefix, ignoring case.
func hasPrefixFold(b []byte, prefix string) bool {
	if len(b) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// unescapePath percent-decodes src onto dst like url.PathUnescape.
func unescapePath(dst, src []byte) ([]byte, bool) {
	for {
		i := bytes.IndexByte(src, '%')
		if i < 0 {
			return append(dst, src...), true
		}
		dst = append(dst, src[:i]...)
		if i+2 >= len(src) || !isHex(src[i+1]) || !isHex(src[i+2]) {
			return dst, false
		}
		dst = append(dst, unhex(src[i+1])<<4|unhex(src[i+2]))
		src = src[i+3:]
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// parseInt parses a decimal int64 with an optional sign.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	neg := false
	switch b[0] {
	case '-':
		neg = true
		b = b[1:]
	case '+':
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
		if n > 1<<63 {
			return 0, false
		}
	}
	if !neg && n > 1<<63-1 {
		return 0, false
	}
	if neg {
		return -int64(n), true
	}
	return int64(n), true
}

// parseHTTPTime parses an RFC 1123 date ("Mon, 02 Jan 2006 15:04:05 GMT") without allocating; other forms go
// through http.ParseTime. A date that does not parse is the zero time.
func parseHTTPTime(b []byte) time.Time {
	if t, ok := fastHTTPTime(b); ok {
		return t
	}
	t, err := http.ParseTime(string(b))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

func fastHTTPTime(b []byte) (time.Time, bool) {
	if len(b) != 29 || b[3] != ',' || b[4] != ' ' || b[7] != ' ' || b[11] != ' ' || b[16] != ' ' ||
		b[19] != ':' || b[22] != ':' || b[25] != ' ' || string(b[26:]) != "GMT" {
		return time.Time{}, false
	}
	switch string(b[:3]) {
	case "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun":
	default:
		return time.Time{}, false
	}
	var month time.Month
	switch string(b[8:11]) {
	case "Jan":
		month = time.January
	case "Feb":
		month = time.February
	case "Mar":
		month = time.March
	case "Apr":
		month = time.April
	case "May":
		month = time.May
	case "Jun":
		month = time.June
	case "Jul":
		month = time.July
	case "Aug":
		month = time.August
	case "Sep":
		month = time.September
	case "Oct":
		month = time.October
	case "Nov":
		month = time.November
	case "Dec":
		month = time.December
	default:
		return time.Time{}, false
	}
	day, ok1 := digits(b[5:7])
	year, ok2 := digits(b[12:16])
	hh, ok3 := digits(b[17:19])
	mm, ok4 := digits(b[20:22])
	ss, ok5 := digits(b[23:25])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || hh > 23 || mm > 59 || ss > 59 || day < 1 ||
		day > daysIn(month, year) {
		return time.Time{}, false
	}
	return time.Unix(unixDays(year, int(month), day)*86400+int64(hh*3600+mm*60+ss), 0).UTC(), true
}

// unixDays is the number of days from 1970-01-01 to the given date of the proleptic Gregorian calendar (years
// 0 to 9999), counted in 400-year eras of 146,097 days that start on the 1st of March.
func unixDays(year, month, day int) int64 {
	if month <= 2 {
		year--
	}
	era := (year + 400) / 400 // year >= -1: one era early, taken back below
	yoe := year + 400 - era*400
	mp := (month + 9) % 12 // March is 0
	doy := (153*mp+2)/5 + day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era-1)*146097 + int64(doe) - 719468
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// daysIn is the number of days of month m in year (Gregorian).
func daysIn(m time.Month, year int) int {
	if m == time.February {
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	const long = 1<<time.January | 1<<time.March | 1<<time.May | 1<<time.July | 1<<time.August |
		1<<time.October | 1<<time.December
	return 30 + long>>m&1
}

// parseError is a malformed listing; reason goes into an InvalidResponseError.
type parseError struct {
	reason    string
	brokenOff bool // the body ended early by the transport's account (the connection dropped mid-body)
}

func (e *parseError) Error() string { return e.reason }

// errNeedMore tells a token scanner that the token does not end within the buffered bytes.
var errNeedMore = errors.New("need more input")

// frame is one open element.
type frame struct {
	role     uint8
	last     uint8  // 1 + the role of the last child closed, 0 before the first
	nameEnd  int32  // end of the element's qualified name in msParser.names
	nsMark   int32  // len(msParser.ns) before the element's own bindings
	outerGen uint32 // the generation of the bindings outside the element, back in force when it closes
}

// nRoles bounds the element roles.
const nRoles = roleValue + nProps

// msMemoTag is the longest start tag (between '<' and '>' or "/>") the start tag memo keeps: a listing's names
// are at most 18 bytes, and golang.org/x/net/webdav's properties that bind their own namespace
// (`has-preview xmlns="http://nextcloud.org/ns"`) at most 43.
const msMemoTag = 50

// tagMemo is the start tag that last followed a given child inside an element of a given role: its text (the
// qualified name, then any attributes), the length of the name, whether the attributes declare namespaces, and
// the element's role, valid while the namespace bindings in scope are those of generation gen.
type tagMemo struct {
	tag  [msMemoTag]byte
	n    uint8 // length of the tag's text
	qn   uint8 // length of the qualified name
	decl bool  // the tag declares namespaces: it is taken from the memo only when it has no child elements
	role uint8
	gen  uint32
}

// binding is one namespace declaration in scope.
type binding struct {
	prefix string
	ns     uint8
}

// attrNS is a namespace declaration found while scanning a start tag, as offsets into the tag.
type attrNS struct {
	prefixStart, prefixEnd int
	valStart, valEnd       int
}

// msParser scans one multistatus body.
type msParser struct {
	r          io.Reader
	buf        []byte
	pos        int // next unread byte
	end        int // end of buffered bytes
	eof        bool
	cut        bool  // the read ended with io.ErrUnexpectedEOF: the body broke off
	rerr       error // a read error other than EOF
	head       []byte
	names      []byte            // the open elements' qualified names back to back, each ended by its frame's nameEnd
	stack      [msMaxDepth]frame // the open elements, stack[:depth]; fixed, so that opening one stores no pointer
	depth      int
	ns         []binding
	decls      []attrNS
	ps         rawPropstat
	ent        rawEntry
	m          *hrefMapper
	out        entryBlocks
	nsCache    [4]binding // prefixes resolved since the bindings in scope last changed
	nsCacheLen int
	gen        uint32 // names the bindings in scope (memos of others are stale); back when a declaring element ends
	lastGen    uint32 // the last generation handed out; no body under the limit wraps it
	memo       [nRoles][nRoles + 1]tagMemo
	done       bool // the root element ended
	rootSeen   bool
	attrBuf    []byte
	mapper     hrefMapper // p.m while a document is read
}

// parseMultistatus reads a multistatus document from r and returns its responses as entries, in document order.
// A syntax error, a document that ends early, a root that is not DAV: multistatus or a response without href is a
// *parseError; a failing read is returned as it is (io.ErrUnexpectedEOF is a truncation).
//
// m gives the roots hrefs are relative to; the parser works with a mapper of its own with the same roots, whose
// buffers it keeps. The start of the body (for error snippets) is returned with an error or an empty listing,
// else nil.
func parseMultistatus(r io.Reader, m *hrefMapper, sizeHint int64) ([]Entry, []byte, error) {
	p, _ := parserPool.Get().(*msParser)
	if p == nil {
		p = &msParser{}
	}
	entries, head, err := p.parse(r, m, sizeHint)
	p.release()
	return entries, head, err
}

// parse reads one document with p, which may have read others before.
func (p *msParser) parse(r io.Reader, m *hrefMapper, sizeHint int64) ([]Entry, []byte, error) {
	p.start(r, m)
	if sizeHint > 0 {
		// One block for the whole listing, so it is handed over without a copy: peak memory stays near what the
		// listing keeps. The caller bounds sizeHint (a Content-Length over the listing limit is refused unread).
		p.out.cur = make([]Entry, 0, sizeHint/bytesPerEntryHint+1)
	}
	err := p.run()
	entries := p.out.slice()
	var head []byte
	if err != nil || len(entries) == 0 {
		head = bytes.Clone(p.head)
	}
	// Nothing of the document stays referenced from the parser.
	p.r, p.m, p.rerr = nil, nil, nil
	p.out.reset()
	return entries, head, err
}

// parserPool keeps parsers between listings: their read buffer (32 KiB), the tag memo and the buffers of names,
// values and hrefs are reused rather than allocated for every listing.
var parserPool sync.Pool

// msPoolMax bounds the bytes of buffers a parser may hold to go back to the pool: one that grew for a long token
// or value is left to the collector.
const msPoolMax = 64 << 10

// start readies p for a document read from r with m's roots.
func (p *msParser) start(r io.Reader, m *hrefMapper) {
	if p.buf == nil {
		p.buf = make([]byte, msInitialBuffer)
	}
	p.r = r
	p.pos, p.end = 0, 0
	p.eof, p.cut, p.rerr = false, false, nil
	p.head = p.head[:0]
	p.depth = 0
	p.ns, p.decls, p.attrBuf = p.ns[:0], p.decls[:0], p.attrBuf[:0]
	p.ent.reset()
	p.ps.reset()
	p.out.reset()
	p.nsCacheLen = 0
	p.done, p.rootSeen = false, false
	// The document starts with bindings of its own: a generation no memo of an earlier document carries.
	if p.lastGen >= 1<<31 {
		p.memo = [nRoles][nRoles + 1]tagMemo{}
		p.lastGen = 0
	}
	p.lastGen++
	p.gen = p.lastGen
	p.mapper.root, p.mapper.altRoot = m.root, m.altRoot
	if len(p.mapper.strs) >= msInternMax {
		// A listing that filled the interned set leaves none of its strings to the next.
		clear(p.mapper.strs)
	}
	p.m = &p.mapper
}

// release puts the parser back in the pool, unless it holds large buffers.
func (p *msParser) release() {
	held := cap(p.buf) + cap(p.head) + cap(p.names) + cap(p.attrBuf) + cap(p.ent.href) + cap(p.ps.status) +
		cap(p.mapper.buf) + cap(p.mapper.scratch)
	for i := range nProps {
		held += cap(p.ent.val[i]) + cap(p.ps.val[i])
	}
	if held > msInitialBuffer+msPoolMax || cap(p.ns) > 64 || cap(p.decls) > 64 {
		return
	}
	parserPool.Put(p)
}

// bytesPerEntryHint is the fewest bytes a response of a listing takes as Nextcloud writes it with our property
// list (about 450 for short names; ~540 on average on a real server), so a block sized from the Content-Length
// holds every entry and has at most about a fifth to spare.
const bytesPerEntryHint = 450

// Block sizes of entryBlocks: small folders stay small, large ones grow in blocks of at most maxEntryBlock.
const (
	firstEntryBlock = 16
	maxEntryBlock   = 1024
)

// entryBlocks collects a listing's entries in blocks and hands them over as one slice of exactly the right size.
// Appending to one slice would reallocate and copy it again and again (Go grows large slices by a quarter), which
// for a 10,000-entry folder allocated about five times the final listing and left up to a quarter of it unused
// in the listing cache; blocks allocate about twice the listing and keep none of it spare.
//
// Blocks that were copied out are scratch: a parser keeps the small ones (spareEntryBlock entries at most), emptied,
// for the next listing it reads without a Content-Length, which grows through the same sizes.
type entryBlocks struct {
	full  [][]Entry
	cur   []Entry
	n     int
	spare [][]Entry // spare[k]: an empty block of the k-th size (firstEntryBlock << k), or nil
}

// spareEntryBlock is the largest block kept for the next listing: blocks of 16 to 256 entries, 71 KiB in all.
const spareEntryBlock = 256

// reset readies b for another listing, keeping its spare blocks.
func (b *entryBlocks) reset() {
	clear(b.full)
	b.full, b.cur, b.n = b.full[:0], nil, 0
}

func (b *entryBlocks) add(e Entry) {
	if len(b.cur) == cap(b.cur) {
		if len(b.cur) > 0 {
			b.full = append(b.full, b.cur)
		}
		size := min(max(firstEntryBlock, 2*cap(b.cur)), maxEntryBlock)
		if k := len(b.full); k < len(b.spare) && cap(b.spare[k]) == size {
			b.cur, b.spare[k] = b.spare[k], nil
		} else {
			b.cur = make([]Entry, 0, size)
		}
	}
	b.cur = append(b.cur, e)
	b.n++
}

// slice returns the entries in order. A single block with at most a quarter to spare (a block sized from the
// Content-Length) is returned as it is; else the entries are copied into a slice of their own, and the blocks of
// the sizes a listing grows through are emptied and kept.
func (b *entryBlocks) slice() []Entry {
	if len(b.full) == 0 && cap(b.cur)-len(b.cur) <= len(b.cur)/4 {
		return b.cur
	}
	out := make([]Entry, 0, b.n)
	for _, blk := range b.full {
		out = append(out, blk...)
	}
	out = append(out, b.cur...)
	for k, blk := range b.full {
		if !b.keep(k, blk) {
			return out
		}
	}
	b.keep(len(b.full), b.cur)
	return out
}

// keep empties blk, the k-th block of a listing that was copied out, and keeps it as a spare if it is of the k-th
// size and small enough; it reports whether it did.
func (b *entryBlocks) keep(k int, blk []Entry) bool {
	if cap(blk) != firstEntryBlock<<k || cap(blk) > spareEntryBlock {
		return false
	}
	clear(blk) // no entry of this listing stays reachable through the parser
	for len(b.spare) <= k {
		b.spare = append(b.spare, nil)
	}
	b.spare[k] = blk[:0]
	return true
}

// fill reads more input after compacting the buffer; false when nothing more can come.
func (p *msParser) fill() bool {
	if p.eof || p.rerr != nil {
		return false
	}
	if p.pos > 0 {
		n := copy(p.buf, p.buf[p.pos:p.end])
		p.pos, p.end = 0, n
	}
	if p.end == len(p.buf) {
		if len(p.buf) >= msMaxToken+msInitialBuffer {
			p.rerr = &parseError{reason: "token too large"}
			return false
		}
		nb := make([]byte, 2*len(p.buf))
		copy(nb, p.buf[:p.end])
		p.buf = nb
	}
	for range 100 {
		n, err := p.r.Read(p.buf[p.end:])
		if n > 0 && len(p.head) < msHeadLen {
			p.head = append(p.head, p.buf[p.end:p.end+min(n, msHeadLen-len(p.head))]...)
		}
		p.end += n
		if err == io.EOF {
			p.eof = true
			return n > 0
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				p.eof, p.cut = true, true
				return n > 0
			}
			p.rerr = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	p.rerr = io.ErrNoProgress
	return false
}

func (p *msParser) syntax(reason string) error {
	return &parseError{reason: "malformed multistatus: " + reason}
}

func (p *msParser) truncated() error {
	if p.rerr != nil {
		return p.rerr
	}
	return &parseError{reason: "truncated multistatus", brokenOff: p.cut}
}

func (p *msParser) run() error {
	for !p.done {
		if p.pos >= p.end && !p.fill() {
			if p.rerr != nil {
				return p.rerr
			}
			if !p.rootSeen {
				return &parseError{reason: "not a multistatus: no XML element"}
			}
			return p.truncated()
		}
		if p.buf[p.pos] != '<' {
			if err := p.text(); err != nil {
				return err
			}
			continue
		}
		for {
			err := p.markup()
			if err == nil {
				break
			}
			if err != errNeedMore {
				return err
			}
			if !p.fill() {
				return p.truncated()
			}
		}
	}
	return nil
}

// target is where text inside the current element goes, or nil.
func (p *msParser) target() *[]byte {
	if p.depth == 0 {
		return nil
	}
	return p.targetOf(p.stack[p.depth-1].role)
}

// targetOf is where text inside an element of role r goes, or nil.
func (p *msParser) targetOf(r uint8) *[]byte {
	switch {
	case r == roleHref:
		return &p.ent.href
	case r == roleStatus:
		return &p.ps.status
	case r >= roleValue:
		return &p.ps.val[r-roleValue]
	}
	return nil
}

// text consumes character data up to the next '<'.
func (p *msParser) text() error {
	dst := p.target()
	if dst == nil {
		for {
			i := bytes.IndexByte(p.buf[p.pos:p.end], '<')
			if i >= 0 {
				p.pos += i
				return nil
			}
			p.pos = p.end
			if !p.fill() {
				if p.rerr != nil {
					return p.rerr
				}
				if p.depth == 0 {
					if !p.rootSeen {
						return &parseError{reason: "not a multistatus: no XML element"}
					}
					return nil
				}
				return p.truncated()
			}
		}
	}
	prevCR := false
	for {
		b := p.buf[p.pos:p.end]
		i := 0
		for i < len(b) {
			// A run of plain bytes is copied at once; only '<', '&' and '\r' need a look.
			j := i + textStop(b[i:])
			if j > i {
				run := b[i:j]
				if prevCR && run[0] == '\n' {
					run = run[1:]
				}
				*dst = append(*dst, run...)
				prevCR = false
				i = j
				if i == len(b) {
					break
				}
			}
			switch b[i] {
			case '<':
				p.pos += i
				return nil
			case '&':
				r, n, err := entity(b[i:], p.eof)
				if err == errNeedMore {
					goto more
				}
				if err != nil {
					return p.syntax(err.Error())
				}
				*dst = utf8.AppendRune(*dst, r)
				i += n
				prevCR = false
			default: // '\r'
				*dst = append(*dst, '\n')
				prevCR = true
				i++
			}
		}
	more:
		p.pos += i
		if len(*dst) > msMaxToken {
			return &parseError{reason: "value too large"}
		}
		if !p.fill() {
			return p.truncated()
		}
	}
}

// textStop is the index of the first '<', '&' or '\r' in b, or len(b). It tests eight bytes at a time: a byte
// equal to c is a zero byte of v^(c repeated), and (x-0x01..01)&^x&0x80..80 flags the zero bytes of x. A flag can
// be wrong only above a true zero, where a borrow runs on, so the lowest flag of the three tests is the first stop.
func textStop(b []byte) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(b); i += 8 {
		v := binary.LittleEndian.Uint64(b[i:])
		lt, amp, cr := v^(ones*'<'), v^(ones*'&'), v^(ones*'\r')
		if m := ((lt-ones)&^lt | (amp-ones)&^amp | (cr-ones)&^cr) & highs; m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(b); i++ {
		if charClass[b[i]]&classText != 0 {
			break
		}
	}
	return i
}

// entity decodes the reference at the start of b ("&amp;", "&#65;", "&#x41;"). It returns errNeedMore when b ends
// inside it and more input may come.
func entity(b []byte, eof bool) (rune, int, error) {
	need := func() (rune, int, error) {
		if eof {
			return 0, 0, errors.New("entity cut by the end of input")
		}
		return 0, 0, errNeedMore
	}
	i := 1
	if i >= len(b) {
		return need()
	}
	if b[i] == '#' {
		i++
		if i >= len(b) {
			return need()
		}
		base := uint64(10)
		if b[i] == 'x' {
			base = 16
			i++
		}
		start := i
		var n uint64
		overflow := false
		for {
			if i >= len(b) {
				return need()
			}
			c := b[i]
			var d uint64
			switch {
			case '0' <= c && c <= '9':
				d = uint64(c - '0')
			case base == 16 && 'a' <= c && c <= 'f':
				d = uint64(c-'a') + 10
			case base == 16 && 'A' <= c && c <= 'F':
				d = uint64(c-'A') + 10
			default:
				goto end
			}
			if n > (1<<64-1-d)/base {
				overflow = true
			}
			n = n*base + d
			i++
		}
	end:
		if b[i] != ';' || i == start || overflow || n > utf8.MaxRune {
			return 0, 0, errors.New("invalid character entity")
		}
		return rune(n), i + 1, nil
	}
	start := i
	for {
		if i >= len(b) {
			return need()
		}
		if !nameChar(b[i]) {
			break
		}
		i++
	}
	if b[i] != ';' {
		return 0, 0, errors.New("invalid character entity")
	}
	var r rune
	switch string(b[start:i]) {
	case "lt":
		r = '<'
	case "gt":
		r = '>'
	case "amp":
		r = '&'
	case "apos":
		r = '\''
	case "quot":
		r = '"'
	default:
		return 0, 0, errors.New("invalid character entity")
	}
	return r, i + 1, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\r' || c == '\n' || c == '\t' }

// Byte classes of charClass.
const (
	className  = 1 << iota // continues an XML name as encoding/xml reads it (any byte of a multi-byte rune does)
	classColon             // ':', which also continues a name
	classText              // ends a run of plain character data: '<', '&', '\r'
)

// charClass holds the classes of every byte: one load per byte in the scanner's inner loops. Letters, digits, '_',
// ':', '.', '-' and bytes from 0x80 up are name bytes (TestCharClass checks the table against that definition).
const charClass = "" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x01\x01\x00" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x03\x00\x04\x00\x00\x00" +
	"\x00\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00\x00\x00\x00\x01" +
	"\x00\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00\x00\x00\x00\x00" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"

// nameChar reports whether c continues an XML name as encoding/xml reads it.
func nameChar(c byte) bool { return charClass[c]&className != 0 }

// nameEnd is the end of the name starting at b[i].
func nameEnd(b []byte, i int) int {
	for i < len(b) && nameChar(b[i]) {
		i++
	}
	return i
}

// scanName reads the name starting at b[i]: its end, and the position of its first colon (-1 if none) unless it
// has several (ok false).
func scanName(b []byte, i int) (end, colon int, ok bool) {
	colon = -1
	for ; i < len(b); i++ {
		k := charClass[b[i]]
		if k&className == 0 {
			break
		}
		if k&classColon != 0 {
			if colon >= 0 {
				return nameEnd(b, i), colon, false
			}
			colon = i
		}
	}
	return i, colon, true
}

// qname splits b[start:end] with its colon at colon as encoding/xml does: one colon with text on both sides
// separates a prefix.
func qname(b []byte, start, end, colon int) (prefix, local []byte) {
	if colon < 0 || colon == start || colon == end-1 {
		return nil, b[start:end]
	}
	return b[start:colon], b[colon+1 : end]
}

// markup handles the markup token at p.pos ('<' ...). It returns errNeedMore when the token is not all buffered.
func (p *msParser) markup() error {
	b := p.buf[p.pos:p.end]
	if len(b) < 2 {
		return errNeedMore
	}
	switch b[1] {
	case '/':
		return p.endTag(b)
	case '?':
		e := nameEnd(b, 2)
		if e == len(b) {
			return errNeedMore
		}
		if e == 2 {
			return p.syntax("expected target name after <?")
		}
		i := bytes.Index(b[e:], []byte("?>"))
		if i < 0 {
			return errNeedMore
		}
		p.pos += e + i + 2
		return nil
	case '!':
		if len(b) < 3 {
			return errNeedMore
		}
		switch b[2] {
		case '-':
			if len(b) < 4 {
				return errNeedMore
			}
			if b[3] != '-' {
				return p.syntax("invalid sequence <!- not part of <!--")
			}
			i := bytes.Index(b[4:], []byte("-->"))
			if i < 0 {
				return errNeedMore
			}
			p.pos += 4 + i + 3
			return nil
		case '[':
			const cdata = "<![CDATA["
			n := min(len(b), len(cdata))
			if string(b[:n]) != cdata[:n] {
				return p.syntax("invalid <![ sequence")
			}
			if len(b) < len(cdata) {
				return errNeedMore
			}
			i := bytes.Index(b[len(cdata):], []byte("]]>"))
			if i < 0 {
				return errNeedMore
			}
			if dst := p.target(); dst != nil {
				appendNormalized(dst, b[len(cdata):len(cdata)+i])
				if len(*dst) > msMaxToken {
					return &parseError{reason: "value too large"}
				}
			}
			p.pos += len(cdata) + i + 3
			return nil
		default:
			n, err := directive(b)
			if err != nil {
				return err
			}
			p.pos += n
			return nil
		}
	default:
		return p.startTag(b)
	}
}

// appendNormalized appends s to dst turning "\r\n" and "\r" into "\n".
func appendNormalized(dst *[]byte, s []byte) {
	prevCR := false
	for _, c := range s {
		switch {
		case c == '\r':
			*dst = append(*dst, '\n')
			prevCR = true
			continue
		case c == '\n' && prevCR:
		default:
			*dst = append(*dst, c)
		}
		prevCR = false
	}
}

// directive measures a <!DOCTYPE ...>-like directive, honouring quotes, nested brackets and comments as
// encoding/xml does.
func directive(b []byte) (int, error) {
	i := 3 // "<!" and the first byte, which is taken as it is
	var inquote byte
	depth := 0
	for {
		if i >= len(b) {
			return 0, errNeedMore
		}
		c := b[i]
		i++
		if inquote == 0 && c == '>' && depth == 0 {
			return i, nil
		}
	handle:
		switch {
		case c == inquote:
			inquote = 0
		case inquote != 0:
		case c == '\'' || c == '"':
			inquote = c
		case c == '>':
			depth--
		case c == '<':
			for k := 0; k < 3; k++ {
				if i >= len(b) {
					return 0, errNeedMore
				}
				c = b[i]
				i++
				if c != "!--"[k] {
					depth++
					goto handle
				}
			}
			var b0, b1 byte
			for {
				if i >= len(b) {
					return 0, errNeedMore
				}
				c = b[i]
				i++
				if b0 == '-' && b1 == '-' && c == '>' {
					break
				}
				b0, b1 = b1, c
			}
		}
	}
}

// endTag handles "</name>".
func (p *msParser) endTag(b []byte) error {
	if p.depth > 0 {
		// The usual case: the end tag closes the innermost element, whose name is known.
		start := 0
		if p.depth > 1 {
			start = int(p.stack[p.depth-2].nameEnd)
		}
		want := p.names[start:p.stack[p.depth-1].nameEnd]
		if n := 2 + len(want); len(b) > n && !nameChar(b[n]) && string(b[2:n]) == string(want) {
			i := n
			for i < len(b) && isSpace(b[i]) {
				i++
			}
			if i < len(b) && b[i] == '>' {
				p.pos += i + 1
				return p.pop()
			}
		}
	}
	e, _, ok := scanName(b, 2)
	if e == len(b) {
		return errNeedMore
	}
	q := b[2:e]
	if !ok || len(q) == 0 {
		return p.syntax("expected element name after </")
	}
	i := e
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	if i == len(b) {
		return errNeedMore
	}
	if b[i] != '>' {
		return p.syntax("invalid characters between </" + string(q) + " and >")
	}
	if p.depth == 0 {
		return p.syntax("unexpected end element </" + string(q) + ">")
	}
	start := 0
	if p.depth > 1 {
		start = int(p.stack[p.depth-2].nameEnd)
	}
	return p.syntax("element <" + string(p.names[start:p.stack[p.depth-1].nameEnd]) + "> closed by </" +
		string(q) + ">")
}

// pop closes the innermost element.
func (p *msParser) pop() error {
	top := p.stack[p.depth-1]
	p.depth--
	if int(top.nsMark) < len(p.ns) {
		// The bindings are again exactly those outside the element, and so is what was learnt under them.
		p.ns = p.ns[:top.nsMark]
		p.nsCacheLen = 0
		p.gen = top.outerGen
	}
	if p.depth > 0 {
		p.stack[p.depth-1].last = top.role + 1
	}
	switch top.role {
	case rolePropstat:
		p.ps.commit(&p.ent)
	case roleResponse:
		ent, err := p.m.build(&p.ent)
		if err != nil {
			return &parseError{reason: err.Error()}
		}
		p.out.add(ent)
	case roleMultistatus:
		p.done = true
	}
	return nil
}

// startTag handles "<name attr='v'...>" and "<name/>".
//
// The elements of a listing come in the same order in every response, so the tag that followed a given child of
// an element is remembered (tagMemo): when the same name comes again after the same child, with no attributes, it
// is recognised by one comparison and needs no scanning, namespace lookup or role matching. The name is known to
// be well formed (it was scanned when it was remembered) and, with the same bindings in scope and the same parent
// role, has the same role. Anything else takes the full path below, which remembers what it found.
func (p *msParser) startTag(b []byte) error {
	if p.depth > 0 {
		top := &p.stack[p.depth-1]
		if m := &p.memo[top.role][top.last]; m.gen == p.gen {
			n := 1 + int(m.n)
			if len(b) > n+1 && string(b[1:n]) == string(m.tag[:m.n]) {
				q := b[1 : 1+int(m.qn)]
				switch {
				case b[n] == '>':
					if p.leaf(b, n+1, q, m.role) {
						return nil
					}
					if !m.decl {
						return p.push(q, m.role, int32(len(p.ns)), n+1, false)
					}
					// Declarations in force for child elements: the full path below applies them.
				case b[n] == '/' && b[n+1] == '>':
					// An empty element's declarations bind nothing but its own name, which the memo resolved.
					return p.push(q, m.role, int32(len(p.ns)), n+2, true)
				}
			}
		}
	}
	e, colon, ok := scanName(b, 1)
	if e == len(b) {
		return errNeedMore
	}
	q := b[1:e]
	if !ok || len(q) == 0 {
		return p.syntax("expected element name after <")
	}
	prefix, local := qname(b, 1, e, colon)
	p.decls = p.decls[:0]
	i := e
	empty := false
	for {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i == len(b) {
			return errNeedMore
		}
		if b[i] == '/' {
			if i+1 == len(b) {
				return errNeedMore
			}
			if b[i+1] != '>' {
				return p.syntax("expected /> in element")
			}
			empty = true
			i += 2
			break
		}
		if b[i] == '>' {
			i++
			break
		}
		ae, acolon, ok := scanName(b, i)
		if ae == len(b) {
			return errNeedMore
		}
		if !ok || ae == i {
			return p.syntax("expected attribute name in element")
		}
		ap, al := qname(b, i, ae, acolon)
		i = ae
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i == len(b) {
			return errNeedMore
		}
		if b[i] != '=' {
			return p.syntax("attribute name without = in element")
		}
		i++
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i == len(b) {
			return errNeedMore
		}
		quote := b[i]
		if quote != '"' && quote != '\'' {
			return p.syntax("unquoted or missing attribute value in element")
		}
		i++
		vs := i
		for {
			if i == len(b) {
				return errNeedMore
			}
			if b[i] == quote {
				break
			}
			if b[i] == '<' {
				return p.syntax("unescaped < inside quoted string")
			}
			i++
		}
		ve := i
		i++
		switch {
		case string(ap) == "xmlns":
			d := attrNS{valStart: vs, valEnd: ve}
			d.prefixStart = ae - len(al)
			d.prefixEnd = ae
			p.decls = append(p.decls, d)
		case len(ap) == 0 && string(al) == "xmlns":
			p.decls = append(p.decls, attrNS{prefixStart: 0, prefixEnd: 0, valStart: vs, valEnd: ve})
		}
	}
	// The whole tag is buffered: apply it.
	if p.depth >= msMaxDepth {
		return p.syntax("elements nested too deeply")
	}
	if len(p.ns)+len(p.decls) > msMaxBindings {
		return p.syntax("too many namespace declarations")
	}
	mark := int32(len(p.ns))
	outerGen := p.gen
	if len(p.decls) > 0 {
		p.bindingsChanged()
	}
	for _, d := range p.decls {
		val, err := decodeAttr(p.attrBuf[:0], b[d.valStart:d.valEnd])
		if err != nil {
			return p.syntax(err.Error())
		}
		p.attrBuf = val
		var id uint8
		switch string(val) {
		case nsURIDAV:
			id = nsDAV
		case nsURIOC:
			id = nsOC
		case nsURINC:
			id = nsNC
		}
		p.ns = append(p.ns, binding{prefix: string(b[d.prefixStart:d.prefixEnd]), ns: id})
	}
	ns := p.resolve(prefix, local)
	parent := roleDocument
	if p.depth > 0 {
		parent = p.stack[p.depth-1].role
	}
	role := childRole(parent, ns, local)
	if parent == roleDocument {
		if role != roleMultistatus {
			return &parseError{reason: "not a multistatus: root element <" + string(q) + ">"}
		}
		p.rootSeen = true
	}
	if tagEnd := i - 1 - btoi(empty); parent != roleDocument && tagEnd-1 <= msMemoTag {
		// Remembered under the bindings outside the tag: that is where the next such tag is looked up.
		top := &p.stack[p.depth-1]
		m := &p.memo[parent][top.last]
		m.n = uint8(copy(m.tag[:], b[1:tagEnd]))
		m.qn = uint8(len(q))
		m.decl = len(p.decls) > 0
		m.role = role
		m.gen = outerGen
	}
	return p.pushIn(q, role, mark, outerGen, i, empty)
}

// leaf reads a whole element whose start tag, named q, ends at b[i], when it is a property or href that holds
// text and closes right after it ("<d:getetag>&quot;abc&quot;</d:getetag>", the bulk of a listing): the text
// goes where the element's text goes and the element is done, without being opened and closed on the stack. It
// reports false for anything else (a carriage return, a child element or comment, an end tag with spaces or
// another name, a bad entity, or an element cut by the end of the buffer), which the full path then reads from
// the start tag on; what leaf wrote into the element's text is cleared when the full path opens the element.
func (p *msParser) leaf(b []byte, i int, q []byte, role uint8) bool {
	if role != roleHref && role != roleStatus && role < roleValue || p.depth >= msMaxDepth {
		return false
	}
	t := b[i:]
	p.enter(role)
	dst := p.targetOf(role)
	j := 0
	for {
		s := textStop(t[j:])
		*dst = append(*dst, t[j:j+s]...)
		j += s
		if j == len(t) || t[j] == '\r' {
			return false
		}
		if t[j] == '<' {
			break
		}
		r, n, err := entity(t[j:], false)
		if err != nil {
			return false
		}
		*dst = utf8.AppendRune(*dst, r)
		j += n
	}
	k := j + 2 + len(q) // the '>' of the end tag
	if k >= len(t) || t[j+1] != '/' || t[k] != '>' || string(t[j+2:k]) != string(q) {
		return false
	}
	p.stack[p.depth-1].last = role + 1
	p.pos += i + k + 1
	return true
}

// btoi is 1 for true, 0 for false.
func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// push opens an element of role named q whose start tag takes n bytes and binds no namespace.
func (p *msParser) push(q []byte, role uint8, mark int32, n int, empty bool) error {
	return p.pushIn(q, role, mark, p.gen, n, empty)
}

// pushIn opens an element of role named q whose start tag takes n bytes; its own bindings are p.ns[mark:], and
// outerGen is the generation of those outside it.
func (p *msParser) pushIn(q []byte, role uint8, mark int32, outerGen uint32, n int, empty bool) error {
	if p.depth >= msMaxDepth {
		return p.syntax("elements nested too deeply")
	}
	start := 0
	if p.depth > 0 {
		start = int(p.stack[p.depth-1].nameEnd)
	}
	end := start + len(q)
	if end > len(p.names) {
		names := make([]byte, max(2*len(p.names), end, 256))
		copy(names, p.names[:start])
		p.names = names
	}
	copy(p.names[start:end], q)
	p.stack[p.depth] = frame{role: role, nameEnd: int32(end), nsMark: mark, outerGen: outerGen}
	p.depth++
	p.pos += n
	p.enter(role)
	if empty {
		return p.pop()
	}
	return nil
}

// enter starts an element of role.
func (p *msParser) enter(role uint8) {
	switch {
	case role == roleResponse:
		p.ent.reset()
	case role == rolePropstat:
		p.ps.reset()
	case role == roleHref:
		p.ent.href = p.ent.href[:0]
		p.ent.hasHref = true
	case role == roleStatus:
		p.ps.status = p.ps.status[:0]
	case role == roleResourceType:
		p.ps.resType = true
	case role == roleCollection:
		p.ps.collection = true
	case role >= roleValue:
		k := role - roleValue
		p.ps.val[k] = p.ps.val[k][:0]
		p.ps.has[k] = true
	}
}

// bindingsChanged starts a new generation of bindings in scope: what was learnt under others does not hold. An
// element's declarations start one; its end tag brings back the one outside it (pop).
func (p *msParser) bindingsChanged() {
	p.nsCacheLen = 0
	p.lastGen++
	p.gen = p.lastGen
}

// resolve finds the namespace of an element name. The prefixes resolved since the bindings in scope last changed
// are kept in a small cache (a listing binds its prefixes once, on the root, and uses three of them for every
// element), so the usual lookup compares a byte or two instead of walking the bindings.
func (p *msParser) resolve(prefix, local []byte) uint8 {
	switch len(prefix) {
	case 0:
		if string(local) == "xmlns" {
			return nsOther
		}
	case 3, 5:
		if string(prefix) == "xml" || string(prefix) == "xmlns" {
			return nsOther
		}
	}
	for i := range p.nsCacheLen {
		if c := &p.nsCache[i]; sameName(prefix, c.prefix) {
			return c.ns
		}
	}
	for i := len(p.ns) - 1; i >= 0; i-- {
		if b := p.ns[i]; sameName(prefix, b.prefix) {
			// The cache keeps the first prefixes looked up.
			if p.nsCacheLen < len(p.nsCache) {
				p.nsCache[p.nsCacheLen] = b
				p.nsCacheLen++
			}
			return b.ns
		}
	}
	return nsOther
}

// sameName reports whether b and s hold the same bytes; for the one- or two-byte prefixes of a listing a loop is
// cheaper than a call to the runtime's memequal.
func sameName(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		if b[i] != s[i] {
			return false
		}
	}
	return true
}

// childRole is the role of an element named (ns, local) inside an element of role parent.
func childRole(parent, ns uint8, local []byte) uint8 {
	switch parent {
	case roleDocument:
		if ns == nsDAV && string(local) == "multistatus" {
			return roleMultistatus
		}
	case roleMultistatus:
		if ns == nsDAV && string(local) == "response" {
			return roleResponse
		}
	case roleResponse:
		if ns == nsDAV {
			switch string(local) {
			case "href":
				return roleHref
			case "propstat":
				return rolePropstat
			}
		}
	case rolePropstat:
		if ns == nsDAV {
			switch string(local) {
			case "prop":
				return roleProp
			case "status":
				return roleStatus
			}
		}
	case roleProp:
		switch ns {
		case nsDAV:
			switch string(local) {
			case "getlastmodified":
				return roleValue + propLastModified
			case "getcontentlength":
				return roleValue + propContentLength
			case "getcontenttype":
				return roleValue + propContentType
			case "getetag":
				return roleValue + propETag
			case "resourcetype":
				return roleResourceType
			}
		case nsOC:
			switch string(local) {
			case "fileid":
				return roleValue + propFileID
			case "permissions":
				return roleValue + propPermissions
			case "size":
				return roleValue + propSize
			}
		case nsNC:
			if string(local) == "has-preview" {
				return roleValue + propHasPreview
			}
		}
	case roleResourceType:
		if ns == nsDAV && string(local) == "collection" {
			return roleCollection
		}
	}
	return roleSkip
}

// decodeAttr decodes the entities of an attribute value and normalises line ends, onto dst.
func decodeAttr(dst, v []byte) ([]byte, error) {
	prevCR := false
	for i := 0; i < len(v); {
		c := v[i]
		switch c {
		case '&':
			r, n, err := entity(v[i:], true)
			if err != nil {
				return dst, err
			}
			dst = utf8.AppendRune(dst, r)
			i += n
			prevCR = false
			continue
		case '\r':
			dst = append(dst, '\n')
			prevCR = true
			i++
			continue
		case '\n':
			if !prevCR {
				dst = append(dst, '\n')
			}
		default:
			dst = append(dst, c)
		}
		prevCR = false
		i++
	}
	return dst, nil
}
