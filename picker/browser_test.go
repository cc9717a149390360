package picker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	bt "github.com/ocrepo/ocrepo/repository/repositorytest/browsertest"
)

// TestPickerInBrowser logs in through the fake cloud's login page in a popup, browses, imports a file while the
// progress bar shows, links another, and checks what the host received.
func TestPickerInBrowser(t *testing.T) {
	t.Parallel()
	b := bt.New(t)
	f := newFixture(t, repositorytest.Options{})
	f.h.Cloud.WriteFile("alice", "/Course work/essay final.pdf", []byte(strings.Repeat("essay ", 20000)))
	f.h.Cloud.WriteFile("alice", "/Course work/slides.pdf", []byte("slides"))
	f.h.Cloud.WriteFile("alice", "/Course work/notes.txt", []byte("not a pdf"))
	f.h.Cloud.WriteFile("alice", "/readme.md", []byte("readme"))
	f.h.Cloud.Mkdir("alice", "/Photos")
	ctx := b.As(f.h, "student")
	req := host.PickRequest{Course: "42", Accept: []string{".pdf"}, MaxBytes: 50 << 20, ReturnTo: "/return"}
	pickerURL := f.h.PickerURL(req)

	bt.Do(t, ctx, "open the picker", chromedp.Navigate(pickerURL), chromedp.WaitVisible(chromedp.CSS(`[data-testid="login"]`)))
	bt.Shot(t, ctx, "picker", "01-login")
	bt.Axe(t, ctx, "01-login")

	popup := bt.Popup(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="login"]`)))
	bt.Do(t, popup, "log in at the cloud", bt.CloudLoginForm("alice", "alice")...)
	bt.Shot(t, popup, "picker", "02-cloud-login")
	bt.Do(t, popup, "grant access", bt.CloudGrant()...)

	// The popup tells the picker, which reloads with the files.
	bt.Do(t, ctx, "files listed", chromedp.WaitVisible(chromedp.CSS(`[data-testid="files"]`)))
	if who := bt.Text(t, ctx, `[data-testid="who"]`); !strings.Contains(who, "alice") {
		t.Errorf("toolbar says %q", who)
	}
	bt.Shot(t, ctx, "picker", "03-files")
	bt.Axe(t, ctx, "03-files")

	bt.Do(t, ctx, "open a folder",
		chromedp.Click(chromedp.CSS(`[data-testid="row"][data-name="Course work"] [data-testid="open"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="row"][data-name="essay final.pdf"]`)),
	)
	if why := bt.Text(t, ctx, `[data-testid="row"][data-name="notes.txt"] [data-testid="refusal"]`); !strings.Contains(why, "not accepted") {
		t.Errorf("notes.txt refusal %q", why)
	}
	bt.Shot(t, ctx, "picker", "04-folder")
	bt.Axe(t, ctx, "04-folder")

	// The cloud holds the download until the progress bar has been seen (and photographed).
	hold := make(chan struct{})
	f.h.Cloud.Fail(cloudtest.EPWebDAV, cloudtest.Fault{Times: 1, Method: "GET", PathSuffix: "/essay final.pdf", Hold: hold})
	bt.Do(t, ctx, "import a file",
		chromedp.Click(chromedp.CSS(`[data-testid="row"][data-name="essay final.pdf"] input[name="path"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="as-import"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="pick"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="progress"]`)),
	)
	bt.Shot(t, ctx, "picker", "05-importing")
	bt.Axe(t, ctx, "05-importing")
	close(hold)
	// A picker opened as a page returns to the host by itself.
	bt.Do(t, ctx, "back at the host", chromedp.WaitVisible(chromedp.CSS(`body`)), waitLocation("/return?pick="))
	body := bt.Text(t, ctx, "body")
	id := strings.TrimPrefix(body, "returned ")
	res, err := f.h.Repo.PickResult(context.Background(), "student", id)
	if err != nil || res.Type != host.ReturnImport || len(res.Files) != 1 || res.Files[0].Name != "essay final.pdf" {
		t.Fatalf("host received %+v, %v", res, err)
	}
	stored, ok := f.h.Files.File(res.Files[0].Ref)
	if !ok || len(stored.Data) != 6*20000 {
		t.Fatalf("sink holds %d bytes", len(stored.Data))
	}

	// Link another file.
	bt.Do(t, ctx, "link a file",
		chromedp.Navigate(pickerURL+"&path="+"%2FCourse+work"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="row"][data-name="slides.pdf"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="row"][data-name="slides.pdf"] input[name="path"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="as-link"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="pick"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="picked-url"]`)),
	)
	bt.Shot(t, ctx, "picker", "06-linked")
	bt.Axe(t, ctx, "06-linked")
	if bt.Text(t, ctx, `[data-testid="alert-public"]`) == "" {
		t.Error("no public-link warning")
	}
	bt.Do(t, ctx, "back at the host again", chromedp.Click(chromedp.CSS(`[data-testid="return"]`)), waitLocation("/return?pick="))
	id = strings.TrimPrefix(bt.Text(t, ctx, "body"), "returned ")
	res, err = f.h.Repo.PickResult(context.Background(), "student", id)
	if err != nil || res.Type != host.ReturnLink || !strings.Contains(res.Files[0].URL, "/s/") {
		t.Fatalf("host received %+v, %v", res, err)
	}
}

// waitLocation waits until the page's URL contains part. The page navigates meanwhile, which ends a running
// poll, so it polls again until the test's context ends.
func waitLocation(part string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for {
			_, err := chromedp.Poll[bool]("location.href.includes("+jsString(part)+")",
				chromedp.WithPollingTimeout(5*time.Second))(ctx, tg)
			if err == nil || ctx.Err() != nil {
				return err
			}
		}
	})
}

func jsString(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}
