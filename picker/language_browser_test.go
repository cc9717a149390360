package picker_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	bt "github.com/ocrepo/ocrepo/repository/repositorytest/browsertest"
)

// TestPickerInGermanAndArabicInBrowser: the picker (a folder with its refusal note, an import's result) and an
// access controlled link's page, in German and in Arabic: lang and dir on the page, the layout mirrored in Arabic
// (the table's first column to the right of its last, the first action to the right of the next), nothing wider
// than the window, words and sizes in the language, and no axe-core violations. Screenshots go to
// out/screenshots/picker-lang/; with OCREPO_UPDATE_DOCS=1 the German listing also goes to the README's
// docs/screenshots/20-picker-de.png.
func TestPickerInGermanAndArabicInBrowser(t *testing.T) {
	t.Parallel()
	b := bt.New(t)
	for _, tc := range []struct{ lang, dir, heading, refused, size, done string }{
		{"de", "ltr", "Datei auswählen", "Diese Seite nimmt Dateien dieser Typen an: .pdf, bis 50 MB.", "1,5 KB", "1 Datei aus Campus Cloud kopiert."},
		{"ar", "rtl", "اختيار ملف", "تقبل هذه الصفحة ملفات من هذه الأنواع: .pdf، حتى ٥٠ ميغابايت.", "١٫٥ كيلوبايت", "نُسخ ملف واحد من Campus Cloud."},
	} {
		f := controlledFixture(t, repositorytest.Options{Config: func(c *repository.Config) {
			c.Language = repository.LanguagesFunc(func(*http.Request) string { return tc.lang })
		}})
		f.h.Cloud.WriteFile("alice", "/Course work/essay final.pdf", []byte(strings.Repeat("x", 1536)))
		f.h.Cloud.WriteFile("alice", "/Course work/slides.pdf", []byte("slides"))
		f.h.Cloud.WriteFile("alice", "/Course work/notes.txt", []byte("not a pdf"))
		f.h.Cloud.WriteFile("alice", "/Course work/summary.docx", []byte("not a pdf either"))
		f.h.Cloud.Mkdir("alice", "/Course work/Drafts")
		ctx := b.As(f.h, "student")
		req := host.PickRequest{Course: "42", Accept: []string{".pdf"}, MaxBytes: 50 << 20, Context: submission.Context}

		bt.Do(t, ctx, "open the picker in "+tc.lang,
			chromedp.Navigate(f.h.PickerURL(req)+"&path=%2FCourse+work&pickable=0"),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="refused-note"]`)),
		)
		frame := layout(t, ctx, `table[data-testid="files"] thead th`, `.picker-head h1`)
		if frame.Lang != tc.lang || frame.Dir != tc.dir || frame.Heading != tc.heading {
			t.Errorf("%s: lang %q direction %q heading %q", tc.lang, frame.Lang, frame.Dir, frame.Heading)
		}
		if frame.Mirrored != (tc.dir == "rtl") {
			t.Errorf("%s: the table runs the wrong way (first column right of the last: %v)", tc.lang, frame.Mirrored)
		}
		if frame.Overflow {
			t.Errorf("%s: the picker is wider than the window", tc.lang)
		}
		if note := bt.Text(t, ctx, `[data-testid="refused-note"] p`); !strings.Contains(note, tc.refused) {
			t.Errorf("%s: refusal note %q, want it to say %q", tc.lang, note, tc.refused)
		}
		if size := bt.Text(t, ctx, `[data-testid="row"][data-name="essay final.pdf"] td.size`); size != tc.size {
			t.Errorf("%s: size %q, want %q", tc.lang, size, tc.size)
		}
		shot := bt.ViewportShot(t, ctx, "picker-lang", "listing-"+tc.lang)
		if tc.lang == "de" && os.Getenv("OCREPO_UPDATE_DOCS") == "1" {
			copyFile(t, shot, filepath.Join("..", "docs", "screenshots", "20-picker-de.png"))
		}
		bt.Axe(t, ctx, "picker listing in "+tc.lang)

		bt.Do(t, ctx, "import a file in "+tc.lang,
			chromedp.Click(chromedp.CSS(`[data-testid="row"][data-name="essay final.pdf"] input[name="path"]`)),
			chromedp.Click(chromedp.CSS(`[data-testid="as-import"]`)),
			chromedp.Click(chromedp.CSS(`[data-testid="pick"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="result"]`)),
		)
		if got := bt.Text(t, ctx, `[data-testid="result"] strong`); got != tc.done {
			t.Errorf("%s: result %q, want %q", tc.lang, got, tc.done)
		}
		if frame := layout(t, ctx, `table[data-testid="files"] thead th`, `.picker-head h1`); frame.Overflow || frame.Mirrored != (tc.dir == "rtl") {
			t.Errorf("%s: after the import: overflow %v, mirrored %v", tc.lang, frame.Overflow, frame.Mirrored)
		}
		bt.ViewportShot(t, ctx, "picker-lang", "result-"+tc.lang)
		bt.Axe(t, ctx, "import result in "+tc.lang)

		f.h.Cloud.WriteFile("alice", "/essay.pdf", []byte("my essay"))
		id, status, body := f.pickControlled(t, submission, "/essay.pdf")
		if status != http.StatusOK {
			t.Fatalf("%s: controlled pick: %d %s", tc.lang, status, body)
		}
		teacher := b.As(f.h, "teacher")
		bt.Do(t, teacher, "open the controlled link in "+tc.lang,
			chromedp.Navigate(f.h.URL+f.h.Repo.ControlledLinkURL(id)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="controlled"]`)),
		)
		frame = layout(t, teacher, `.controlled .actions > *`, `.controlled h1`)
		if frame.Lang != tc.lang || frame.Dir != tc.dir || frame.Heading != "essay.pdf" {
			t.Errorf("%s: controlled link: lang %q direction %q heading %q", tc.lang, frame.Lang, frame.Dir, frame.Heading)
		}
		if frame.Mirrored != (tc.dir == "rtl") || frame.Overflow {
			t.Errorf("%s: controlled link: mirrored %v, overflow %v", tc.lang, frame.Mirrored, frame.Overflow)
		}
		bt.ViewportShot(t, teacher, "picker-lang", "controlled-"+tc.lang)
		bt.Axe(t, teacher, "controlled link in "+tc.lang)
	}
}

// pageLayout is what the language test reads of a page.
type pageLayout struct {
	Lang, Dir, Heading string
	Mirrored           bool // the first of the row's items lies right of the last
	Overflow           bool // the page is wider than the window
}

// layout reads the page's language, direction and heading, and whether the items matched by row run right to
// left.
func layout(t *testing.T, ctx context.Context, row, heading string) pageLayout {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[pageLayout](`(() => {
		const items = document.querySelectorAll(`+jsString(row)+`);
		const first = items[0].getBoundingClientRect(), last = items[items.length - 1].getBoundingClientRect();
		return {
			Lang: document.documentElement.lang,
			Dir: getComputedStyle(document.body).direction,
			Heading: document.querySelector(`+jsString(heading)+`).textContent.trim(),
			Mirrored: first.left > last.left,
			Overflow: document.documentElement.scrollWidth > document.documentElement.clientWidth,
		};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
