package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/ocrepo/ocrepo/repository/repositorytest/browsertest"

	bt "github.com/ocrepo/ocrepo/repository/repositorytest/browsertest"
)

// TestJourney is the newcomer's first ten minutes in a real browser: an admin sets ocrepo up from scratch on the
// admin pages (cloud server by preset, connection check, system account through the test cloud's login page,
// instance), a teacher adds a link with the URL chooser, a student imports a file into one assignment and hands
// in an access controlled link for another, and the teacher opens it. The screenshots it takes are the README's:
// with OCREPO_UPDATE_DOCS=1 they go to docs/screenshots, otherwise to out/screenshots/journey.
func TestJourney(t *testing.T) {
	t.Parallel()
	b := browsertest.New(t)
	d := startDemo(t, Options{NoSeed: true}, "")
	shots := newShooter(t)

	// The site admin signs in through the switcher and sees what is left to set up.
	admin := b.Fresh()
	cons := browsertest.WatchConsole(admin)
	do(t, admin, "sign in as the admin",
		chromedp.Navigate(d.URL),
		chromedp.WaitVisible(testid("signin-dana")),
	)
	shots.take(t, admin, "01-welcome", true)
	do(t, admin, "the set-up checklist",
		chromedp.Click(testid("signin-dana")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="setup"][data-ready="false"]`)),
	)

	// 1. The cloud server, by preset.
	do(t, admin, "add a cloud server",
		chromedp.Click(chromedp.CSS(`[data-testid="setup-issuer"] a`)),
		chromedp.WaitVisible(chromedp.ID("issuer-name")),
		chromedp.SendKeys(chromedp.ID("issuer-name"), "Demo Nextcloud"),
		chromedp.SendKeys(chromedp.ID("issuer-base-url"), d.CloudURL),
		chromedp.SendKeys(chromedp.ID("issuer-client-id"), d.ClientID),
		chromedp.SendKeys(chromedp.ID("issuer-client-secret"), d.ClientSecret),
		chromedp.SetValue(chromedp.ID("issuer-preset"), "nextcloud"),
		chromedp.Click(testid("preset-fill")),
		chromedp.WaitVisible(chromedp.ID("endpoint_url-4")),
	)
	shots.take(t, admin, "02-admin-cloud-server", false)
	do(t, admin, "save it and run the connection check",
		chromedp.Click(testid("issuer-save")),
		chromedp.WaitVisible(testid("check-button")), // saving a new server lands on it

		chromedp.Click(testid("check-button")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="check-summary"][data-ok="true"]`)),
	)
	shots.take(t, admin, "03-admin-connection-check", true)

	// 2. The system account, through the test cloud's own login page.
	do(t, admin, "connect the system account",
		append([]chromedp.Action[chromedp.Void]{chromedp.Click(testid("system-connect"))},
			bt.CloudLoginForm(systemAccount, systemAccount)...)...,
	)
	shots.take(t, admin, "04-cloud-login", false)
	do(t, admin, "grant access", append(bt.CloudGrant(), chromedp.WaitVisible(testid("system-user")))...)
	if got := bt.Text(t, admin, `[data-testid="system-user"]`); got != systemAccount {
		t.Errorf("system account connected as %q", got)
	}

	// 3. A repository instance.
	do(t, admin, "create an instance",
		chromedp.Navigate(d.URL+"/cloud/admin/instances/new"),
		chromedp.WaitVisible(chromedp.ID("instance-name")),
		chromedp.SendKeys(chromedp.ID("instance-name"), "Cloud files"),
		chromedp.SetValue(chromedp.ID("instance-issuer"), "1"),
		chromedp.Click(testid("instance-save")),
		chromedp.WaitVisible(testid("instance-list")),
	)
	shots.take(t, admin, "05-admin-instances", false)
	do(t, admin, "the checklist is done",
		chromedp.Navigate(d.URL),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="setup"][data-ready="true"]`)),
	)
	shots.take(t, admin, "06-lms-admin-ready", true)
	if p := cons.Problems(); len(p) > 0 {
		t.Errorf("browser console (admin): %v", p)
	}

	// The teacher checks the course's repositories and adds a link to a cloud file with the URL chooser.
	teacher := b.Fresh()
	tcons := browsertest.WatchConsole(teacher)
	signIn(t, teacher, d, "bob")
	do(t, teacher, "course settings",
		chromedp.Navigate(d.URL+"/courses/BIO101"),
		chromedp.Click(testid("course-settings")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="course-row-1"][data-enabled="true"]`)),
	)
	shots.take(t, teacher, "07-course-settings", false)
	do(t, teacher, "the link form",
		chromedp.Navigate(d.URL+"/courses/BIO101/links/new"),
		chromedp.WaitVisible(testid("choose-link")),
	)
	chooser := popup(t, teacher, "open the URL chooser", chromedp.Click(testid("choose-link")))
	logInToCloud(t, chooser, "bob")
	do(t, chooser, "choose a file to link",
		chromedp.Click(chromedp.CSS(`[data-testid="row"][data-name="Teaching"] [data-testid="open"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="row"][data-name="BIO101"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="row"][data-name="BIO101"] [data-testid="open"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="row"][data-name="Lab safety rules.pdf"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="row"][data-name="Lab safety rules.pdf"] input[name="path"]`)),
	)
	shots.take(t, chooser, "08-url-chooser", true)
	do(t, chooser, "use the link", chromedp.Click(testid("pick")))
	// The chooser posts the pick to the course page's script, which closes it and fills the form.
	do(t, teacher, "the form is filled", chromedp.WaitVisible(testid("link-from-cloud")))
	shots.take(t, teacher, "08b-link-filled", false)
	if u := value(t, teacher, `[data-testid="link-url"]`); !strings.Contains(u, "/s/") {
		t.Errorf("the URL chooser filled %q, want a public share link", u)
	}
	if got := value(t, teacher, `[data-testid="link-title"]`); got != "Lab safety rules.pdf" {
		t.Errorf("title filled with %q", got)
	}
	do(t, teacher, "save the link",
		chromedp.Click(testid("link-save")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="material"][data-title="Lab safety rules.pdf"]`)),
	)
	// ... and copies two files into the course materials (already logged in to the cloud: no login this time).
	files := popup(t, teacher, "open the picker for materials", chromedp.Click(testid("add-file")))
	do(t, files, "choose two files",
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="row"][data-name="Teaching"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="row"][data-name="Teaching"] [data-testid="open"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="row"][data-name="BIO101"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="row"][data-name="BIO101"] [data-testid="open"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="row"][data-name="Week 1 - The cell.pdf"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="row"][data-name="Week 1 - The cell.pdf"] input[name="path"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="row"][data-name="Cell diagram.png"] input[name="path"]`)),
		chromedp.Click(testid("pick")),
	)
	do(t, teacher, "the files are in the materials",
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="material"][data-title="Week 1 - The cell.pdf"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="material"][data-title="Cell diagram.png"]`)),
	)
	shots.take(t, teacher, "09-course-materials", true)
	do(t, teacher, "the new-assignment form",
		chromedp.Click(testid("new-assignment")),
		chromedp.WaitVisible(testid("assignment-form")),
	)
	shots.take(t, teacher, "09b-new-assignment", false)

	// The student imports a PDF into the lab report.
	student := b.Fresh()
	scons := browsertest.WatchConsole(student)
	signIn(t, student, d, "alice")
	do(t, student, "the lab report",
		chromedp.Navigate(d.URL+"/assignments/1"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="submission-state"][data-state="none"]`)),
	)
	shots.take(t, student, "10-assignment", false)
	picker := popup(t, student, "open the picker", chromedp.Click(testid("choose-file")))
	do(t, picker, "the picker asks for a login", chromedp.WaitVisible(testid("login")))
	logInToCloud(t, picker, "alice")
	do(t, picker, "open Documents",
		chromedp.Click(chromedp.CSS(`[data-testid="row"][data-name="Documents"] [data-testid="open"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="row"][data-name="Lab report - photosynthesis.pdf"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="row"][data-name="Lab report - photosynthesis.pdf"] input[name="path"]`)),
		chromedp.Click(testid("as-import")),
	)
	shots.take(t, picker, "11-picker", true)
	do(t, picker, "import it", chromedp.Click(testid("pick")))
	do(t, student, "the file is attached",
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="submission-file"][data-kind="copy"]`)),
	)
	shots.take(t, student, "12-attached", true)
	do(t, student, "submit",
		chromedp.Click(testid("submit")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="submission-state"][data-state="submitted"]`)),
	)
	copyURL := attr(t, student, testid("submission-open"), "href")

	// ... and hands in the essay as an access controlled link: picked, then submitted (MarkSubmitted).
	do(t, student, "the essay",
		chromedp.Navigate(d.URL+"/assignments/3"),
		chromedp.WaitVisible(testid("choose-file")),
	)
	picker = popup(t, student, "open the picker again", chromedp.Click(testid("choose-file")))
	do(t, picker, "pick the essay as a controlled link",
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="row"][data-name="Documents"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="row"][data-name="Documents"] [data-testid="open"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="row"][data-name="Essay - the industrial revolution.pdf"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="row"][data-name="Essay - the industrial revolution.pdf"] input[name="path"]`)),
		// The assignment takes controlled links only: the picker says so in words (no radio group of one).
		chromedp.WaitReady(chromedp.CSS(`input[type="hidden"][name="as"][value="controlled"]`)),
		chromedp.Click(testid("pick")),
	)
	do(t, student, "the link is attached",
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="submission-file"][data-kind="controlled"]`)),
	)
	// Before submitting, the student opens the link, presses Edit, and revises the essay in the cloud.
	draftURL := attr(t, student, testid("submission-open"), "href")
	do(t, student, "open the draft link and edit",
		chromedp.Navigate(d.URL+draftURL),
		chromedp.WaitVisible(testid("edit")),
		chromedp.Click(testid("edit")),
		chromedp.WaitVisible(testid("open-cloud")),
	)
	aliceCloud := cloudAs{t, d.CloudURL, "alice"}
	revised := append(aliceCloud.read("/Documents/Essay - the industrial revolution.pdf"), []byte("\n% revised\n")...)
	if s := aliceCloud.put("/LMS files/Essay - the industrial revolution.pdf", revised); s != http.StatusNoContent {
		t.Fatalf("the student's edit through her share: HTTP %d", s)
	}
	do(t, student, "back to the essay",
		chromedp.Navigate(d.URL+"/assignments/3"),
		chromedp.WaitVisible(testid("submit")),
	)
	do(t, student, "submit the essay",
		chromedp.Click(testid("submit")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="submission-state"][data-state="submitted"]`)),
	)
	shots.take(t, student, "13-submitted-controlled", false)
	linkURL := attr(t, student, testid("submission-open"), "href")

	// The student's own link is read-only now.
	do(t, student, "open own submitted link",
		chromedp.Navigate(d.URL+linkURL),
		chromedp.WaitVisible(testid("submitted")),
	)
	if n := count(t, student, testid("edit")); n != 0 {
		t.Errorf("the owner can still edit a submitted link")
	}

	// The teacher sees both submissions and opens the controlled link.
	do(t, teacher, "the lab report's submissions",
		chromedp.Navigate(d.URL+"/assignments/1"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="open-alice"][data-kind="copy"]`)),
	)
	if got := attr(t, teacher, testid("open-alice"), "href"); got != copyURL {
		t.Errorf("teacher's link to the copy %q, student's %q", got, copyURL)
	}
	if got := fetch(t, teacher, copyURL); got != "200 application/pdf %PDF" {
		t.Errorf("the imported file as the teacher gets it: %q", got)
	}
	do(t, teacher, "the essay's submissions",
		chromedp.Navigate(d.URL+"/assignments/3"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="open-alice"][data-kind="controlled"]`)),
	)
	shots.take(t, teacher, "14-submissions", true)
	do(t, teacher, "open the controlled link",
		chromedp.Click(testid("open-alice")),
		chromedp.WaitVisible(testid("controlled")),
		chromedp.WaitVisible(testid("edit")),
	)
	shots.take(t, teacher, "15-controlled-link", true)
	file := attr(t, teacher, testid("download"), "href")
	if got := fetch(t, teacher, file); got != "200 application/pdf %PDF" {
		t.Errorf("the controlled link's file as the teacher gets it: %q", got)
	}
	if got := fetchBase64(t, teacher, file); got != base64.StdEncoding.EncodeToString(revised) {
		t.Errorf("the submitted copy is not the student's revised essay (%d base64 characters)", len(got))
	}
	if s := aliceCloud.put("/LMS files/Essay - the industrial revolution.pdf", []byte("after the deadline")); s < 400 {
		t.Errorf("the student wrote the submitted essay: HTTP %d", s)
	}

	// A classmate may not open it.
	classmate := b.Fresh()
	signIn(t, classmate, d, "carol")
	do(t, classmate, "a classmate opens the link",
		chromedp.Navigate(d.URL+linkURL),
		chromedp.WaitVisible(testid("alert-link_gone")),
	)

	for who, c := range map[string]*browsertest.Console{"teacher": tcons, "student": scons} {
		if p := c.Problems(); len(p) > 0 {
			t.Errorf("browser console (%s): %v", who, p)
		}
	}
}

// popup runs open (a click that opens a window) and returns the new window, sized as the LMS's script asks for
// it (headless Chromium gives new windows 800x600 whatever the page asked).
func popup(t *testing.T, ctx context.Context, step string, open chromedp.Action[chromedp.Void]) context.Context {
	t.Helper()
	ch := chromedp.WaitNewTarget(ctx, func(info *target.Info) bool { return info.Type == "page" })
	do(t, ctx, step, open)
	var id target.ID
	select {
	case id = <-ch:
	case <-time.After(time.Minute):
		do(t, ctx, step+": no window opened", chromedp.WaitVisible(chromedp.CSS("#no-such-element"), chromedp.RetryInterval(time.Second)))
	}
	p, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(id))
	t.Cleanup(cancel)
	// Attach on the window's own context first: the first run on a context must not carry a timeout.
	if err := chromedp.Do(p); err != nil {
		t.Fatalf("%s: attach to the new window: %v", step, err)
	}
	do(t, p, step+": size the window", resizeWindow(980, 800))
	return p
}

// resizeWindow sets the size of the window the page is in.
func resizeWindow(w, h int64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		c := chromedp.FromContext(ctx)
		win, err := cdp.Call(ctx, c.Browser, browser.GetWindowForTarget, browser.GetWindowForTargetParams{TargetID: c.Target.TargetID})
		if err != nil {
			return err
		}
		_, err = cdp.Call(ctx, c.Browser, browser.SetWindowBounds, browser.SetWindowBoundsParams{WindowID: win.WindowID,
			Bounds: &browser.Bounds{Width: w, Height: h}})
		return err
	})
}

// signIn signs a browser in through the welcome page's buttons.
func signIn(t *testing.T, ctx context.Context, d *demo, user string) {
	t.Helper()
	do(t, ctx, "sign in as "+user,
		chromedp.Navigate(d.URL),
		chromedp.Click(testid("signin-"+user)),
		chromedp.WaitVisible(testid("courses")),
	)
}

// logInToCloud logs in to the test cloud from a picker: the login opens in a popup of its own, which tells the
// picker and closes; the picker then lists the files.
func logInToCloud(t *testing.T, picker context.Context, user string) {
	t.Helper()
	login := popup(t, picker, "open the cloud login", chromedp.Click(testid("login")))
	do(t, login, "log in at the cloud", bt.CloudLogin(user, user)...)
	do(t, picker, "files listed", chromedp.WaitVisible(testid("files")))
}

// do runs a step's actions, each step within a minute; on failure it saves what the window showed as
// out/screenshots/journey/failed-<step>.png and fails the test, naming the step.
func do(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		name := "failed-" + strings.NewReplacer(" ", "-", "/", "-").Replace(step)
		if png, serr := chromedp.Run(ctx, chromedp.CaptureScreenshot()); serr == nil {
			dir := filepath.Join("..", "..", "out", "screenshots", "journey")
			if os.MkdirAll(dir, 0o755) == nil {
				_ = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
			}
		}
		t.Fatalf("%s: %v (screenshot: out/screenshots/journey/%s.png)", step, err, name)
	}
}

func testid(id string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + id + `"]`) }

func value(t *testing.T, ctx context.Context, sel chromedp.CSS) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Value(sel))
	if err != nil {
		t.Fatalf("value of %s: %v", sel, err)
	}
	return v
}

func attr(t *testing.T, ctx context.Context, sel chromedp.CSS, name string) string {
	t.Helper()
	r, err := chromedp.Run(ctx, chromedp.AttributeValue(sel, name))
	if err != nil || !r.Exists {
		t.Fatalf("attribute %s of %s: %v", name, sel, err)
	}
	return r.Value
}

func count(t *testing.T, ctx context.Context, sel chromedp.CSS) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", string(sel))))
	if err != nil {
		t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

// fetch gets a URL with the page's cookies and answers "<status> <content type> <first four bytes>".
func fetch(t *testing.T, ctx context.Context, u string) string {
	t.Helper()
	js := fmt.Sprintf(`fetch(%q).then(async r => r.status + " " + (r.headers.get("Content-Type") || "") + " " +
		new TextDecoder().decode((await r.arrayBuffer()).slice(0, 4)))`, u)
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetch %s: %v", u, err)
	}
	return s
}

// fetchBase64 gets a URL with the page's cookies and answers its whole body in base64.
func fetchBase64(t *testing.T, ctx context.Context, u string) string {
	t.Helper()
	js := fmt.Sprintf(`fetch(%q).then(async r => { const b = new Uint8Array(await r.arrayBuffer()); let s = "";
		for (const x of b) s += String.fromCharCode(x); return btoa(s); })`, u)
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetch %s: %v", u, err)
	}
	return s
}

// shooter saves screenshots into out/screenshots/journey (git-ignored) for people to look at; with
// OCREPO_UPDATE_DOCS=1 the README's pictures also go to docs/screenshots, so that ordinary runs leave the tree
// clean.
type shooter struct{ out, docs string }

func newShooter(t *testing.T) shooter {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	s := shooter{out: filepath.Join(root, "out", "screenshots", "journey")}
	if os.Getenv("OCREPO_UPDATE_DOCS") == "1" {
		s.docs = filepath.Join(root, "docs", "screenshots")
	}
	for _, dir := range []string{s.out, s.docs} {
		if dir == "" {
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// take saves what the window shows (not the whole page: the README wants pictures of a screen); forDocs marks
// the README's pictures.
func (s shooter) take(t *testing.T, ctx context.Context, name string, forDocs bool) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dirs := []string{s.out}
	if forDocs && s.docs != "" {
		dirs = append(dirs, s.docs)
	}
	for _, dir := range dirs {
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
