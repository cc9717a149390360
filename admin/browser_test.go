package admin_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/repository/repositorytest/browsertest"
)

func value(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	ctx, cancel := browsertest.Within(ctx, "value of "+sel)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("value of %s: %v", sel, err)
	}
	return s
}

func attr(t *testing.T, ctx context.Context, sel, name string) string {
	t.Helper()
	ctx, cancel := browsertest.Within(ctx, "attribute "+name+" of "+sel)
	defer cancel()
	r, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil {
		t.Fatalf("attribute %s of %s: %v", name, sel, err)
	}
	return r.Value
}

// shotOf saves a screenshot of one element into dir (where browsertest.Shot put the full pages), for a closer
// look.
func shotOf(t *testing.T, ctx context.Context, dir, name string, sel chromedp.CSS) {
	t.Helper()
	ctx, cancel := browsertest.Within(ctx, "screenshot "+name)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.Screenshot(sel))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func testid(id string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + id + `"]`) }

func TestAdminInBrowser(t *testing.T) {
	b := browsertest.New(t)
	s := newSite(t, repositorytest.Options{})
	h := s.h
	ctx := b.As(h, "admin")
	cons := browsertest.WatchConsole(ctx)
	var dir string // where the screenshots go
	shot := func(name string) {
		dir = filepath.Dir(browsertest.Shot(t, ctx, "admin", name))
		browsertest.Axe(t, ctx, "admin "+name)
	}

	// A new cloud server: errors inline first, then the Nextcloud preset fills the endpoints.
	browsertest.Do(t, ctx, "open the new issuer form",
		chromedp.Navigate(h.URL+mount+"/admin/issuers/new"),
		chromedp.WaitVisible(chromedp.ID("issuer-name")),
		chromedp.Click(testid("issuer-save")),
		chromedp.WaitVisible(testid("error-name")),
	)
	if inv := attr(t, ctx, "#issuer-name", "aria-invalid"); inv != "true" {
		t.Errorf("name not marked invalid after a swap: %q", inv)
	}
	shot("01-issuer-errors")
	browsertest.Do(t, ctx, "fill the form",
		chromedp.SendKeys(chromedp.ID("issuer-name"), "Campus Nextcloud"),
		chromedp.SendKeys(chromedp.ID("issuer-base-url"), strings.TrimSuffix(h.Cloud.URL, "/")),
		chromedp.SendKeys(chromedp.ID("issuer-client-id"), repositorytest.ClientID),
		chromedp.SendKeys(chromedp.ID("issuer-client-secret"), repositorytest.ClientSecret),
		chromedp.SetValue(chromedp.ID("issuer-preset"), "nextcloud"),
		chromedp.Click(testid("preset-fill")),
		chromedp.WaitVisible(chromedp.ID("endpoint_url-4")),
	)
	if got, want := value(t, ctx, "#endpoint_url-1"), h.Cloud.URL+"index.php/apps/oauth2/api/v1/token"; got != want {
		t.Errorf("token endpoint filled with %q, want %q", got, want)
	}
	if got := value(t, ctx, "#issuer-client-secret"); got != repositorytest.ClientSecret {
		t.Errorf("the typed secret did not survive the swap")
	}
	shot("02-issuer-preset")
	// Saving a new server lands on it, where its next steps are.
	browsertest.Do(t, ctx, "save the issuer",
		chromedp.Click(testid("issuer-save")),
		chromedp.WaitVisible(testid("check-button")),
		chromedp.WaitVisible(testid("notice")),
	)
	shot("03-issuer-added")

	// The connection check, healthy.
	browsertest.Do(t, ctx, "run the connection check",
		chromedp.WaitVisible(testid("check-button")),
		chromedp.Click(testid("check-button")),
		chromedp.WaitVisible(testid("check-summary")),
	)
	if ok := attr(t, ctx, `[data-testid="check-summary"]`, "data-ok"); ok != "true" {
		t.Errorf("healthy check: ok=%s: %s", ok, browsertest.Text(t, ctx, `[data-testid="check-summary"]`))
	}
	if got := browsertest.Text(t, ctx, `[data-testid="check-detected"]`); got != "Nextcloud 34.0.1" {
		t.Errorf("detected %q", got)
	}
	shot("04-check-healthy")
	shotOf(t, ctx, dir, "04-check-healthy-result", testid("check-summary"))

	// The system account, through the cloud's own login form.
	browsertest.Do(t, ctx, "connect the system account",
		append([]chromedp.Action[chromedp.Void]{chromedp.Click(testid("system-connect"))},
			browsertest.CloudLoginForm(repositorytest.SystemUser, repositorytest.SystemUser)...)...,
	)
	shot("05-cloud-login")
	browsertest.Do(t, ctx, "log in at the cloud",
		append(browsertest.CloudGrant(), chromedp.WaitVisible(testid("system-user")))...,
	)
	if got := browsertest.Text(t, ctx, `[data-testid="system-user"]`); got != repositorytest.SystemUser {
		t.Errorf("connected as %q", got)
	}
	shot("06-system-connected")
	shotOf(t, ctx, dir, "06-system-panel", testid("system-panel"))

	// The web server strips the Authorization header: the check says so.
	for _, ep := range []string{cloudtest.EPWebDAV, cloudtest.EPOCS, cloudtest.EPUserinfo} {
		h.Cloud.Fail(ep, cloudtest.Fault{StripAuth: true})
	}
	browsertest.Do(t, ctx, "check with the header stripped",
		chromedp.Click(testid("check-button")),
		chromedp.WaitVisible(testid("check-summary")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="check-webdav_endpoint"][data-code="auth_stripped"]`)),
	)
	// The advice is the same for the three endpoints: it is given once, at the first, and the others point to it.
	if got := strings.Count(browsertest.Text(t, ctx, `[data-testid="check-summary"]`), `SetEnvIf Authorization "(.*)" HTTP_AUTHORIZATION=$1`); got != 1 {
		t.Errorf("the diagnosis gives the Apache fix %d times, want once", got)
	}
	if !strings.Contains(browsertest.Text(t, ctx, `[data-testid="check-webdav_endpoint"]`), "as for") {
		t.Errorf("the WebDAV endpoint does not point to the advice above")
	}
	shot("07-check-auth-stripped")
	shotOf(t, ctx, dir, "07-check-auth-stripped-result", testid("check-summary"))
	h.Cloud.ClearFaults()

	// A repository instance on it.
	browsertest.Do(t, ctx, "create an instance",
		chromedp.Navigate(h.URL+mount+"/admin/instances/new"),
		chromedp.WaitVisible(chromedp.ID("instance-name")),
		chromedp.SendKeys(chromedp.ID("instance-name"), "Course files"),
		chromedp.SetValue(chromedp.ID("instance-issuer"), "1"),
	)
	shot("08-instance-form")
	browsertest.Do(t, ctx, "save the instance",
		chromedp.Click(testid("instance-save")),
		chromedp.WaitVisible(testid("instance-list")),
	)
	shot("09-instance-list")
	insts, err := h.Store.ListInstances(context.Background())
	if err != nil || len(insts) != 1 {
		t.Fatalf("instances %v %v", insts, err)
	}
	inst := insts[0]
	if problems := cons.Problems(); len(problems) > 0 {
		t.Errorf("browser console: %v", problems)
	}

	// A teacher disables it for their course.
	teacher := b.As(h, "teacher")
	row := fmt.Sprintf("course-row-%d", inst.ID)
	browsertest.Do(t, teacher, "disable the instance for course 42",
		chromedp.Navigate(h.URL+mount+"/course/42"),
		chromedp.WaitVisible(testid(row)),
		chromedp.Click(testid(fmt.Sprintf("course-toggle-%d", inst.ID))),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="`+row+`"][data-enabled="false"]`)),
	)
	browsertest.Shot(t, teacher, "admin", "10-course-disabled")
	if on, _ := h.Store.CourseInstanceEnabled(context.Background(), "42", inst.ID); on {
		t.Errorf("the instance is still enabled for course 42")
	}

	// A student gets the 403 page.
	student := b.As(h, "student")
	browsertest.Do(t, student, "course page as a student",
		chromedp.Navigate(h.URL+mount+"/course/42"),
		chromedp.WaitVisible(testid("alert-403")),
	)
	browsertest.Shot(t, student, "admin", "11-course-forbidden")
}
