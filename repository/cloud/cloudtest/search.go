package cloudtest

import (
	"encoding/xml"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

// searchRequest is an RFC 5323 basicsearch as Nextcloud's clients send it to remote.php/dav/.
type searchRequest struct {
	XMLName xml.Name     `xml:"DAV: searchrequest"`
	Basic   *basicSearch `xml:"DAV: basicsearch"`
}

type basicSearch struct {
	Select struct {
		Prop anyProps `xml:"DAV: prop"`
	} `xml:"DAV: select"`
	Scopes []struct {
		Href  string `xml:"DAV: href"`
		Depth string `xml:"DAV: depth"`
	} `xml:"DAV: from>scope"`
	Where   *searchExpr `xml:"DAV: where"`
	OrderBy []struct {
		Prop       anyProps  `xml:"DAV: prop"`
		Descending *struct{} `xml:"DAV: descending"`
	} `xml:"DAV: orderby>order"`
	Limit struct {
		NResults    string `xml:"DAV: nresults"`
		FirstResult string `xml:"http://nextcloud.com/ns firstresult"`
	} `xml:"DAV: limit"`
}

type anyProps struct {
	Any []struct{ XMLName xml.Name } `xml:",any"`
}

func (p anyProps) names() []xmlName {
	out := make([]xmlName, 0, len(p.Any))
	for _, a := range p.Any {
		out = append(out, xmlName{a.XMLName.Space, a.XMLName.Local})
	}
	return out
}

// searchExpr is one operator of a where clause: and, or, not, eq, lt, lte, gt, gte, like, is-collection,
// is-defined (and the where element itself).
type searchExpr struct {
	op      string
	prop    xmlName
	literal string
	args    []searchExpr
}

// UnmarshalXML reads an operator and its operands.
func (e *searchExpr) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	e.op = start.Name.Local
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case t.Name.Space == nsDAV && t.Name.Local == "prop":
				var p anyProps
				if err := d.DecodeElement(&p, &t); err != nil {
					return err
				}
				if n := p.names(); len(n) > 0 {
					e.prop = n[0]
				}
			case t.Name.Space == nsDAV && t.Name.Local == "literal":
				var v string
				if err := d.DecodeElement(&v, &t); err != nil {
					return err
				}
				e.literal = v
			default:
				var sub searchExpr
				if err := d.DecodeElement(&sub, &t); err != nil {
					return err
				}
				e.args = append(e.args, sub)
			}
		case xml.EndElement:
			return nil
		}
	}
}

// searchHit is one match.
type searchHit struct {
	rel string // path below the user's root
	in  info
}

// serveSearch answers SEARCH on remote.php/dav/.
func (s *Server) serveSearch(w http.ResponseWriter, r *http.Request, uid string) {
	if !s.flavor.Has(cloud.QuirkWebDAVSearch) {
		s.sabreError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "SEARCH is not supported by this server")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		s.sabreError(w, http.StatusBadRequest, "BadRequest", "The request body could not be read")
		return
	}
	var req searchRequest
	if err := xml.Unmarshal(body, &req); err != nil || req.Basic == nil {
		s.sabreError(w, http.StatusBadRequest, "BadRequest", "The search request is not a valid basicsearch")
		return
	}
	q := req.Basic
	if len(q.Scopes) != 1 {
		s.sabreError(w, http.StatusBadRequest, "BadRequest", "The search request needs exactly one scope")
		return
	}
	scope := strings.TrimPrefix(q.Scopes[0].Href, s.base+"remote.php/dav")
	rel, ok := strings.CutPrefix(strings.TrimSuffix(scope, "/")+"/", "/files/"+uid+"/")
	if !ok {
		s.sabreError(w, http.StatusBadRequest, "BadRequest", "Invalid search scope")
		return
	}
	depth := strings.TrimSpace(q.Scopes[0].Depth)
	limit, first := -1, 0
	if v := strings.TrimSpace(q.Limit.NResults); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.sabreError(w, http.StatusBadRequest, "BadRequest", "Invalid nresults")
			return
		}
		limit = n
	}
	if v := strings.TrimSpace(q.Limit.FirstResult); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			first = n
		}
	}

	s.mu.RLock()
	root, err := s.resolveLocked(s.homes[uid], permAll, false, rel)
	if err != nil || !root.n.dir {
		s.mu.RUnlock()
		s.sabreError(w, http.StatusNotFound, "NotFound", "File with name "+rel+" could not be located")
		return
	}
	var hits []searchHit
	seen := map[*node]bool{}
	var walk func(r resolved, prefix string, level int)
	walk = func(r resolved, prefix string, level int) {
		if seen[r.n] || level > 64 {
			return
		}
		seen[r.n] = true
		for _, in := range s.childrenLocked(r) {
			p := prefix + "/" + in.name
			cr, err := s.resolveLocked(r.n, r.perm, r.shared, "/"+in.name)
			if err != nil {
				continue
			}
			if q.Where == nil || s.evalSearch(*q.Where, in) {
				hits = append(hits, searchHit{rel: p, in: in})
			}
			if in.dir && depth != "1" && depth != "0" {
				walk(cr, p, level+1)
			}
		}
	}
	if depth != "0" {
		walk(root, strings.TrimSuffix(cleanPath(rel), "/"), 0)
	}
	s.mu.RUnlock()

	orders := q.OrderBy
	sort.SliceStable(hits, func(i, j int) bool {
		for _, o := range orders {
			names := o.Prop.names()
			if len(names) == 0 {
				continue
			}
			c := compareProp(s, names[0], hits[i].in, hits[j].in)
			if c == 0 {
				continue
			}
			if o.Descending != nil {
				return c > 0
			}
			return c < 0
		}
		return hits[i].rel < hits[j].rel
	})
	if first > len(hits) {
		first = len(hits)
	}
	hits = hits[first:]
	if limit >= 0 && limit < len(hits) {
		hits = hits[:limit]
	}

	selected := q.Select.Prop.names()
	if len(selected) == 0 {
		selected = []xmlName{{nsDAV, "displayname"}}
	}
	ms := newMultistatus()
	prefix := s.base + "remote.php/dav/files/" + uid
	for _, h := range hits {
		var found []propValue
		var missing []xmlName
		for _, n := range selected {
			if v, ok := s.propOf(h.in, n); ok {
				found = append(found, propValue{n, v})
			} else {
				missing = append(missing, n)
			}
		}
		ms.response(joinHref(prefix, h.rel, h.in.dir), found, missing)
	}
	ms.write(w)
}

// evalSearch evaluates a where expression on one entry.
func (s *Server) evalSearch(e searchExpr, in info) bool {
	switch e.op {
	case "where":
		if len(e.args) == 0 {
			return true
		}
		return s.evalSearch(e.args[0], in)
	case "and":
		for _, a := range e.args {
			if !s.evalSearch(a, in) {
				return false
			}
		}
		return true
	case "or":
		for _, a := range e.args {
			if s.evalSearch(a, in) {
				return true
			}
		}
		return false
	case "not":
		return len(e.args) == 1 && !s.evalSearch(e.args[0], in)
	case "is-collection":
		return in.dir
	case "is-defined":
		_, ok := searchValue(s, e.prop, in)
		return ok
	case "like":
		v, ok := searchValue(s, e.prop, in)
		return ok && likeMatch(strings.ToLower(e.literal), strings.ToLower(v.text))
	case "eq", "lt", "lte", "gt", "gte":
		v, ok := searchValue(s, e.prop, in)
		if !ok {
			return false
		}
		c, ok := v.compareLiteral(e.literal)
		if !ok {
			return false
		}
		switch e.op {
		case "eq":
			return c == 0
		case "lt":
			return c < 0
		case "lte":
			return c <= 0
		case "gt":
			return c > 0
		}
		return c >= 0
	}
	return false
}

// searchVal is a property value with its kind for comparisons.
type searchVal struct {
	text string
	num  int64
	kind int // 0 text, 1 number, 2 time (num is Unix seconds)
}

func searchValue(s *Server, n xmlName, in info) (searchVal, bool) {
	switch n {
	case xmlName{nsDAV, "displayname"}:
		return searchVal{text: in.name}, true
	case xmlName{nsDAV, "getcontenttype"}:
		return searchVal{text: in.ctype}, true
	case xmlName{nsDAV, "getlastmodified"}, xmlName{nsDAV, "creationdate"}:
		return searchVal{num: in.mtime.Unix(), kind: 2}, true
	case xmlName{nsDAV, "getcontentlength"}, xmlName{nsOC, "size"}:
		return searchVal{num: in.size, kind: 1}, true
	case xmlName{nsOC, "fileid"}:
		return searchVal{num: in.id, kind: 1}, true
	case xmlName{nsOC, "owner-id"}:
		return searchVal{text: in.owner}, true
	case xmlName{nsOC, "permissions"}:
		return searchVal{text: in.perms}, true
	}
	if v, ok := s.propOf(in, n); ok {
		return searchVal{text: v}, true
	}
	return searchVal{}, false
}

// compareLiteral compares the value with a literal of the same kind.
func (v searchVal) compareLiteral(lit string) (int, bool) {
	lit = strings.TrimSpace(lit)
	switch v.kind {
	case 1:
		n, err := strconv.ParseInt(lit, 10, 64)
		if err != nil {
			return 0, false
		}
		return cmpInt(v.num, n), true
	case 2:
		t, ok := parseSearchTime(lit)
		if !ok {
			return 0, false
		}
		return cmpInt(v.num, t.Unix()), true
	}
	return strings.Compare(strings.ToLower(v.text), strings.ToLower(lit)), true
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseSearchTime reads a date literal: ISO 8601, RFC 1123 or Unix seconds.
func parseSearchTime(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02", http.TimeFormat, time.RFC1123Z} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0), true
	}
	return time.Time{}, false
}

// compareProp orders two entries by one property.
func compareProp(s *Server, n xmlName, a, b info) int {
	va, oka := searchValue(s, n, a)
	vb, okb := searchValue(s, n, b)
	switch {
	case !oka && !okb:
		return 0
	case !oka:
		return -1
	case !okb:
		return 1
	}
	if va.kind != 0 {
		return cmpInt(va.num, vb.num)
	}
	return strings.Compare(strings.ToLower(va.text), strings.ToLower(vb.text))
}

// likeMatch matches SQL LIKE: % any run, _ one character.
func likeMatch(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '%':
		for i := 0; i <= len(s); i++ {
			if likeMatch(pattern[1:], s[i:]) {
				return true
			}
			if i < len(s) {
				_, size := utf8.DecodeRuneInString(s[i:])
				i += size - 1
			}
		}
		return false
	case '_':
		if s == "" {
			return false
		}
		_, size := utf8.DecodeRuneInString(s)
		return likeMatch(pattern[1:], s[size:])
	case '\\':
		if len(pattern) > 1 {
			return s != "" && s[0] == pattern[1] && likeMatch(pattern[2:], s[1:])
		}
	}
	return s != "" && s[0] == pattern[0] && likeMatch(pattern[1:], s[1:])
}
