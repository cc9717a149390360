package perftest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
)

// countRow is one user action and the requests it sends to the cloud.
type countRow struct {
	action string
	// target is the bound for the action, as docs/PERFORMANCE.md states it.
	target string
	// seed is what the seed plugin (Moodle's repository_nextcloud) sends for the same action.
	seed string
	// setup prepares the host; its requests are not counted.
	setup func(t *testing.T, r *rig) any
	// act performs the action through the mounted group; what reaches the cloud is counted.
	act func(t *testing.T, r *rig, state any)
	// want is every request the action sends, as "endpoint METHOD n" sorted, comma separated.
	want string
	// max is the bound on all requests together.
	max int
}

// countPairs are the endpoint and method pairs the breakdown reports.
func countPairs() [][2]string {
	return [][2]string{
		{cloudtest.EPToken, http.MethodPost},
		{cloudtest.EPUserinfo, http.MethodGet},
		{cloudtest.EPWebDAV, "PROPFIND"}, {cloudtest.EPWebDAV, http.MethodGet}, {cloudtest.EPWebDAV, "MKCOL"},
		{cloudtest.EPWebDAV, "COPY"}, {cloudtest.EPWebDAV, "MOVE"}, {cloudtest.EPWebDAV, http.MethodDelete},
		{cloudtest.EPWebDAV, http.MethodPut}, {cloudtest.EPWebDAV, "SEARCH"},
		{cloudtest.EPOCS, http.MethodGet}, {cloudtest.EPOCS, http.MethodPost}, {cloudtest.EPOCS, http.MethodPut},
		{cloudtest.EPOCS, http.MethodDelete},
	}
}

// breakdown describes the requests counted since the last reset.
func breakdown(s *cloudtest.Server) string {
	var parts []string
	for _, p := range countPairs() {
		if n := s.CountMethod(p[0], p[1]); n > 0 {
			parts = append(parts, fmt.Sprintf("%s %s %d", p[0], p[1], n))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// The actions' helpers.

func (r *rig) get(t testing.TB, user, u string) string {
	t.Helper()
	status, body, _ := r.h.Client(user).Get(t, u, "HX-Request", "true")
	if status != http.StatusOK {
		t.Fatalf("GET %s as %s: status %d: %s", u, user, status, body)
	}
	return body
}

// list opens a listing page as the student.
func (r *rig) list(t *testing.T, kv ...string) string {
	t.Helper()
	return r.get(t, "student", r.listURL(t, "student", kv...))
}

// pick posts the pick form as htmx does and returns the answer.
func (r *rig) pick(t testing.TB, user string, req host.PickRequest, as string, paths ...string) (int, string, http.Header) {
	t.Helper()
	req.User = user
	form := url.Values{"r": {r.token(t, req)}, "i": {strconv.FormatInt(r.inst.ID, 10)}, "as": {as}, "path": paths}
	return r.h.Client(user).Post(t, repositorytest.Mount+"/picker/pick", form, "HX-Request", "true")
}

// picked reads the files of the ocrepo:picked event.
func picked(t *testing.T, hdr http.Header) []host.PickedFile {
	t.Helper()
	var trig map[string]struct {
		Files []host.PickedFile `json:"files"`
	}
	if err := json.Unmarshal([]byte(hdr.Get("HX-Trigger")), &trig); err != nil {
		t.Fatalf("HX-Trigger %q: %v", hdr.Get("HX-Trigger"), err)
	}
	return trig["ocrepo:picked"].Files
}

// submission is the pick request of a student's essay submission.
func submission() host.PickRequest {
	return host.PickRequest{Course: "42", Context: []string{"Course 42", "Essay", "Submission 7"}}
}

// controlled sets up a controlled link of the student's essay and returns its id.
func (r *rig) controlled(t *testing.T) int64 {
	t.Helper()
	r.h.ConnectSystem(t, r.iss.ID)
	r.h.Connect(t, r.iss.ID, "student")
	r.h.Cloud.WriteFile("alice", "/essay.pdf", []byte("my essay"))
	r.list(t, "reload", "1")
	status, body, hdr := r.pick(t, "student", submission(), "controlled", "/essay.pdf")
	if status != http.StatusOK {
		t.Fatalf("controlled pick: %d %s", status, body)
	}
	return picked(t, hdr)[0].ControlledLinkID
}

// loginStart opens the picker as a host user, follows the login button, lets the cloud account authorize and
// returns the callback query the cloud sends the browser back with.
func (r *rig) loginStart(t testing.TB, user, cloudUser string) string {
	t.Helper()
	c := r.h.Client(user)
	_, body, _ := c.Get(t, strings.TrimPrefix(r.h.PickerURL(host.PickRequest{User: user}), r.h.URL))
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	login, ok := d.Find(`[data-testid="login"]`).Attr("href")
	if !ok {
		t.Fatalf("no login button for %s: %s", user, body)
	}
	status, _, hdr := c.Get(t, login)
	if status != http.StatusFound {
		t.Fatalf("login start: status %d", status)
	}
	u, err := url.Parse(hdr.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	state := u.Query().Get("state")
	code := r.h.Cloud.AuthorizeCode(cloudUser, state, u.Query().Get("code_challenge"))
	return url.Values{"state": {state}, "code": {code}}.Encode()
}

// callback finishes a login as the browser does.
func (r *rig) callback(t testing.TB, user, query string) {
	t.Helper()
	status, body, _ := r.h.Client(user).Get(t, repositorytest.Mount+"/callback?"+query)
	if status != http.StatusOK || !strings.Contains(body, `data-testid="login-ok"`) {
		t.Fatalf("callback for %s: status %d: %s", user, status, body)
	}
}

// concurrentLists lists the student's root with reload from n goroutines per user, after every user's token
// expired.
func (r *rig) concurrentLists(t *testing.T, users []string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(users)*n)
	for _, u := range users {
		lu := r.listURL(t, u, "reload", "1")
		c := r.h.Client(u).Client
		for range n {
			wg.Go(func() {
				status, _, err := fetch(context.Background(), c, lu)
				if err == nil && status != http.StatusOK {
					err = fmt.Errorf("status %d", status)
				}
				if err != nil {
					errs <- fmt.Errorf("%s: %w", u, err)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func countRows() []countRow {
	connected := func(t *testing.T, r *rig) any {
		r.h.Connect(t, r.iss.ID, "student")
		r.h.Cloud.SeedFolder("alice", "/Big", 500)
		return nil
	}
	listed := func(t *testing.T, r *rig) any {
		connected(t, r)
		r.list(t, "path", "/Big")
		return nil
	}
	return []countRow{
		{
			action: "login (popup, callback)", target: "2 (token, userinfo)", seed: "1 (token; userinfo is asked on every controlled-link open instead)",
			setup: func(t *testing.T, r *rig) any { return r.loginStart(t, "student", "alice") },
			act:   func(t *testing.T, r *rig, st any) { r.callback(t, "student", st.(string)) },
			want:  "token POST 1, userinfo GET 1", max: 2,
		},
		{
			action: "listing (open a folder)", target: "1", seed: "1 (PROPFIND)",
			setup: connected,
			act: func(t *testing.T, r *rig, _ any) {
				if body := r.list(t, "path", "/Big"); !strings.Contains(body, "file-00049.txt") {
					t.Fatalf("first page lacks file-00049.txt")
				}
			},
			want: "webdav PROPFIND 1", max: 1,
		},
		{
			action: "paging", target: "0", seed: "0 (the whole folder is sent to the browser)",
			setup: listed,
			act: func(t *testing.T, r *rig, _ any) {
				for p := 2; p <= 10; p++ {
					if body := r.list(t, "path", "/Big", "page", strconv.Itoa(p)); !strings.Contains(body, fmt.Sprintf("file-%05d.txt", p*50-1)) {
						t.Fatalf("page %d lacks its last file", p)
					}
				}
			},
			want: "none", max: 0,
		},
		{
			action: "sorting", target: "0", seed: "0 (in the browser)",
			setup: listed,
			act: func(t *testing.T, r *rig, _ any) {
				if body := r.list(t, "path", "/Big", "sort", "name", "desc", "1"); !strings.Contains(body, "file-00499.txt") {
					t.Fatalf("descending sort does not start with file-00499.txt")
				}
				r.list(t, "path", "/Big", "sort", "size")
				r.list(t, "path", "/Big", "sort", "modified", "desc", "1")
			},
			want: "none", max: 0,
		},
		{
			action: "filtering", target: "0", seed: "no filter",
			setup: listed,
			act: func(t *testing.T, r *rig, _ any) {
				body := r.list(t, "path", "/Big", "filter", "FILE-0042")
				if !contains(body, "file-00420.txt", "file-00429.txt") || strings.Contains(body, "file-00430.txt") {
					t.Fatalf("filter FILE-0042 shows the wrong rows")
				}
			},
			want: "none", max: 0,
		},
		{
			action: "going back to a folder seen within 60 s", target: "0", seed: "1 (PROPFIND)",
			setup: func(t *testing.T, r *rig) any {
				listed(t, r)
				r.h.Cloud.Mkdir("alice", "/Other")
				r.list(t, "path", "/Other")
				r.h.Clock.Advance(50 * time.Second)
				return nil
			},
			act:  func(t *testing.T, r *rig, _ any) { r.list(t, "path", "/Big", "page", "3") },
			want: "none", max: 0,
		},
		{
			action: "going back after 60 s, folder unchanged (Depth 0, same etag)", target: "1", seed: "1 (PROPFIND)",
			setup: func(t *testing.T, r *rig) any {
				listed(t, r)
				r.h.Clock.Advance(61 * time.Second)
				return nil
			},
			act:  func(t *testing.T, r *rig, _ any) { r.list(t, "path", "/Big") },
			want: "webdav PROPFIND 1", max: 1,
		},
		{
			action: "going back after 60 s, folder changed (Depth 0, then Depth 1)", target: "2", seed: "1 (PROPFIND)",
			setup: func(t *testing.T, r *rig) any {
				listed(t, r)
				r.h.Cloud.WriteFile("alice", "/Big/added.txt", []byte("added"))
				r.h.Clock.Advance(61 * time.Second)
				return nil
			},
			act: func(t *testing.T, r *rig, _ any) {
				if body := r.list(t, "path", "/Big", "q", "added"); !strings.Contains(body, "added.txt") {
					t.Fatalf("the changed folder's listing lacks the added file")
				}
			},
			want: "webdav PROPFIND 2", max: 2,
		},
		{
			action: "going back after 10 minutes (past revalidation)", target: "1", seed: "1 (PROPFIND)",
			setup: func(t *testing.T, r *rig) any {
				listed(t, r)
				r.h.Clock.Advance(11 * time.Minute)
				return nil
			},
			act:  func(t *testing.T, r *rig, _ any) { r.list(t, "path", "/Big") },
			want: "webdav PROPFIND 1", max: 1,
		},
		{
			action: "reload", target: "1", seed: "1 (PROPFIND)",
			setup: listed,
			act:   func(t *testing.T, r *rig, _ any) { r.list(t, "path", "/Big", "reload", "1") },
			want:  "webdav PROPFIND 1", max: 1,
		},
		{
			action: "import", target: "1", seed: "1 (GET, written to a temporary file first)",
			setup: func(t *testing.T, r *rig) any {
				connected(t, r)
				r.h.Cloud.WriteFile("alice", "/Docs/essay.pdf", []byte("%PDF essay"))
				r.list(t, "path", "/Docs")
				return nil
			},
			act: func(t *testing.T, r *rig, _ any) {
				status, body, _ := r.pick(t, "student", host.PickRequest{}, "import", "/Docs/essay.pdf")
				if status != http.StatusAccepted {
					t.Fatalf("import: %d %s", status, body)
				}
				d, _ := goquery.NewDocumentFromReader(strings.NewReader(body))
				id, _ := d.Find(`[id^="status-"]`).Attr("id")
				j, err := r.h.Repo.AwaitImport(context.Background(), host.User{ID: "student"}, strings.TrimPrefix(id, "status-"))
				if err != nil || j.State != store.ImportDone {
					t.Fatalf("import ended %+v, %v", j, err)
				}
			},
			want: "webdav GET 1", max: 1,
		},
		{
			action: "public link, first", target: "at most 2", seed: "1 (always a new share)",
			setup: func(t *testing.T, r *rig) any {
				connected(t, r)
				r.h.Cloud.WriteFile("alice", "/slides.pdf", []byte("slides"))
				r.list(t)
				return nil
			},
			act: func(t *testing.T, r *rig, _ any) {
				if status, body, _ := r.pick(t, "student", host.PickRequest{}, "link", "/slides.pdf"); status != http.StatusOK {
					t.Fatalf("link: %d %s", status, body)
				}
			},
			want: "ocs GET 1, ocs POST 1", max: 2,
		},
		{
			action: "public link of a path not in the listing", target: "at most 3", seed: "1 (the path is not checked)",
			setup: func(t *testing.T, r *rig) any {
				connected(t, r)
				r.h.Cloud.WriteFile("alice", "/slides.pdf", []byte("slides"))
				return nil
			},
			act: func(t *testing.T, r *rig, _ any) {
				if status, body, _ := r.pick(t, "student", host.PickRequest{}, "link", "/slides.pdf"); status != http.StatusOK {
					t.Fatalf("link: %d %s", status, body)
				}
			},
			want: "webdav PROPFIND 1, ocs GET 1, ocs POST 1", max: 3,
		},
		{
			action: "public link, again", target: "at most 2", seed: "1 (another new share)",
			setup: func(t *testing.T, r *rig) any {
				connected(t, r)
				r.h.Cloud.WriteFile("alice", "/slides.pdf", []byte("slides"))
				r.list(t)
				if status, body, _ := r.pick(t, "student", host.PickRequest{}, "link", "/slides.pdf"); status != http.StatusOK {
					t.Fatalf("link: %d %s", status, body)
				}
				return nil
			},
			act: func(t *testing.T, r *rig, _ any) {
				if status, body, _ := r.pick(t, "student", host.PickRequest{}, "link", "/slides.pdf"); status != http.StatusOK {
					t.Fatalf("link: %d %s", status, body)
				}
				if n := len(r.h.Cloud.Shares()); n != 1 {
					t.Fatalf("%d shares, want the one reused", n)
				}
			},
			want: "ocs GET 1", max: 2,
		},
		{
			action: "controlled link select, 3 folder levels missing", target: "at most 6 + 3",
			seed: "3 + a PROPFIND per level + a MKCOL per missing level (Moodle: 7 levels, so 3 + 7 + 3)",
			setup: func(t *testing.T, r *rig) any {
				r.controlled(t)
				r.h.Cloud.WriteFile("alice", "/new.pdf", []byte("n"))
				r.list(t, "reload", "1")
				return nil
			},
			act: func(t *testing.T, r *rig, _ any) {
				req := host.PickRequest{Course: "43", Context: []string{"Course 43", "Essay", "Submission 1"}}
				if status, body, _ := r.pick(t, "student", req, "controlled", "/new.pdf"); status != http.StatusOK {
					t.Fatalf("controlled pick: %d %s", status, body)
				}
			},
			want: "webdav PROPFIND 1, webdav MKCOL 3, webdav COPY 1, ocs GET 1, ocs POST 1, ocs DELETE 1", max: 6 + 3,
		},
		{
			action: "controlled link select, all 4 folder levels missing", target: "at most 6 + 4",
			seed: "3 + a PROPFIND per level + a MKCOL per missing level (3 + 7 + 4)",
			setup: func(t *testing.T, r *rig) any {
				r.h.ConnectSystem(t, r.iss.ID)
				r.h.Connect(t, r.iss.ID, "student")
				r.h.Cloud.WriteFile("alice", "/essay.pdf", []byte("my essay"))
				r.list(t)
				return nil
			},
			act: func(t *testing.T, r *rig, _ any) {
				if status, body, _ := r.pick(t, "student", submission(), "controlled", "/essay.pdf"); status != http.StatusOK {
					t.Fatalf("controlled pick: %d %s", status, body)
				}
			},
			want: "webdav PROPFIND 1, webdav MKCOL 4, webdav COPY 1, ocs GET 1, ocs POST 1, ocs DELETE 1", max: 6 + 4,
		},
		{
			action: "controlled link select, folders there", target: "at most 6 + 0", seed: "3 + a PROPFIND per level (3 + 7)",
			setup: func(t *testing.T, r *rig) any {
				r.controlled(t)
				r.h.Cloud.WriteFile("alice", "/appendix.pdf", []byte("a"))
				r.list(t, "reload", "1")
				return nil
			},
			act: func(t *testing.T, r *rig, _ any) {
				if status, body, _ := r.pick(t, "student", submission(), "controlled", "/appendix.pdf"); status != http.StatusOK {
					t.Fatalf("controlled pick: %d %s", status, body)
				}
			},
			want: "webdav PROPFIND 1, webdav COPY 1, ocs GET 1, ocs POST 1, ocs DELETE 1", max: 6,
		},
		{
			action: "controlled link, read-only open", target: "1 (no share)",
			seed:  "7-8 (PROPFIND, MKCOL if missing, userinfo, share, share info, MOVE, share info, GET): a share for every viewer",
			setup: func(t *testing.T, r *rig) any { return r.controlled(t) },
			act: func(t *testing.T, r *rig, st any) {
				u := r.h.Repo.ControlledLinkURL(st.(int64))
				if body := r.get(t, "student2", u); !strings.Contains(body, `data-testid="add-to-cloud"`) {
					t.Fatalf("the viewer's page offers no read-only share: %s", body)
				}
				if body := r.get(t, "student2", u+"/file"); body != "my essay" {
					t.Fatalf("file %q", body)
				}
				if n := len(r.h.Cloud.Shares()); n != 0 {
					t.Fatalf("%d shares after a read-only open", n)
				}
			},
			want: "webdav GET 1", max: 1,
		},
		{
			action: "controlled link, editor's first open", target: "at most 5", seed: "7-8",
			setup: func(t *testing.T, r *rig) any {
				id := r.controlled(t)
				r.h.Connect(t, r.iss.ID, "teacher")
				return id
			},
			act: func(t *testing.T, r *rig, st any) {
				u := r.h.Repo.ControlledLinkURL(st.(int64)) + "/share"
				if status, body, _ := r.h.Client("teacher").Post(t, u, url.Values{"edit": {"1"}}); status != http.StatusOK {
					t.Fatalf("editor open: %d %s", status, body)
				}
			},
			want: "webdav PROPFIND 1, webdav MKCOL 1, webdav MOVE 1, ocs GET 1, ocs POST 1", max: 5,
		},
		{
			action: "controlled link, submit after the owner edited", target: "1 + 1 per share to cut",
			seed: "n/a",
			setup: func(t *testing.T, r *rig) any {
				id := r.controlled(t)
				u := r.h.Repo.ControlledLinkURL(id) + "/share"
				if status, body, _ := r.h.Client("student").Post(t, u, url.Values{"edit": {"1"}}); status != http.StatusOK {
					t.Fatalf("owner edit: %d %s", status, body)
				}
				return id
			},
			act: func(t *testing.T, r *rig, st any) {
				if err := r.h.Repo.MarkSubmitted(context.Background(), st.(int64)); err != nil {
					t.Fatal(err)
				}
			},
			want: "ocs GET 1, ocs PUT 1", max: 2,
		},
		{
			action: "controlled link, editor's repeat open", target: "at most 3", seed: "6 (PROPFIND, userinfo, refused share, share list, share info, GET)",
			setup: func(t *testing.T, r *rig) any {
				id := r.controlled(t)
				r.h.Connect(t, r.iss.ID, "teacher")
				u := r.h.Repo.ControlledLinkURL(id) + "/share"
				if status, body, _ := r.h.Client("teacher").Post(t, u, url.Values{"edit": {"1"}}); status != http.StatusOK {
					t.Fatalf("editor open: %d %s", status, body)
				}
				return id
			},
			act: func(t *testing.T, r *rig, st any) {
				u := r.h.Repo.ControlledLinkURL(st.(int64)) + "/share"
				if status, body, _ := r.h.Client("teacher").Post(t, u, url.Values{"edit": {"1"}}); status != http.StatusOK {
					t.Fatalf("editor open: %d %s", status, body)
				}
			},
			want: "ocs GET 1", max: 3,
		},
		{
			action: "token refresh, 20 concurrent listings of one user", target: "1 per expiry per (user, issuer)",
			seed: "1 per session that finds it expired, with no lock across sessions or web servers",
			setup: func(t *testing.T, r *rig) any {
				r.h.Connect(t, r.iss.ID, "student")
				r.h.Clock.Advance(2 * time.Hour)
				return nil
			},
			act:  func(t *testing.T, r *rig, _ any) { r.concurrentLists(t, []string{"student"}, 20) },
			want: "token POST 1, webdav PROPFIND 20", max: 21,
		},
		{
			action: "token refresh, 3 users x 10 concurrent listings", target: "1 per expiry per (user, issuer)",
			seed: "1 per session that finds it expired, with no lock across sessions or web servers",
			setup: func(t *testing.T, r *rig) any {
				for _, u := range []string{"student", "student2", "teacher"} {
					r.h.Connect(t, r.iss.ID, u)
				}
				r.h.Clock.Advance(2 * time.Hour)
				return nil
			},
			act: func(t *testing.T, r *rig, _ any) {
				r.concurrentLists(t, []string{"student", "student2", "teacher"}, 10)
			},
			want: "token POST 3, webdav PROPFIND 30", max: 33,
		},
	}
}

// TestRequestCounts is the table of docs/PERFORMANCE.md: every user action through the mounted group, with the
// requests that reach the cloud counted exactly. Run with -v to print the table as Markdown. The same counts are
// pinned closer to their features in picker/picker_test.go (listing, paging, reload, login), picker/pick_test.go
// (import, public links), picker/controlled_test.go (controlled links, a class of 200 opening one) and
// internal/service/tokens_test.go (refresh across goroutines and replicas).
func TestRequestCounts(t *testing.T) {
	t.Parallel()
	rows := countRows()
	results := make([]string, len(rows))
	t.Run("rows", func(t *testing.T) {
		for i, row := range rows {
			t.Run(row.action, func(t *testing.T) {
				t.Parallel()
				r := newRig(t, rigOptions{})
				var st any
				if row.setup != nil {
					st = row.setup(t, r)
				}
				r.h.Cloud.ResetCounts()
				row.act(t, r, st)
				got := breakdown(r.h.Cloud)
				if got != row.want {
					t.Errorf("requests: %s; want %s", got, row.want)
				}
				if n := cloudRequests(r.h.Cloud); n > row.max {
					t.Errorf("%d requests, more than the bound %d", n, row.max)
				}
				results[i] = fmt.Sprintf("| %s | %s | %d: %s | %s |", row.action, row.target, cloudRequests(r.h.Cloud), got, row.seed)
			})
		}
	})
	if testing.Verbose() && !t.Failed() {
		t.Log("\n| action | target | ocrepo (measured) | seed plugin |\n|---|---|---|---|\n" + strings.Join(results, "\n"))
	}
}
