package service

import (
	"cmp"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/host"
)

// refOrder is a folder's order as the picker defines it, by a plain sort of copies: folders first, then the
// sort key, then names case-insensitively, then by bytes; desc reverses all but folders first.
func refOrder(es []cloud.Entry, by string, desc bool) []string {
	c := slices.Clone(es)
	slices.SortStableFunc(c, func(a, b cloud.Entry) int {
		if a.Dir != b.Dir {
			if a.Dir {
				return -1
			}
			return 1
		}
		var r int
		switch by {
		case SortSize:
			r = cmp.Compare(a.Size, b.Size)
		case SortModified:
			r = a.Modified.Compare(b.Modified)
		}
		if r == 0 {
			r = strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
		}
		if r == 0 {
			r = strings.Compare(a.Name, b.Name)
		}
		if desc {
			r = -r
		}
		return r
	})
	names := make([]string, len(c))
	for i, e := range c {
		names[i] = e.Name
	}
	return names
}

// TestFolderOrder: a folder in the server's order (already sorted by name, or not), shuffled, with folders,
// mixed case and equal sizes and dates, comes out in the order the picker defines for every sort, ascending and
// descending; an ordered folder is left as it is, and the order is remembered.
func TestFolderOrder(t *testing.T) {
	t.Parallel()
	base := time.Date(2024, 5, 14, 9, 0, 0, 0, time.UTC)
	var sorted []cloud.Entry
	for i, n := range []string{"a.txt", "B.txt", "b.txt", "c", "D", "e.pdf", "F.pdf", "g.txt", "h", "Ä.txt"} {
		sorted = append(sorted, cloud.Entry{Name: n, Dir: !strings.Contains(n, "."), Size: int64(i % 3),
			Modified: base.Add(time.Duration(i%4) * time.Hour)})
	}
	inNameOrder := slices.Clone(sorted)
	slices.SortStableFunc(inNameOrder, func(a, b cloud.Entry) int {
		if a.Dir != b.Dir {
			if a.Dir {
				return -1
			}
			return 1
		}
		return compareNames(a.Name, b.Name)
	})
	shuffled := slices.Clone(sorted)
	rand.New(rand.NewSource(1)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, es := range [][]cloud.Entry{inNameOrder, shuffled, sorted} {
		f := &folder{entries: es}
		for _, by := range []string{SortName, SortSize, SortModified} {
			for _, desc := range []bool{false, true} {
				idx := f.order(by, desc)
				got := make([]string, len(idx))
				for i, k := range idx {
					got[i] = es[k].Name
				}
				if want := refOrder(es, by, desc); !reflect.DeepEqual(got, want) {
					t.Errorf("order %s desc %v of %v:\n got %v\nwant %v", by, desc, es, got, want)
				}
				if again := f.order(by, desc); &again[0] != &idx[0] {
					t.Errorf("order %s desc %v computed again", by, desc)
				}
			}
		}
	}
}

// TestPageRows: the rows of a page carry their entries and, for refused files only, the refusal and its few
// words, as the acceptor says them; the counts of files and refused files are the folder's.
func TestPageRows(t *testing.T) {
	t.Parallel()
	es := []cloud.Entry{
		{Name: "Folder", Path: "/d/Folder", Dir: true},
		{Name: "a.pdf", Path: "/d/a.pdf", Size: 10, ContentType: "application/pdf"},
		{Name: "b.txt", Path: "/d/b.txt", Size: 10, ContentType: "text/plain"},
		{Name: "c.pdf", Path: "/d/c.pdf", Size: 5000, ContentType: "application/pdf"},
		{Name: "d.PDF", Path: "/d/d.PDF", Size: 10},
	}
	for _, req := range []host.PickRequest{{}, {MaxBytes: 100}, {Accept: []string{".pdf"}}, {Accept: []string{"pdf"}, MaxBytes: 100},
		{Accept: []string{"text/*"}}, {Accept: []string{"application/pdf"}}} {
		acc := NewAcceptor(req)
		p := (&Service{}).page(&folder{entries: es}, acc, ListQuery{Path: "/d", Pickable: PickableAll}, false)
		files, refused := 0, 0
		for i, r := range p.Rows {
			e := es[i]
			if !reflect.DeepEqual(r.Entry, e) {
				t.Errorf("%+v: row %d entry %+v, want %+v", req, i, r.Entry, e)
			}
			var want, short Message
			if !e.Dir {
				files++
				want, short = acc.Refusal(e.Name, e.ContentType, e.Size), acc.ShortRefusal(e.Name, e.ContentType, e.Size)
				if !want.IsZero() {
					refused++
				}
			}
			if !reflect.DeepEqual(r.Refusal, want) || !reflect.DeepEqual(r.Short, short) {
				t.Errorf("%+v: row %s says %+v / %+v, want %+v / %+v", req, e.Name, r.Refusal, r.Short, want, short)
			}
		}
		if p.Files != files || p.Refused != refused {
			t.Errorf("%+v: %d files, %d refused; want %d, %d", req, p.Files, p.Refused, files, refused)
		}
	}
}
