package picker_test

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
)

// TestOnlyPickableFiles: refused files are explained once for the page, not on every row; when most (not all) of
// a folder is refused the picker starts with only the files one can pick and says so; the toggle shows all of
// them (and back), kept across sorting; a folder where half or all files are refused shows every file.
func TestOnlyPickableFiles(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	f.h.Cloud.WriteFile("alice", "/Most/essay.pdf", []byte("%PDF"))
	for _, n := range []string{"a.txt", "b.txt", "c.txt"} {
		f.h.Cloud.WriteFile("alice", "/Most/"+n, []byte("t"))
	}
	f.h.Cloud.WriteFile("alice", "/Half/one.pdf", []byte("%PDF"))
	f.h.Cloud.WriteFile("alice", "/Half/two.txt", []byte("t"))
	f.h.Cloud.WriteFile("alice", "/All/x.txt", []byte("t"))
	req := host.PickRequest{Accept: []string{".pdf"}, MaxBytes: 1000}
	names := func(d *goquery.Document) string {
		var out []string
		d.Find(`[data-testid="row"]`).Each(func(_ int, s *goquery.Selection) { out = append(out, s.AttrOr("data-name", "")) })
		return strings.Join(out, ",")
	}

	_, body, _ := f.c.Get(t, f.pickerPath(req)+"&path=%2FMost")
	d := doc(t, body)
	if got := names(d); got != "essay.pdf" {
		t.Errorf("most refused: rows %q, want only essay.pdf", got)
	}
	note := d.Find(`[data-testid="refused-note"]`)
	if note.Length() != 1 || !strings.Contains(note.Text(), "3 of the 4 files here cannot be used") ||
		!strings.Contains(note.Text(), "This page accepts files of these types: .pdf, up to 1,000 bytes.") ||
		d.Find(`[data-testid="refused-auto"]`).Length() != 1 {
		t.Fatalf("note %q", note.Text())
	}
	all, ok := d.Find(`[data-testid="pickable-toggle"]`).Attr("href")
	if !ok || !strings.Contains(d.Find(`[data-testid="pickable-toggle"]`).Text(), "Show all 4 files") {
		t.Fatalf("no toggle: %s", body)
	}

	_, body, _ = f.c.Get(t, all)
	d = doc(t, body)
	if got := names(d); got != "a.txt,b.txt,c.txt,essay.pdf" {
		t.Errorf("all: rows %q", got)
	}
	if d.Find(`[data-testid="refused-auto"]`).Length() != 0 || d.Find(`[data-testid="refused-note"]`).Length() != 1 {
		t.Errorf("the page explains more than once or still says it chose")
	}
	d.Find(`[data-testid="refusal"]`).Each(func(_ int, s *goquery.Selection) {
		if txt := strings.TrimSpace(s.Text()); txt != "Type not accepted" {
			t.Errorf("row reason %q repeats the page's explanation", txt)
		}
		if !strings.Contains(s.Parent().Parent().Find(`input`).AttrOr("aria-describedby", ""), "refused-note") {
			t.Errorf("a refused row is not described by the page's note")
		}
	})
	// Sorting keeps the choice; the toggle goes back.
	sortURL, _ := d.Find(`th.size a, th a`).Last().Attr("href")
	if !strings.Contains(sortURL, "pickable=0") {
		t.Errorf("sorting forgets the choice: %s", sortURL)
	}
	only, _ := d.Find(`[data-testid="pickable-toggle"]`).Attr("href")
	if _, body, _ = f.c.Get(t, only); names(doc(t, body)) != "essay.pdf" {
		t.Errorf("back to only pickable: %q", names(doc(t, body)))
	}

	for path, want := range map[string]string{"%2FHalf": "one.pdf,two.txt", "%2FAll": "x.txt"} {
		_, body, _ = f.c.Get(t, f.pickerPath(req)+"&path="+path)
		if got := names(doc(t, body)); got != want {
			t.Errorf("%s: rows %q, want %q", path, got, want)
		}
	}
}
