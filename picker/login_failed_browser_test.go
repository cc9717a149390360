package picker_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	bt "github.com/ocrepo/ocrepo/repository/repositorytest/browsertest"
)

// TestFailedLoginInBrowser: the cloud's client secret changed, so the login fails at the code exchange. The popup
// tells the picker and closes; the picker shows why at its top, in the student's words, focused, with the next
// step, and says so again after a reload. axe-core finds no WCAG A/AA violation on the picker showing it.
func TestFailedLoginInBrowser(t *testing.T) {
	t.Parallel()
	b := bt.New(t)
	f := newFixture(t, repositorytest.Options{})
	f.h.Cloud.WriteFile("alice", "/hello.pdf", []byte("hello"))
	f.h.Cloud.SetClientSecret("regenerated-at-the-cloud")
	ctx := b.As(f.h, "student")
	console := bt.WatchConsole(ctx)
	pickerURL := f.h.PickerURL(host.PickRequest{Course: "42", ReturnTo: "/return"})

	bt.Do(t, ctx, "open the picker", chromedp.Navigate(pickerURL), chromedp.WaitVisible(chromedp.CSS(`[data-testid="login"]`)))
	popup := bt.Popup(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="login"]`)))
	bt.Do(t, popup, "log in at the cloud", bt.CloudLogin("alice", "alice")...)

	bt.Do(t, ctx, "the picker says why", chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-failed"][data-code="login_client_refused"]`)))
	words := bt.Text(t, ctx, `[data-testid="login-failed"]`)
	if !strings.Contains(words, "does not accept this site") || !strings.Contains(words, "tell your site administrator") {
		t.Errorf("the picker says %q", words)
	}
	role, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="login-failed"]').getAttribute('role')`))
	if err != nil || role != "alert" {
		t.Errorf("role %q, %v", role, err)
	}
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.activeElement === document.querySelector('[data-testid="login-failed"]')`))
	if err != nil || !focused {
		t.Errorf("the failure is not focused (%v)", err)
	}
	bt.Shot(t, ctx, "picker", "02b-login-failed")
	bt.Axe(t, ctx, "picker with a failed login")

	bt.Do(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-failed"]`)))
	if p := console.Problems(); len(p) > 0 {
		t.Errorf("console: %v", p)
	}
}
