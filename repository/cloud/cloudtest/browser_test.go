package cloudtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// findBrowser returns a Chrome or Chromium binary, or "".
func findBrowser() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestLoginPageInBrowser walks Nextcloud's login flow in a real browser (the flow page, the login form, the grant
// page) and follows it to the registered callback.
func TestLoginPageInBrowser(t *testing.T) {
	t.Parallel()
	browser := findBrowser()
	if browser == "" {
		t.Skip("no Chrome or Chromium on this machine")
	}
	got := make(chan url.Values, 1)
	lms := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- r.URL.Query():
		default:
		}
		_, _ = w.Write([]byte("<!DOCTYPE html><title>callback</title><p id=done>done</p>"))
	}))
	defer lms.Close()
	s, _ := newFixture(t, Options{RedirectURI: lms.URL + "/cloud/callback?issuer=1", BasePath: "/nc/"})

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()

	state := "browser state"
	type id = chromedp.ID
	err := chromedp.Do(bctx,
		chromedp.Navigate(authorizeURL(s, "ocrepo", state, s256("verifier-verifier-verifier-verifier-verifier"))),
		chromedp.WaitVisible(id("login-flow-start")),
		chromedp.Click(id("login-flow-start")),
		chromedp.WaitVisible(id("user")),
		chromedp.SendKeys(id("user"), "alice"),
		chromedp.SendKeys(id("password"), "wrong"),
		chromedp.Click(id("submit")),
		chromedp.WaitVisible(id("error")),
	)
	if err != nil {
		t.Fatalf("browser, wrong password: %v", err)
	}
	errorText, err := chromedp.Run(bctx, chromedp.Text(id("error")))
	if err != nil {
		t.Fatalf("read error text: %v", err)
	}
	err = chromedp.Do(bctx,
		chromedp.SendKeys(id("password"), "alice-pw"),
		chromedp.Click(id("submit")),
		chromedp.WaitVisible(id("grant")),
		chromedp.Click(id("grant")),
		chromedp.WaitVisible(id("done")),
	)
	if err != nil {
		t.Fatalf("browser, right password: %v", err)
	}
	if errorText != "Wrong login or password." {
		t.Errorf("error shown %q", errorText)
	}
	var q url.Values
	select {
	case q = <-got:
	case <-ctx.Done():
		t.Fatalf("the callback never reached the LMS: %v", ctx.Err())
	}
	if q.Get("issuer") != "1" || q.Get("state") != state || q.Get("code") == "" {
		t.Fatalf("callback query %v", q)
	}
	r, tr := postToken(t, s, url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")},
		"code_verifier": {"verifier-verifier-verifier-verifier-verifier"}}, true, "ocrepo", "secret")
	if r.status != 200 || tr.UserID != "alice" {
		t.Fatalf("token: HTTP %d %s", r.status, r.body)
	}
}
