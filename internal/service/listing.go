package service

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
)

// Sort orders of a listing.
const (
	SortName     = "name"
	SortSize     = "size"
	SortModified = "modified"
)

// DefaultPerPage is how many rows a listing page shows.
const DefaultPerPage = 50

// ListQuery asks for one page of one folder.
type ListQuery struct {
	Path    string
	Sort    string // SortName (default), SortSize, SortModified; folders always come first
	Desc    bool
	Filter  string // case-insensitive substring of the name, within the folder
	Page    int    // 1-based
	PerPage int    // 0: DefaultPerPage
	Reload  bool   // read the folder again even if a recent listing is at hand
	// Pickable chooses whether refused files are shown: PickableAuto (default), PickableOnly or PickableAll.
	Pickable string
}

// Row is one entry as the picker shows it.
type Row struct {
	cloud.Entry
	Refusal Message // why it cannot be picked, nothing when it can (folders can always be opened)
	Short   Message // the same in a few words, for the row (the page explains the rest once)
}

// Crumb is one step of the breadcrumb trail.
type Crumb struct {
	Name string
	Path string
}

// ListPage is one page of a folder listing.
type ListPage struct {
	Path     string
	Crumbs   []Crumb
	Rows     []Row
	Total    int // entries in the folder after the filter
	InFolder int // entries in the folder
	Page     int
	Pages    int
	Query    ListQuery
	Fetched  time.Time
	Cached   bool // served from a recent listing, no request made
	// Files and Refused count the folder's files and those the pick request refuses; OnlyPickable says refused
	// files are left out (by the user's choice, or because most files are refused and the choice is auto).
	Files, Refused int
	OnlyPickable   bool
	Explain        Message // which files the page accepts, once for the page (nothing when it accepts all)
}

// List returns one page of a folder in a user's cloud. The folder is read with one PROPFIND and kept for a short
// while, so paging, sorting, filtering and going back cost nothing; Reload reads it again. A failure is an error,
// never an empty page.
func (s *Service) List(ctx context.Context, u host.User, inst store.Instance, req host.PickRequest, q ListQuery) (ListPage, error) {
	conn, tok, err := s.userConn(ctx, inst.IssuerID, u.ID)
	if err != nil {
		return ListPage{}, err
	}
	q.Path = cleanPath(q.Path)
	key := listingKey{issuerID: inst.IssuerID, userID: u.ID, cloudUser: tok.CloudUser, path: q.Path}
	f, cached := (*folder)(nil), false
	if !q.Reload {
		f, cached = s.listings.get(key)
	}
	if cached {
		s.metrics.listingHits.Inc()
	} else {
		s.metrics.listingMisses.Inc()
	}
	if !cached && !q.Reload {
		if old, ok := s.listings.stale(key); ok {
			if f = s.revalidate(ctx, conn, q.Path, old); f != nil {
				s.listings.put(key, f)
			}
		}
	}
	if f == nil {
		self, children, err := conn.ReadDir(ctx, q.Path)
		if err != nil {
			return ListPage{}, fmt.Errorf("service: list %q: %w", q.Path, err)
		}
		f = &folder{self: self, entries: children, fetched: s.now()}
		s.listings.put(key, f)
	}
	return s.page(f, NewAcceptor(req), q, cached), nil
}

// page sorts, filters and cuts one page from a folder, building rows only for the visible entries.
func (s *Service) page(f *folder, acc Acceptor, q ListQuery, cached bool) ListPage {
	order := f.order(q.Sort, q.Desc)
	per := q.PerPage
	if per <= 0 {
		per = DefaultPerPage
	}
	filter := strings.ToLower(strings.TrimSpace(q.Filter))
	files, refused := countRefused(f, &acc)
	only := onlyPickable(q.Pickable, files, refused)
	var matched []int32
	if filter == "" && (!only || refused == 0) {
		matched = order
	} else {
		matched = make([]int32, 0, 64)
		for _, i := range order {
			e := &f.entries[i]
			if filter != "" && !containsFold(e.Name, filter) {
				continue
			}
			if only && !e.Dir && !acc.accepts(e.Name, e.ContentType, e.Size) {
				continue
			}
			matched = append(matched, i)
		}
	}
	pages := max(1, (len(matched)+per-1)/per)
	pageNo := min(max(q.Page, 1), pages)
	lo := (pageNo - 1) * per
	hi := min(lo+per, len(matched))
	// Each row is written in place, its entry copied once; only a refused file's words are built.
	rows := make([]Row, hi-lo)
	all := acc.acceptsAll()
	for k, i := range matched[lo:hi] {
		r := &rows[k]
		r.Entry = f.entries[i]
		if e := &r.Entry; !e.Dir && !all && !acc.accepts(e.Name, e.ContentType, e.Size) {
			r.Refusal = acc.Refusal(e.Name, e.ContentType, e.Size)
			r.Short = acc.ShortRefusal(e.Name, e.ContentType, e.Size)
		}
	}
	q.Page = pageNo
	q.PerPage = per
	return ListPage{
		Path: q.Path, Crumbs: Crumbs(q.Path), Rows: rows, Total: len(matched), InFolder: len(f.entries),
		Page: pageNo, Pages: pages, Query: q, Fetched: f.fetched, Cached: cached,
		Files: files, Refused: refused, OnlyPickable: only, Explain: acc.Explain(),
	}
}

// containsFold reports whether name contains the lower-case needle, ignoring case, without allocating for ASCII.
func containsFold(name, lowerNeedle string) bool {
	for i := 0; i < len(name); i++ {
		if name[i] >= 0x80 {
			return strings.Contains(strings.ToLower(name), lowerNeedle)
		}
	}
	n := len(lowerNeedle)
	for i := 0; i+n <= len(name); i++ {
		ok := true
		for j := 0; j < n; j++ {
			c := name[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != lowerNeedle[j] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// order returns the entry indices sorted, folders first; computed once per folder and sort.
func (f *folder) order(by string, desc bool) []int32 {
	switch by {
	case SortSize, SortModified:
	default:
		by = SortName
	}
	k := by
	if desc {
		k += "-"
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if o, ok := f.orders[k]; ok {
		return o
	}
	idx := make([]int32, len(f.entries))
	for i := range idx {
		idx[i] = int32(i)
	}
	es := f.entries
	compare := func(a, b int32) int {
		ea, eb := &es[a], &es[b]
		if ea.Dir != eb.Dir {
			if ea.Dir {
				return -1
			}
			return 1
		}
		var c int
		switch by {
		case SortSize:
			c = cmp.Compare(ea.Size, eb.Size)
		case SortModified:
			c = ea.Modified.Compare(eb.Modified)
		}
		if c == 0 {
			c = compareNames(ea.Name, eb.Name)
		}
		if desc {
			c = -c
		}
		return c
	}
	// Servers mostly send a folder in name order already: one pass over it then replaces the sort (which leaves
	// an ordered listing as it is).
	if !slices.IsSortedFunc(idx, compare) {
		slices.SortStableFunc(idx, compare)
	}
	if f.orders == nil {
		f.orders = map[string][]int32{}
	}
	f.orders[k] = idx
	return idx
}

// compareNames orders names case-insensitively, then by bytes for a stable order.
func compareNames(a, b string) int {
	if c := compareLower(a, b); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// compareLower is strings.Compare(strings.ToLower(a), strings.ToLower(b)) without building the lowered strings
// (a sort calls it n log n times): rune by rune, each lowered as strings.ToLower does (an invalid byte is
// U+FFFD), since UTF-8 orders its encodings as it orders code points.
func compareLower(a, b string) int {
	// Bytes both names share lower alike: skip them, back to the start of the rune where they part.
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	for i > 0 && (i < len(a) && !utf8.RuneStart(a[i]) || i < len(b) && !utf8.RuneStart(b[i])) {
		i--
	}
	a, b = a[i:], b[i:]
	for a != "" && b != "" {
		ra, na := lowerRune(a)
		rb, nb := lowerRune(b)
		if ra != rb {
			return cmp.Compare(ra, rb)
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b))
}

// lowerRune is the first rune of s lowered, and its width in s.
func lowerRune(s string) (rune, int) {
	if c := s[0]; c < utf8.RuneSelf {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		return rune(c), 1
	}
	r, n := utf8.DecodeRuneInString(s)
	return unicode.ToLower(r), n
}

// Crumbs splits a path into breadcrumbs, the root first.
func Crumbs(p string) []Crumb {
	out := []Crumb{{Name: "", Path: "/"}}
	cur := ""
	for part := range strings.SplitSeq(strings.Trim(p, "/"), "/") {
		if part == "" {
			continue
		}
		cur += "/" + part
		out = append(out, Crumb{Name: part, Path: cur})
	}
	return out
}

// Search finds files by name across the user's cloud. cloud.ErrUnsupported means the server offers no search.
func (s *Service) Search(ctx context.Context, u host.User, inst store.Instance, req host.PickRequest, query string, limit int) ([]Row, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, nil
	}
	conn, _, err := s.userConn(ctx, inst.IssuerID, u.ID)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 100
	}
	found, err := conn.Search(ctx, query, limit)
	if err != nil {
		return nil, fmt.Errorf("service: search: %w", err)
	}
	acc := NewAcceptor(req)
	rows := make([]Row, 0, len(found))
	for _, e := range found {
		r := Row{Entry: e}
		if !e.Dir {
			r.Refusal = acc.Refusal(e.Name, e.ContentType, e.Size)
			r.Short = acc.ShortRefusal(e.Name, e.ContentType, e.Size)
		}
		rows = append(rows, r)
	}
	return rows, nil
}
