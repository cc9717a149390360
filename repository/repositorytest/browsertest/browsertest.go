// Package browsertest drives a real headless Chromium (Debian's /usr/bin/chromium, or OCREPO_BROWSER) through
// chromedp for ocrepo's browser tests, signed in as a user of a repositorytest host, and saves screenshots under
// out/screenshots in the module root (git-ignored) for people to look at.
//
// Where no browser is installed (a newcomer's laptop) the tests skip and say why; with OCREPO_REQUIRE_BROWSER=1
// (CI) a missing browser fails them instead.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/ocrepo/ocrepo/repository/repositorytest"
)

// Budget is how long a browser test may take in all: the browser and every tab end then, so a page that never
// shows what a test waits for fails the test within this time instead of at go test's -timeout.
const Budget = 3 * time.Minute

// StepTimeout is how long one step (Do, Text, Shot, or a Within context) may take: a wait for something that
// never appears fails in seconds, naming the step.
const StepTimeout = 30 * time.Second

// Browser is one headless browser process for a test.
type Browser struct {
	t     *testing.T
	alloc context.Context
	root  context.Context
}

// find returns the browser binary, or "".
func find() string {
	if p := os.Getenv("OCREPO_BROWSER"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New starts a browser for the test (closed at its end), or skips when none is installed.
func New(t *testing.T) *Browser {
	t.Helper()
	path := find()
	if path == "" {
		if os.Getenv("OCREPO_REQUIRE_BROWSER") == "1" {
			t.Fatal("browsertest: OCREPO_REQUIRE_BROWSER=1 but no Chromium found (install Debian's chromium)")
		}
		t.Skip("browsertest: no Chromium on this machine (install Debian's chromium package to run browser tests)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("block-new-web-contents", false),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	ctx := repositorytest.Deadline(t, Budget)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	root, cancelRoot := chromedp.NewContext(alloc)
	if err := chromedp.Do(root); err != nil {
		cancelRoot()
		cancelAlloc()
		t.Fatalf("browsertest: start %s: %v", path, withCause(ctx, err))
	}
	t.Cleanup(func() {
		cancelRoot()
		cancelAlloc()
	})
	return &Browser{t: t, alloc: alloc, root: root}
}

// Fresh opens a fresh browser context (its own cookies), for hosts that sign people in themselves.
func (b *Browser) Fresh() context.Context {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.root, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatalf("browsertest: new browser context: %v", err)
	}
	return ctx
}

// As opens a fresh browser context (its own cookies) signed in to the host as user.
func (b *Browser) As(h *repositorytest.Host, user string) context.Context {
	b.t.Helper()
	ctx := b.Fresh()
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.SetCookie, network.SetCookieParams{Name: repositorytest.UserCookie, Value: user,
			URL: h.URL + "/", Path: "/"})
		return err
	}))
	if err != nil {
		b.t.Fatalf("browsertest: sign in as %s: %v", user, err)
	}
	return ctx
}

// Popup runs open (which makes the page open a window) and returns a context for the new window.
func Popup(t *testing.T, ctx context.Context, open chromedp.Action[chromedp.Void]) context.Context {
	t.Helper()
	ch := chromedp.WaitNewTarget(ctx, func(info *target.Info) bool { return info.Type == "page" })
	if err := chromedp.Do(ctx, open); err != nil {
		t.Fatalf("browsertest: open popup: %v", err)
	}
	var id target.ID
	select {
	case id = <-ch:
	case <-ctx.Done():
		t.Fatalf("browsertest: no popup opened: %v", ctx.Err())
	}
	pctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(id))
	t.Cleanup(cancel)
	// Attach to the window now, on the long-lived context: attached by a step's shorter context, the window's
	// session would end with that step.
	if err := chromedp.Do(pctx); err != nil {
		t.Fatalf("browsertest: attach to the popup: %v", err)
	}
	return pctx
}

// Within returns ctx limited to StepTimeout for one step, and its cancel function: a step that waits for
// something that never comes fails with a cause naming the step.
func Within(ctx context.Context, step string) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, StepTimeout, fmt.Errorf("browsertest: step %q took longer than %s", step, StepTimeout))
}

// withCause adds why ctx ended to err, when it did.
func withCause(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
		return fmt.Errorf("%w (%w)", err, cause)
	}
	return err
}

// Shot saves a full-page screenshot as out/screenshots/<group>/<name>.png and returns its path.
func Shot(t *testing.T, ctx context.Context, group, name string) string {
	t.Helper()
	return shot(t, ctx, group, name, chromedp.FullScreenshot(100))
}

// ViewportShot is Shot of the viewport alone (Chrome's beyond-the-viewport capture shifts right-to-left pages
// sideways).
func ViewportShot(t *testing.T, ctx context.Context, group, name string) string {
	t.Helper()
	return shot(t, ctx, group, name, chromedp.CaptureScreenshot())
}

// ElementShot is Shot of the first element sel matches.
func ElementShot(t *testing.T, ctx context.Context, group, name, sel string) string {
	t.Helper()
	return shot(t, ctx, group, name, chromedp.Screenshot(sel))
}

func shot(t *testing.T, ctx context.Context, group, name string, capture chromedp.Action[[]byte]) string {
	t.Helper()
	sctx, cancel := Within(ctx, "screenshot "+name)
	defer cancel()
	png, err := chromedp.Run(sctx, capture)
	if err != nil {
		t.Fatalf("browsertest: screenshot %s: %v", name, withCause(sctx, err))
	}
	dir := filepath.Join(moduleRoot(t), "out", "screenshots", group)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// moduleRoot is the folder holding go.mod, found upwards from the test's working directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("browsertest: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Text returns the trimmed text of the first node matching sel.
func Text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	sctx, cancel := Within(ctx, "text of "+sel)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("browsertest: text of %s: %v", sel, withCause(sctx, err))
	}
	return strings.TrimSpace(s)
}

// Do runs actions within StepTimeout and fails the test on error, naming the step.
func Do(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := Within(ctx, step)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("browsertest: %s: %v", step, withCause(sctx, err))
	}
}

// Console collects what pages write to the browser console, to catch Content-Security-Policy violations and
// script errors.
type Console struct {
	mu   sync.Mutex
	msgs []string
}

// WatchConsole starts collecting the console messages of ctx's tab.
func WatchConsole(ctx context.Context) *Console {
	c := &Console{}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			c.mu.Lock()
			c.msgs = append(c.msgs, m.String()+" "+m.URL)
			c.mu.Unlock()
		}
	}()
	return c
}

// Problems are the messages so far that report a CSP violation or a script exception.
func (c *Console) Problems() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, m := range c.msgs {
		if strings.Contains(m, "Content Security Policy") || strings.Contains(m, "exception") {
			out = append(out, m)
		}
	}
	return out
}

// CloudLoginForm are the steps from the test cloud's first login page to its filled-in login form: Nextcloud's
// login flow page ("Log in"), then the account name and password. CloudGrant finishes the login.
func CloudLoginForm(user, password string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.WaitVisible(chromedp.ID("login-flow-start")),
		chromedp.Click(chromedp.ID("login-flow-start")),
		chromedp.WaitVisible(chromedp.ID("user")),
		chromedp.SendKeys(chromedp.ID("user"), user),
		chromedp.SendKeys(chromedp.ID("password"), password),
	}
}

// CloudGrant submits the filled-in login form and grants access on the test cloud's grant page, after which the
// cloud sends the browser to the host's callback.
func CloudGrant() []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("grant")),
		chromedp.Click(chromedp.ID("grant")),
	}
}

// CloudLogin is CloudLoginForm followed by CloudGrant.
func CloudLogin(user, password string) []chromedp.Action[chromedp.Void] {
	return append(CloudLoginForm(user, password), CloudGrant()...)
}
