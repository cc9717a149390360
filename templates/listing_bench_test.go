package templates

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"
)

// words is a translator that says the ids, for rendering benchmarks and tests.
type words struct{}

func (words) T(id string, _ ...any) string { return id }
func (words) Lang() string                 { return "en" }
func (words) Dir() string                  { return "ltr" }
func (words) Number(n int64) string        { return strconv.FormatInt(n, 10) }
func (words) Size(n int64) string          { return strconv.FormatInt(n, 10) + " B" }
func (words) Time(t time.Time) string      { return t.Format(time.RFC3339) }
func (words) Clock(t time.Time) string     { return t.Format("15:04:05") }

// listing50 is a page of a folder as the picker shows it: fifty rows, a few folders, files with icons, some with
// thumbnails, one refused.
func listing50() Listing {
	l := Listing{Heading: "Big", FilterURL: "/ocrepo/picker/search", FilterHX: "/ocrepo/picker/search", Count: "51–100 of 10,000",
		Form: PickForm{Action: "/ocrepo/picker/pick", Submit: "Pick", Options: []ReturnOption{{Value: "import", Label: "Copy", Checked: true}}}}
	for _, c := range []string{"name", "num size", "modified"} {
		l.Columns = append(l.Columns, Column{Label: c, Class: c, Sort: "none", URL: "/ocrepo/picker?path=%2FBig&sort=" + c, HX: "/ocrepo/picker/list?path=%2FBig&sort=" + c})
	}
	for i := range 50 {
		name := fmt.Sprintf("file-%04d.pdf", i)
		r := FileRow{ID: "f" + strconv.Itoa(i), Name: name, Path: "/Big/" + name, Size: "1.5 MB", Modified: "Mar 5, 2026, 09:07 UTC",
			ISO: "2026-03-05T09:07:00Z", Icon: "/ocrepo/static/icons.svg#i-pdf"}
		switch {
		case i < 5:
			r.Dir, r.Name, r.Path, r.Icon = true, fmt.Sprintf("folder %d", i), fmt.Sprintf("/Big/folder %d", i), "/ocrepo/static/icons.svg#i-folder"
			r.Open = &Link{Label: r.Name, URL: "/ocrepo/picker?path=%2FBig%2Ffolder+" + strconv.Itoa(i), HX: "/ocrepo/picker/list?path=%2FBig%2Ffolder+" + strconv.Itoa(i)}
		case i%3 == 0:
			r.Preview = "/ocrepo/picker/preview?path=%2FBig%2F" + name + "&etag=abc"
		case i == 7:
			r.Refusal, r.Short = "Too big", "Too big"
		}
		l.Rows = append(l.Rows, r)
	}
	return l
}

// BenchmarkListingView50 renders a listing fragment of fifty rows, as the picker's list handler does.
func BenchmarkListingView50(b *testing.B) {
	l := listing50()
	ctx := WithTranslator(context.Background(), words{})
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := ListingView(l).Render(ctx, &buf); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}
