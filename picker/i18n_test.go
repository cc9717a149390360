package picker_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/internal/i18n/i18ntest"
	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
)

// leftInEnglish lists the words of body that are neither pseudo-locale messages nor the test's own data.
func leftInEnglish(t *testing.T, body string, data ...string) []string {
	t.Helper()
	bad, err := i18ntest.LeftInEnglish(body, "", data...)
	if err != nil {
		t.Fatal(err)
	}
	return bad
}

// TestPseudoLocalePicker: rendered in the pseudo-locale, every page and fragment of the picker has no words left
// that are not from the catalog: logged out, a folder with its refusal note, sizes and dates, search results, the
// login window and a failed login, a failed listing, refused picks, an import running, done, failed and
// cancelled, a public link's result, the controlled link's page for a viewer, an editor and once submitted, the
// URL-resource chooser, error pages (400, 403, 404, 503 through the error mapper) and a course without a service.
func TestPseudoLocalePicker(t *testing.T) {
	t.Parallel()
	pseudo := repositorytest.Options{Config: func(c *repository.Config) {
		c.Language = repository.LanguagesFunc(func(*http.Request) string { return "en-XA" })
	}}
	data := []string{"Campus Cloud", "My files", "alice", "old report.pdf", "report.pdf", "notes.txt", "big.pdf", "huge.bin",
		"essay.pdf", "/Docs", "Docs", "report", ".pdf", "Course 42 › Essay › Submission 7", "student", "teacher",
		"/LMS files", "HTTP", "503 Service Unavailable", "UTC", "http://", "https://", "127.0.0.1"}
	check := func(t *testing.T, what, body string, also ...string) {
		t.Helper()
		if !strings.Contains(body, "⟦") {
			t.Fatalf("%s: not rendered in the pseudo-locale: %s", what, body)
		}
		if bad := leftInEnglish(t, body, append(also, data...)...); len(bad) > 0 {
			t.Errorf("%s: words not from the catalog: %q", what, bad)
		}
	}
	req := host.PickRequest{Accept: []string{".pdf"}, MaxBytes: 1000}
	testid := func(t *testing.T, body, id string) {
		t.Helper()
		if doc(t, body).Find(`[data-testid="`+id+`"]`).Length() == 0 {
			t.Fatalf("no %s in: %s", id, body)
		}
	}

	t.Run("logged out", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, pseudo)
		_, body, _ := f.c.Get(t, f.pickerPath(req))
		testid(t, body, "login-box")
		check(t, "logged-out panel", body)
	})
	t.Run("listing with refusals", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, pseudo)
		f.h.Connect(t, f.iss.ID, "student")
		f.h.Cloud.Mkdir("alice", "/Docs")
		f.h.Cloud.WriteFile("alice", "/report.pdf", []byte("%PDF small"))
		f.h.Cloud.WriteFile("alice", "/big.pdf", []byte(strings.Repeat("x", 2000)))
		f.h.Cloud.WriteFile("alice", "/notes.txt", []byte("text"))
		_, body, _ := f.c.Get(t, f.pickerPath(req)+"&pickable=0")
		d := doc(t, body)
		if d.Find(`[data-testid="refused-note"]`).Length() != 1 || d.Find(`[data-testid="row"]`).Length() != 4 ||
			d.Find(`[data-testid="refusal"]`).Length() != 2 || d.Find(`td.modified time`).Length() != 4 {
			t.Fatalf("no listing with a refusal note, reasons and dates: %s", body)
		}
		check(t, "listing page", body)
		_, frag, _ := f.c.Get(t, f.listPath(t, req, "pickable", "0"), "HX-Request", "true")
		check(t, "listing fragment", frag)
		// Most files refused: the toggle is on by default and says so.
		_, frag, _ = f.c.Get(t, f.listPath(t, req), "HX-Request", "true")
		testid(t, frag, "refused-auto")
		check(t, "only pickable", frag)
	})
	t.Run("search", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, pseudo)
		f.h.Connect(t, f.iss.ID, "student")
		f.h.Cloud.WriteFile("alice", "/Docs/report.pdf", []byte("x"))
		f.h.Cloud.WriteFile("alice", "/Docs/old report.pdf", []byte("x"))
		q := url.Values{"r": {token(t, f.pickerPath(host.PickRequest{}))}, "i": {strconv.FormatInt(f.inst.ID, 10)}, "q": {"report"}}
		_, body, _ := f.c.Get(t, repositorytest.Mount+"/picker/search?"+q.Encode(), "HX-Request", "true")
		if len(names(doc(t, body))) != 2 {
			t.Fatalf("search did not find the two reports: %s", body)
		}
		check(t, "search results", body)
		q.Set("q", "nothing like it")
		_, body, _ = f.c.Get(t, repositorytest.Mount+"/picker/search?"+q.Encode())
		testid(t, body, "empty")
		check(t, "search page without matches", body, "nothing like it")
	})
	t.Run("login window and failed login", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, pseudo)
		state, challenge := f.startLogin(t, f.c)
		code := f.h.Cloud.AuthorizeCode("alice", state, challenge)
		_, body, _ := f.c.Get(t, repositorytest.Mount+"/callback?state="+url.QueryEscape(state)+"&code="+url.QueryEscape(code))
		testid(t, body, "login-ok")
		check(t, "login window", body)

		g := newFixture(t, pseudo)
		state, challenge = g.startLogin(t, g.c)
		code = g.h.Cloud.AuthorizeCode("alice", state, challenge)
		g.h.Cloud.Fail(cloudtest.EPToken, cloudtest.Fault{Status: 429, RetryAfter: time.Minute})
		_, body, _ = g.c.Get(t, repositorytest.Mount+"/callback?state="+url.QueryEscape(state)+"&code="+url.QueryEscape(code))
		testid(t, body, "login-failed")
		check(t, "failed login window", body)
		_, body, _ = g.c.Get(t, g.pickerPath(req))
		testid(t, body, "login-failed")
		check(t, "picker after a failed login", body)
	})
	t.Run("failed listing", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, pseudo)
		f.h.Connect(t, f.iss.ID, "student")
		f.h.Cloud.Fail(cloudtest.EPWebDAV, cloudtest.Fault{Status: 502})
		_, body, _ := f.c.Get(t, f.listPath(t, host.PickRequest{}), "HX-Request", "true")
		testid(t, body, "listing-problem")
		check(t, "failed listing", body)
		f.h.Cloud.ClearFaults()
		f.h.Cloud.Fail(cloudtest.EPWebDAV, cloudtest.Fault{Status: 503})
		status, body, _ := f.c.Get(t, f.pickerPath(host.PickRequest{})+"&reload=1")
		if status != http.StatusServiceUnavailable {
			t.Fatalf("a cloud in maintenance: status %d", status)
		}
		check(t, "503 page", body)
	})
	t.Run("refused picks", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, pseudo)
		f.h.Connect(t, f.iss.ID, "student")
		f.h.Cloud.WriteFile("alice", "/big.pdf", []byte(strings.Repeat("x", 2000)))
		f.h.Cloud.WriteFile("alice", "/notes.txt", []byte("text"))
		f.c.Get(t, f.pickerPath(req))
		for _, p := range []string{"/big.pdf", "/notes.txt", "/Docs"} {
			status, body, _ := f.pick(t, req, "import", p)
			if status < 400 {
				t.Fatalf("%s: status %d", p, status)
			}
			check(t, "refused "+p, body)
		}
		form := url.Values{"r": {token(t, f.pickerPath(req))}, "i": {strconv.FormatInt(f.inst.ID, 10)}, "as": {"import"}, "path": {"/big.pdf"}}
		_, body, _ := f.c.Post(t, repositorytest.Mount+"/picker/pick", form)
		testid(t, body, "status-failed")
		check(t, "refused pick as a page", body)
		form.Set("as", "")
		_, body, _ = f.c.Post(t, repositorytest.Mount+"/picker/pick", form, "HX-Request", "true")
		check(t, "no way to add chosen", body)
	})
	t.Run("import running, done, failed, cancelled", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, pseudo)
		f.h.Connect(t, f.iss.ID, "student")
		open := host.PickRequest{}
		f.h.Cloud.WriteFile("alice", "/report.pdf", []byte("%PDF small"))
		f.h.Cloud.WriteFile("alice", "/notes.txt", []byte("text"))
		status, body, _ := f.pick(t, open, "import", "/report.pdf", "/notes.txt")
		if status != http.StatusBadRequest {
			t.Fatalf("two files where one is allowed: %d %s", status, body)
		}
		check(t, "two files where one is allowed", body)
		status, body, _ = f.pick(t, open, "import", "/report.pdf")
		if status != http.StatusAccepted {
			t.Fatalf("import: %d %s", status, body)
		}
		check(t, "import started", body)
		_, body, _ = f.await(t, open, jobID(t, body))
		testid(t, body, "status-done")
		check(t, "import done", body)
		several := host.PickRequest{Multiple: true}
		_, body, _ = f.pick(t, several, "import", "/report.pdf", "/notes.txt")
		_, body, _ = f.await(t, several, jobID(t, body))
		testid(t, body, "status-done")
		check(t, "two files imported", body)

		// Over the unclaimed imports' limit: refused with the limit's words.
		f.h.Cloud.SeedGeneratedFile("alice", "/huge.bin", 1<<30)
		status, body, _ = f.pick(t, open, "import", "/huge.bin")
		if status != http.StatusTooManyRequests {
			t.Fatalf("over the limit: %d %s", status, body)
		}
		check(t, "import limit", body)

		// Running, then cancelled.
		f.h.Cloud.SeedGeneratedFile("alice", "/huge.bin", 100<<20)
		f.h.Cloud.Fail(cloudtest.EPWebDAV, cloudtest.Fault{StallAfter: 64 << 10})
		f.c.Get(t, f.listPath(t, open, "reload", "1"), "HX-Request", "true")
		_, body, _ = f.pick(t, open, "import", "/huge.bin")
		id := jobID(t, body)
		q := url.Values{"r": {token(t, f.pickerPath(open))}, "i": {strconv.FormatInt(f.inst.ID, 10)}}
		_, body, _ = f.c.Get(t, repositorytest.Mount+"/picker/import/"+id+"?"+q.Encode())
		testid(t, body, "status-running")
		check(t, "import running (page)", body)
		_, body, _ = f.c.Post(t, repositorytest.Mount+"/picker/import/"+id+"/cancel", q, "HX-Request", "true")
		check(t, "cancelling", body)
		_, body, _ = f.await(t, open, id)
		testid(t, body, "status-cancelled")
		check(t, "import cancelled", body)

		// Failed: the cloud breaks off the download.
		f.h.Cloud.ClearFaults()
		f.h.Cloud.Fail(cloudtest.EPWebDAV, cloudtest.Fault{Method: http.MethodGet, Status: 500})
		_, body, _ = f.pick(t, open, "import", "/notes.txt")
		id = jobID(t, body)
		_, body, _ = f.await(t, open, id)
		testid(t, body, "status-failed")
		check(t, "import failed", body)
		_, body, _ = f.c.Get(t, repositorytest.Mount+"/picker/import/"+id+"?"+q.Encode())
		check(t, "import failed (page)", body)
		_, body, _ = f.c.Get(t, repositorytest.Mount+"/picker/import/nosuchjob?"+q.Encode())
		check(t, "unknown import", body)
	})
	t.Run("public link and the URL chooser", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, pseudo)
		f.h.Connect(t, f.iss.ID, "student")
		f.h.Cloud.WriteFile("alice", "/report.pdf", []byte("%PDF small"))
		chooser := host.PickRequest{Mode: host.ModeURL}
		_, body, _ := f.c.Get(t, f.pickerPath(chooser))
		testid(t, body, "files")
		check(t, "URL chooser", body)
		status, body, _ := f.pick(t, chooser, "link", "/report.pdf")
		if status != http.StatusOK {
			t.Fatalf("link: %d %s", status, body)
		}
		testid(t, body, "result")
		check(t, "public link result", body, doc(t, body).Find(`[data-testid="picked-url"]`).Text())
	})
	t.Run("controlled link", func(t *testing.T) {
		t.Parallel()
		f := controlledFixture(t, pseudo)
		f.h.Connect(t, f.iss.ID, "student2")
		f.h.Cloud.WriteFile("alice", "/essay.pdf", []byte("my essay"))
		id, status, body := f.pickControlled(t, submission, "/essay.pdf")
		if status != http.StatusOK {
			t.Fatalf("pick: %d %s", status, body)
		}
		check(t, "controlled link result", body)
		for _, who := range []string{"student", "teacher", "student2"} {
			_, body := f.open(t, f.h.Client(who), id)
			testid(t, body, "controlled")
			check(t, "controlled link for "+who, body)
		}
		status, body, _ = f.h.Client("student2").Post(t, f.h.Repo.ControlledLinkURL(id)+"/share", url.Values{}, "HX-Request", "true")
		check(t, "read-only copy added", body)
		if err := f.h.Repo.MarkSubmitted(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		_, body = f.open(t, f.h.Client("student"), id)
		testid(t, body, "submitted")
		check(t, "submitted controlled link", body)
		_, body = f.open(t, f.h.Client("student"), id+1000)
		check(t, "404: no such link", body)
	})
	t.Run("error pages and a course without a service", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, pseudo)
		for _, tc := range []struct {
			what, path string
			status     int
		}{
			{"400: a picker link not valid", repositorytest.Mount + "/picker?r=forged&i=1", http.StatusBadRequest},
			{"403: another user's picker", f.pickerPath(host.PickRequest{User: "student2"}), http.StatusForbidden},
			{"404: a service gone", f.pickerPath(host.PickRequest{}) + "&i=999", http.StatusNotFound},
			{"404: no such page", repositorytest.Mount + "/picker/nothing-here", http.StatusNotFound},
		} {
			status, body, _ := f.c.Get(t, tc.path)
			if status != tc.status {
				t.Errorf("%s: status %d", tc.what, status)
			}
			check(t, tc.what, body)
			_, body, _ = f.c.Get(t, tc.path, "HX-Request", "true")
			check(t, tc.what+" (htmx)", body)
		}
		if err := f.h.Store.SetCourseInstanceEnabled(context.Background(), "42", f.inst.ID, false); err != nil {
			t.Fatal(err)
		}
		_, body, _ := f.c.Get(t, f.pickerPath(host.PickRequest{Course: "42"}))
		if doc(t, body).Find(`[data-testid="alert-no_instances"]`).Length() != 1 {
			t.Fatalf("no notice for a course without a service: %s", body)
		}
		check(t, "course without a service", body)
	})
}

// TestPickerDatesAndSizesForTheUser: the host's TimeZone hook moves every date and time on the picker into the
// user's zone, and sizes and dates are written in the user's
// language: German months, decimal commas and spelled-out bytes.
func TestPickerDatesAndSizesForTheUser(t *testing.T) {
	t.Parallel()
	zones := map[string]*time.Location{"tokyo": time.FixedZone("JST", 9*3600), "lima": time.FixedZone("PET", -5*3600)}
	seen := map[string]string{}
	for name, zone := range zones {
		f := newFixture(t, repositorytest.Options{Config: func(c *repository.Config) {
			c.Language = repository.LanguagesFunc(func(*http.Request) string { return "de" })
			c.TimeZone = repository.TimeZonesFunc(func(*http.Request) *time.Location { return zone })
		}})
		f.h.Connect(t, f.iss.ID, "student")
		f.h.Cloud.WriteFile("alice", "/report.pdf", []byte(strings.Repeat("x", 1536)))
		f.h.Cloud.WriteFile("alice", "/tiny.txt", []byte("x"))
		_, body, _ := f.c.Get(t, f.pickerPath(host.PickRequest{MaxBytes: 1000}))
		d := doc(t, body)
		row := d.Find(`[data-testid="row"][data-name="report.pdf"]`)
		iso, _ := row.Find("time").Attr("datetime")
		at, err := time.Parse(time.RFC3339, iso)
		if err != nil {
			t.Fatalf("%s: no machine-readable date: %v\n%s", name, err, body)
		}
		local := at.In(zone)
		months := []string{"Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."}
		want := fmt.Sprintf("%d. %s %d, %s %s", local.Day(), months[local.Month()-1], local.Year(), local.Format("15:04"), zone.String())
		if got := strings.TrimSpace(row.Find("time").Text()); got != want {
			t.Errorf("%s: date %q, want %q", name, got, want)
		}
		seen[name] = row.Find("time").Text()
		if got := strings.TrimSpace(row.Find("td.size").Text()); got != "1,5 KB" {
			t.Errorf("%s: size %q, want 1,5 KB", name, got)
		}
		if got := strings.TrimSpace(d.Find(`[data-testid="row"][data-name="tiny.txt"] td.size`).Text()); got != "1 Byte" {
			t.Errorf("%s: size %q, want 1 Byte", name, got)
		}
		if got := d.Find(`[data-testid="requirements"]`).Text(); !strings.Contains(got, "1.000 Bytes") {
			t.Errorf("%s: requirements %q", name, got)
		}
		if got := d.Find(`[data-testid="refusal"]`).AttrOr("title", ""); got != "Zu groß: 1,5 KB, die Grenze liegt bei 1.000 Bytes." {
			t.Errorf("%s: refusal %q", name, got)
		}
		if !regexp.MustCompile(`Aufgelistet um \d\d:\d\d:\d\d aus Campus Cloud\.`).MatchString(body) {
			t.Errorf("%s: no listing time: %s", name, body)
		}
	}
	if seen["tokyo"] == seen["lima"] {
		t.Errorf("the time zone hook changed nothing: %q", seen["tokyo"])
	}
}
