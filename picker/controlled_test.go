package picker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	bt "github.com/ocrepo/ocrepo/repository/repositorytest/browsertest"
	"github.com/ocrepo/ocrepo/store"
)

// controlledFixture has an instance offering links (so controlled links too), the system account connected and
// the student and the teacher logged in.
func controlledFixture(t *testing.T, opts repositorytest.Options) *fixture {
	t.Helper()
	f := newFixture(t, opts)
	f.h.ConnectSystem(t, f.iss.ID)
	f.h.Connect(t, f.iss.ID, "student")
	f.h.Connect(t, f.iss.ID, "teacher")
	return f
}

var submission = host.PickRequest{Course: "42", Context: []string{"Course 42", "Essay", "Submission 7"}}

// pickControlled picks a file as a controlled link and returns the link id.
func (f *fixture) pickControlled(t *testing.T, req host.PickRequest, p string) (int64, int, string) {
	t.Helper()
	status, body, hdr := f.pick(t, req, "controlled", p)
	if status != http.StatusOK {
		return 0, status, body
	}
	var trig map[string]struct {
		Files []host.PickedFile `json:"files"`
	}
	if err := json.Unmarshal([]byte(hdr.Get("HX-Trigger")), &trig); err != nil {
		t.Fatalf("HX-Trigger: %v", err)
	}
	return trig["ocrepo:picked"].Files[0].ControlledLinkID, status, body
}

func requests(s *cloudtest.Server) int {
	return s.Count(cloudtest.EPWebDAV) + s.Count(cloudtest.EPOCS) + s.Count(cloudtest.EPToken) + s.Count(cloudtest.EPUserinfo)
}

func TestControlledLinkFreshSelection(t *testing.T) {
	t.Parallel()
	f := controlledFixture(t, repositorytest.Options{})
	f.h.Cloud.WriteFile("alice", "/essay.pdf", []byte("my essay"))
	f.h.Cloud.WriteFile("alice", "/appendix.pdf", []byte("more"))
	// The picker offers controlled links once a system account is connected.
	_, body, _ := f.c.Get(t, f.pickerPath(submission))
	if doc(t, body).Find(`[data-testid="as-controlled"]`).Length() != 1 {
		t.Fatal("controlled links not offered")
	}
	f.h.Cloud.ResetCounts()
	id, status, body := f.pickControlled(t, submission, "/essay.pdf")
	if status != http.StatusOK {
		t.Fatalf("pick: %d %s", status, body)
	}
	// The file is in the listing: no check at the cloud. The system account finds the share through
	// shared_with_me and confirms the file id (Depth 0 PROPFIND) before it copies.
	const missingLevels = 4 // LMS files / Course 42 / Essay / Submission 7
	if n := requests(f.h.Cloud); n != 5+missingLevels {
		t.Errorf("requests = %d, want %d (share, shared_with_me, PROPFIND, %d folders, copy, unshare)", n, 5+missingLevels, missingLevels)
	}
	want := "/LMS files/Course 42/Essay/Submission 7/essay.pdf"
	if got, ok := f.h.Cloud.ReadFile(repositorytest.SystemUser, want); !ok || string(got) != "my essay" {
		t.Fatalf("system copy at %q: %q %v", want, got, ok)
	}
	if n := len(f.h.Cloud.Shares()); n != 0 {
		t.Errorf("%d shares left; the temporary share must go", n)
	}
	l, err := f.h.Store.GetControlledLink(context.Background(), id)
	if err != nil || l.SystemPath != want || l.OriginalPath != "/essay.pdf" || l.OwnerUserID != "student" || l.OwnerCloud != "alice" {
		t.Fatalf("record %+v, %v", l, err)
	}
	// A second file in the same context needs no folder requests.
	f.h.Cloud.ResetCounts()
	if _, status, body := f.pickControlled(t, submission, "/appendix.pdf"); status != http.StatusOK {
		t.Fatalf("second pick: %d %s", status, body)
	}
	if n := requests(f.h.Cloud); n != 5 {
		t.Errorf("second pick in the same context: %d requests, want 5", n)
	}
	// The same file again gets its own name.
	f.h.Cloud.ResetCounts()
	if _, status, body := f.pickControlled(t, submission, "/essay.pdf"); status != http.StatusOK {
		t.Fatalf("repeat pick: %d %s", status, body)
	}
	if !f.h.Cloud.Exists(repositorytest.SystemUser, "/LMS files/Course 42/Essay/Submission 7/essay (1).pdf") {
		t.Errorf("the repeated pick did not land as essay (1).pdf")
	}
}

func TestControlledLinkChainPartlyThere(t *testing.T) {
	t.Parallel()
	f := controlledFixture(t, repositorytest.Options{})
	f.h.Cloud.WriteFile("alice", "/a.txt", []byte("a"))
	f.h.Cloud.WriteFile("alice", "/b.txt", []byte("b"))
	first := host.PickRequest{Course: "42", Context: []string{"Course 42", "Essay", "Submission 7"}}
	if _, status, body := f.pickControlled(t, first, "/a.txt"); status != http.StatusOK {
		t.Fatalf("first: %d %s", status, body)
	}
	f.h.Cloud.ResetCounts()
	second := host.PickRequest{Course: "42", Context: []string{"Course 42", "Essay", "Submission 8"}}
	if _, status, body := f.pickControlled(t, second, "/b.txt"); status != http.StatusOK {
		t.Fatalf("second: %d %s", status, body)
	}
	if n := f.h.Cloud.CountMethod(cloudtest.EPWebDAV, "MKCOL"); n != 1 {
		t.Errorf("MKCOL requests = %d, want 1 (only Submission 8 is missing)", n)
	}
	// Nothing was listed: the path is checked at the cloud (1 PROPFIND) before the 5 requests and the folder.
	if n := requests(f.h.Cloud); n > 6+1 {
		t.Errorf("selecting with one missing level: %d requests, want at most 6 + 1", n)
	}
	if !f.h.Cloud.Exists(repositorytest.SystemUser, "/LMS files/Course 42/Essay/Submission 8/b.txt") {
		t.Error("copy missing")
	}
}

func TestControlledLinkAlreadySharedOnOlderServers(t *testing.T) {
	t.Parallel()
	for _, fl := range []cloud.FlavorID{cloud.Nextcloud, cloud.NextcloudLegacy, cloud.OwnCloud} {
		t.Run(string(fl), func(t *testing.T) {
			t.Parallel()
			f := controlledFixture(t, repositorytest.Options{Cloud: cloudtest.Options{Flavor: fl}})
			f.h.Cloud.WriteFile("alice", "/essay.pdf", []byte("essay"))
			// The student shared the file with the system account before.
			access, _, _ := f.h.Cloud.IssueToken("alice")
			req, _ := http.NewRequest(http.MethodPost, f.h.Cloud.URL+"ocs/v2.php/apps/files_sharing/api/v1/shares?format=json",
				strings.NewReader(url.Values{"path": {"/essay.pdf"}, "shareType": {"0"}, "shareWith": {repositorytest.SystemUser}}.Encode()))
			req.Header.Set("Authorization", "Bearer "+access)
			req.Header.Set("OCS-APIRequest", "true")
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := f.h.Cloud.Client().Do(req)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("pre-share: %v %v", resp, err)
			}
			resp.Body.Close()
			f.h.Cloud.ResetCounts()
			if _, status, body := f.pickControlled(t, submission, "/essay.pdf"); status != http.StatusOK {
				t.Fatalf("pick: %d %s", status, body)
			}
			// check the unlisted path, share (403 on older servers), find it, find where the system account sees
			// it, confirm its file id, the folders, copy, unshare.
			const missingLevels = 4
			if n := requests(f.h.Cloud); n > 7+missingLevels {
				t.Errorf("selecting a file already shared: %d requests, want at most 7 + %d", n, missingLevels)
			}
			if n := len(f.h.Cloud.Shares()); n != 0 {
				t.Errorf("%d shares left; the share to the system account must go", n)
			}
			if !f.h.Cloud.Exists(repositorytest.SystemUser, "/LMS files/Course 42/Essay/Submission 7/essay.pdf") {
				t.Error("copy missing")
			}
		})
	}
}

func TestControlledLinkStepFailuresUndo(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		fault  func(f *fixture)
		step   string
		status int
	}{
		{"share", func(f *fixture) {
			f.h.Cloud.Fail(cloudtest.EPOCS, cloudtest.Fault{Times: 1, Method: "POST", Status: 500})
		}, "share", 502},
		{"folders", func(f *fixture) {
			f.h.Cloud.Fail(cloudtest.EPWebDAV, cloudtest.Fault{Times: 1, Method: "MKCOL", Status: 507})
		}, "folders", 507},
		{"copy", func(f *fixture) {
			f.h.Cloud.Fail(cloudtest.EPWebDAV, cloudtest.Fault{Times: 1, Method: "COPY", Status: 507})
		}, "copy", 507},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := controlledFixture(t, repositorytest.Options{})
			f.h.Cloud.WriteFile("alice", "/essay.pdf", []byte("essay"))
			tc.fault(f)
			_, status, body := f.pickControlled(t, submission, "/essay.pdf")
			if status != tc.status {
				t.Errorf("status %d, want %d: %s", status, tc.status, body)
			}
			if !strings.Contains(body, "data-testid=\"alert-step_"+tc.step+"\"") {
				t.Errorf("the message does not name step %q: %s", tc.step, body)
			}
			if n := len(f.h.Cloud.Shares()); n != 0 {
				t.Errorf("%d shares left behind", n)
			}
			if f.h.Cloud.Exists(repositorytest.SystemUser, "/LMS files") {
				t.Errorf("folders left behind in the system account's space")
			}
			links, _ := f.h.Store.ListControlledLinks(context.Background(), store.ControlledLinkFilter{})
			if len(links) != 0 {
				t.Errorf("%d links recorded", len(links))
			}
		})
	}
}

// open fetches a controlled link's page as a user.
func (f *fixture) open(t *testing.T, c *repositorytest.Client, id int64) (int, string) {
	t.Helper()
	status, body, _ := c.Get(t, f.h.Repo.ControlledLinkURL(id))
	return status, body
}

func TestControlledLinkOpenAsTeacherAndStudent(t *testing.T) {
	t.Parallel()
	f := controlledFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student2")
	f.h.Cloud.WriteFile("alice", "/essay.pdf", []byte("my essay"))
	id, status, body := f.pickControlled(t, submission, "/essay.pdf")
	if status != http.StatusOK {
		t.Fatalf("pick: %d %s", status, body)
	}
	teacher := f.h.Client("teacher")
	// A read-only open: the page costs nothing, the file one GET, no share.
	f.h.Cloud.ResetCounts()
	reader := f.h.Client("student2")
	status, body = f.open(t, reader, id)
	if status != http.StatusOK || doc(t, body).Find(`[data-testid="add-to-cloud"]`).Length() != 1 {
		t.Fatalf("student2 open: %d %s", status, body)
	}
	if d := doc(t, body); d.Find(`[data-testid="edit"], [data-testid="open-cloud"]`).Length() != 0 {
		t.Errorf("a read-only viewer is offered editing")
	}
	if n := requests(f.h.Cloud); n != 0 {
		t.Errorf("the link's page made %d requests to the cloud, want 0", n)
	}
	status, data, hdr := reader.Get(t, f.h.Repo.ControlledLinkURL(id)+"/file")
	if status != http.StatusOK || data != "my essay" || hdr.Get("Content-Disposition") != "attachment; filename=essay.pdf" ||
		hdr.Get("Content-Type") != "application/pdf" {
		t.Fatalf("student2 file: %d %q %q %q", status, data, hdr.Get("Content-Disposition"), hdr.Get("Content-Type"))
	}
	if n, gets := requests(f.h.Cloud), f.h.Cloud.CountMethod(cloudtest.EPWebDAV, "GET"); n != 1 || gets != 1 {
		t.Errorf("read-only open made %d requests (%d GET), want exactly 1 GET", n, gets)
	}
	if n := len(f.h.Cloud.Shares()); n != 0 {
		t.Errorf("read-only open created %d shares", n)
	}
	// The teacher gets an edit share in the controlled-link folder.
	f.h.Cloud.ResetCounts()
	status, body, _ = teacher.Post(t, f.h.Repo.ControlledLinkURL(id)+"/share", url.Values{"edit": {"1"}})
	if status != http.StatusOK || doc(t, body).Find(`[data-testid="open-cloud"]`).Length() != 1 {
		t.Fatalf("teacher edit: %d %s", status, body)
	}
	if !f.h.Cloud.Exists("bob", "/LMS files/essay.pdf") {
		t.Fatal("the teacher's share is not in /LMS files")
	}
	// share, shared_with_me, PROPFIND (the file id), MKCOL, MOVE.
	if n := requests(f.h.Cloud); n > 5 {
		t.Errorf("first editor open: %d requests, want at most 5", n)
	}
	f.h.Cloud.ResetCounts()
	status, _, _ = teacher.Post(t, f.h.Repo.ControlledLinkURL(id)+"/share", url.Values{"edit": {"1"}})
	if status != http.StatusOK {
		t.Fatalf("repeat: %d", status)
	}
	if n := requests(f.h.Cloud); n > 3 {
		t.Errorf("editor's repeat open: %d requests, want at most 3", n)
	}
	if n := len(f.h.Cloud.Shares()); n != 1 {
		t.Errorf("%d shares, want the teacher's one", n)
	}
	// The teacher can write through the share; a read-only viewer cannot.
	sh := f.h.Cloud.Shares()[0]
	if sh.Permissions&2 == 0 {
		t.Errorf("teacher's share permissions %d lack update", sh.Permissions)
	}
	status, _, _ = reader.Post(t, f.h.Repo.ControlledLinkURL(id)+"/share", url.Values{"edit": {"1"}})
	if status != http.StatusForbidden {
		t.Errorf("a student asking to edit: %d, want 403", status)
	}
	status, body, _ = reader.Post(t, f.h.Repo.ControlledLinkURL(id)+"/share", nil)
	if status != http.StatusOK {
		t.Fatalf("read-only share: %d %s", status, body)
	}
	if !f.h.Cloud.Exists("carol", "/LMS files/essay.pdf") {
		t.Fatal("the read-only share is not in carol's /LMS files")
	}
	if err := writeAs(f.h.Cloud, "carol", "/LMS files/essay.pdf", "changed"); err == nil {
		t.Error("the cloud let a read-only viewer change the file")
	}
	if err := writeAs(f.h.Cloud, "bob", "/LMS files/essay.pdf", "graded"); err != nil {
		t.Errorf("the teacher cannot write: %v", err)
	}
	if status, _ := f.open(t, f.h.Client("student"), id+1000); status != http.StatusNotFound {
		t.Errorf("unknown link: %d", status)
	}
}

// writeAs PUTs content to a path in a user's space with their own token.
func writeAs(s *cloudtest.Server, user, p, content string) error {
	access, _, _ := s.IssueToken(user)
	req, err := http.NewRequest(http.MethodPut, s.URL+"remote.php/dav/files/"+url.PathEscape(user)+(&url.URL{Path: p}).EscapedPath(), strings.NewReader(content))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := s.Client().Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("PUT %s: %d", p, resp.StatusCode)
	}
	return nil
}

// removeAs DELETEs a path in a user's space with their own token.
func removeAs(s *cloudtest.Server, user, p string) error {
	access, _, _ := s.IssueToken(user)
	req, err := http.NewRequest(http.MethodDelete, s.URL+"remote.php/dav/files/"+url.PathEscape(user)+(&url.URL{Path: p}).EscapedPath(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := s.Client().Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("DELETE %s: %d", p, resp.StatusCode)
	}
	return nil
}

func TestControlledLinkNameClashInTheViewersFolder(t *testing.T) {
	t.Parallel()
	f := controlledFixture(t, repositorytest.Options{})
	f.h.Cloud.WriteFile("alice", "/essay.pdf", []byte("student essay"))
	f.h.Cloud.WriteFile("bob", "/LMS files/essay.pdf", []byte("the teacher's own file"))
	id, status, body := f.pickControlled(t, submission, "/essay.pdf")
	if status != http.StatusOK {
		t.Fatalf("pick: %d %s", status, body)
	}
	status, body, _ = f.h.Client("teacher").Post(t, f.h.Repo.ControlledLinkURL(id)+"/share", url.Values{"edit": {"1"}})
	if status != http.StatusOK {
		t.Fatalf("teacher: %d %s", status, body)
	}
	got, _ := f.h.Cloud.ReadFile("bob", "/LMS files/essay (1).pdf")
	if string(got) != "student essay" {
		t.Errorf("essay (1).pdf holds %q", got)
	}
	if own, _ := f.h.Cloud.ReadFile("bob", "/LMS files/essay.pdf"); string(own) != "the teacher's own file" {
		t.Errorf("the teacher's own file was overwritten")
	}
}

func TestControlledLinkLockAfterSubmission(t *testing.T) {
	t.Parallel()
	f := controlledFixture(t, repositorytest.Options{})
	f.h.Cloud.WriteFile("alice", "/essay.pdf", []byte("draft"))
	id, status, body := f.pickControlled(t, submission, "/essay.pdf")
	if status != http.StatusOK {
		t.Fatalf("pick: %d %s", status, body)
	}
	// Before submission the owner may edit (the test host's rule) and takes an edit share.
	if status, body, _ := f.c.Post(t, f.h.Repo.ControlledLinkURL(id)+"/share", url.Values{"edit": {"1"}}); status != http.StatusOK {
		t.Fatalf("owner edit: %d %s", status, body)
	}
	if err := writeAs(f.h.Cloud, "alice", "/LMS files/essay.pdf", "second draft"); err != nil {
		t.Fatalf("owner cannot write before submission: %v", err)
	}
	if err := f.h.Repo.MarkSubmitted(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if err := writeAs(f.h.Cloud, "alice", "/LMS files/essay.pdf", "after the deadline"); err == nil {
		t.Error("the owner changed the submitted file")
	}
	_, body = f.open(t, f.c, id)
	d := doc(t, body)
	if d.Find(`[data-testid="submitted"]`).Length() != 1 || d.Find(`[data-testid="edit"]`).Length() != 0 {
		t.Errorf("the owner's page after submission: %s", body)
	}
	if status, _, _ := f.c.Post(t, f.h.Repo.ControlledLinkURL(id)+"/share", url.Values{"edit": {"1"}}); status != http.StatusForbidden {
		t.Errorf("owner edit after submission: %d, want 403", status)
	}
	// The teacher keeps edit access.
	if status, body, _ := f.h.Client("teacher").Post(t, f.h.Repo.ControlledLinkURL(id)+"/share", url.Values{"edit": {"1"}}); status != http.StatusOK {
		t.Fatalf("teacher: %d %s", status, body)
	}
	if err := writeAs(f.h.Cloud, "bob", "/LMS files/essay.pdf", "feedback"); err != nil {
		t.Errorf("the teacher cannot write after submission: %v", err)
	}
}

func TestControlledLinkOpenedByAWholeClass(t *testing.T) {
	t.Parallel()
	var throttled atomic.Int64 // 429 answers the cloud gave, to anybody
	logf := func(_ string, args ...any) {
		if len(args) == 4 && args[3] == http.StatusTooManyRequests {
			throttled.Add(1)
		}
	}
	f := controlledFixture(t, repositorytest.Options{Cloud: cloudtest.Options{Logf: logf}})
	f.h.Cloud.WriteFile("bob", "/lecture.pdf", []byte("slides"))
	f.h.Connect(t, f.iss.ID, "teacher")
	tc := f.h.Client("teacher")
	form := url.Values{"r": {token(t, f.pickerPath(host.PickRequest{User: "teacher", Course: "42", Context: []string{"Course 42", "Lecture 1"}}))},
		"i": {strconv.FormatInt(f.inst.ID, 10)}, "as": {"controlled"}, "path": {"/lecture.pdf"}}
	status, body, hdr := tc.Post(t, repositorytest.Mount+"/picker/pick", form, "HX-Request", "true")
	if status != http.StatusOK {
		t.Fatalf("teacher pick: %d %s", status, body)
	}
	var trig map[string]struct {
		Files []host.PickedFile `json:"files"`
	}
	_ = json.Unmarshal([]byte(hdr.Get("HX-Trigger")), &trig)
	id := trig["ocrepo:picked"].Files[0].ControlledLinkID
	f.h.Cloud.ResetCounts()
	before := len(f.h.Cloud.Shares())
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := f.h.Client("student" + strconv.Itoa(100+i))
			resp, err := c.Client.Get(f.h.URL + f.h.Repo.ControlledLinkURL(id) + "/file")
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				errs <- fmt.Errorf("status %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := len(f.h.Cloud.Shares()); n != before {
		t.Errorf("200 opens created %d shares", n-before)
	}
	if n := f.h.Cloud.CountMethod(cloudtest.EPOCS, "POST"); n != 0 {
		t.Errorf("200 opens sent %d share-creating requests", n)
	}
	if n := f.h.Cloud.CountMethod(cloudtest.EPWebDAV, "GET"); n != 200 {
		t.Errorf("GET requests %d, want 200", n)
	}
	if n := throttled.Load(); n != 0 {
		t.Errorf("the cloud answered 429 %d times", n)
	}
}

// TestControlledLinkInBrowser: a teacher adds a file as an access controlled link through the picker, a student
// opens it read-only (downloads it, adds it to their cloud, cannot change it), the teacher gets "Edit in ...", and
// an admin revokes the student's share in the console.
func TestControlledLinkInBrowser(t *testing.T) {
	t.Parallel()
	b := bt.New(t)
	// The host reports the course item "Old week" removed: links made there are orphans.
	items := host.ItemsFunc(func(_ context.Context, _ string, lmsContext []string) (bool, error) {
		return !slices.Contains(lmsContext, "Old week"), nil
	})
	f := controlledFixture(t, repositorytest.Options{Config: func(cfg *repository.Config) { cfg.Items = items }})
	const slides = "lecture slides, version 1"
	f.h.Cloud.WriteFile("bob", "/Teaching/lecture 1.pdf", []byte(slides))
	f.h.Cloud.WriteFile("bob", "/Teaching/notes.txt", []byte("notes"))
	const group = "controlled"

	// The teacher picks the file as an access controlled link.
	teacher := b.As(f.h, "teacher")
	req := host.PickRequest{User: "teacher", Course: "42", Context: []string{"Course 42", "Week 1", "Lecture"}}
	bt.Do(t, teacher, "open the picker",
		chromedp.Navigate(f.h.PickerURL(req)+"&path=%2FTeaching"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="row"][data-name="lecture 1.pdf"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="row"][data-name="lecture 1.pdf"] input[name="path"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="as-controlled"]`)),
	)
	bt.Shot(t, teacher, group, "01-picker-choose")
	bt.Axe(t, teacher, "01-picker-choose")
	bt.Do(t, teacher, "add the file", chromedp.Click(chromedp.CSS(`[data-testid="pick"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="result"]`)))
	if got := bt.Text(t, teacher, `[data-testid="result"]`); !strings.Contains(got, "Access controlled link ready") {
		t.Errorf("result: %q", got)
	}
	bt.Shot(t, teacher, group, "02-picker-added")
	bt.Axe(t, teacher, "02-picker-added")
	links, err := f.h.Store.ListControlledLinks(context.Background(), store.ControlledLinkFilter{Owner: "teacher"})
	if err != nil || len(links) != 1 {
		t.Fatalf("links %v %v", links, err)
	}
	l := links[0]
	if l.SystemPath != "/LMS files/Course 42/Week 1/Lecture/lecture 1.pdf" || l.Size != int64(len(slides)) || l.ContentType != "application/pdf" {
		t.Errorf("recorded %q, %d bytes, %q", l.SystemPath, l.Size, l.ContentType)
	}
	linkURL := f.h.URL + f.h.Repo.ControlledLinkURL(l.ID)

	// A student opens it: no edit button, the bytes download, and a read-only copy goes into their cloud.
	student := b.As(f.h, "student")
	bt.Do(t, student, "open the link", chromedp.Navigate(linkURL), chromedp.WaitVisible(chromedp.CSS(`[data-testid="controlled"]`)))
	if n, err := chromedp.Run(student, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="edit"], [data-testid="open-cloud"]').length`)); err != nil || n != 0 {
		t.Errorf("the student sees %d edit controls (%v)", n, err)
	}
	if got := bt.Text(t, student, `[data-testid="add-to-cloud"]`); !strings.Contains(got, "read only") {
		t.Errorf("add button says %q", got)
	}
	if got := strings.Join(strings.Fields(bt.Text(t, student, `[data-testid="download"]`)), " "); got != "Download (25 bytes)" {
		t.Errorf("download button says %q", got)
	}
	bt.Shot(t, student, group, "03-student-view")
	bt.Axe(t, student, "03-student-view")
	f.h.Cloud.ResetCounts()
	type download struct {
		Status      int    `json:"status"`
		Disposition string `json:"disposition"`
		Type        string `json:"type"`
		Body        string `json:"body"`
	}
	dl, err := chromedp.Run(student, chromedp.Evaluate[download](`(async () => {
		const r = await fetch(document.querySelector('[data-testid="download"]').href);
		return {status: r.status, disposition: r.headers.get("Content-Disposition"), type: r.headers.get("Content-Type"), body: await r.text()};
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || dl.Status != 200 || dl.Body != slides || dl.Disposition != `attachment; filename="lecture 1.pdf"` || dl.Type != "application/pdf" {
		t.Errorf("download: %+v %v", dl, err)
	}
	if n := requests(f.h.Cloud); n != 1 {
		t.Errorf("the download made %d requests to the cloud, want 1", n)
	}
	if n := len(f.h.Cloud.Shares()); n != 0 {
		t.Errorf("reading created %d shares", n)
	}
	bt.Do(t, student, "add it to the student's cloud",
		chromedp.Click(chromedp.CSS(`[data-testid="add-to-cloud"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="alert-shared"]`)),
	)
	if got := bt.Text(t, student, `[data-testid="shared-here"]`); !strings.Contains(got, "/LMS files/lecture 1.pdf") {
		t.Errorf("shared here: %q", got)
	}
	if got := bt.Text(t, student, `[data-testid="open-cloud"]`); !strings.HasPrefix(got, "Open in") {
		t.Errorf("the student's cloud link says %q", got)
	}
	bt.Shot(t, student, group, "04-student-added")
	bt.Axe(t, student, "04-student-added")
	if data, ok := f.h.Cloud.ReadFile("alice", "/LMS files/lecture 1.pdf"); !ok || string(data) != slides {
		t.Fatalf("the student's read-only copy: %q %v", data, ok)
	}
	if err := writeAs(f.h.Cloud, "alice", "/LMS files/lecture 1.pdf", "the student's change"); err == nil {
		t.Error("the cloud let the student change the file")
	}
	if data, _ := f.h.Cloud.ReadFile(repositorytest.SystemUser, l.SystemPath); string(data) != slides {
		t.Errorf("the file changed: %q", data)
	}

	// The teacher opens the link with "Edit in ..." and gets an edit share.
	bt.Do(t, teacher, "the teacher opens the link", chromedp.Navigate(linkURL), chromedp.WaitVisible(chromedp.CSS(`[data-testid="edit"]`)))
	if got := bt.Text(t, teacher, `[data-testid="edit"]`); got != "Edit in Campus Cloud" {
		t.Errorf("the teacher's button says %q", got)
	}
	bt.Shot(t, teacher, group, "05-teacher-view")
	bt.Axe(t, teacher, "05-teacher-view")
	bt.Do(t, teacher, "edit in the cloud", chromedp.Click(chromedp.CSS(`[data-testid="edit"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="open-cloud"]`)))
	if got := bt.Text(t, teacher, `[data-testid="open-cloud"]`); !strings.HasPrefix(got, "Edit in Campus Cloud") {
		t.Errorf("the teacher's cloud link says %q", got)
	}
	bt.Shot(t, teacher, group, "06-teacher-edit")
	bt.Axe(t, teacher, "06-teacher-edit")
	if err := writeAs(f.h.Cloud, "bob", "/LMS files/lecture 1.pdf", "lecture slides, version 2"); err != nil {
		t.Errorf("the teacher cannot change the file: %v", err)
	}

	// The course page and the admin console show both shares; the admin revokes the student's in place.
	bt.Do(t, teacher, "the course's links", chromedp.Navigate(f.h.URL+repositorytest.Mount+"/course/42/links"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="share"][data-user="student"]`)))
	bt.Shot(t, teacher, group, "07-course-links")
	bt.Axe(t, teacher, "07-course-links")
	orphan, err := f.h.Store.CreateControlledLink(context.Background(), store.ControlledLink{InstanceID: f.inst.ID, IssuerID: f.iss.ID,
		Course: "42", Context: []string{"Course 42", "Old week", "Lecture"}, OwnerUserID: "teacher", OwnerCloud: "bob",
		OriginalPath: "/Teaching/old.pdf", SystemPath: "/LMS files/Course 42/Old week/Lecture/old.pdf", Name: "old.pdf"})
	if err != nil {
		t.Fatal(err)
	}
	admin := b.As(f.h, "admin")
	share := `[data-testid="share"][data-user="student"]`
	bt.Do(t, admin, "the console", chromedp.Navigate(f.h.URL+repositorytest.Mount+"/admin/links"), chromedp.WaitVisible(chromedp.CSS(share)))
	if got := bt.Text(t, admin, fmt.Sprintf(`[data-testid="link-row"][data-link="%d"] [data-testid="orphan"]`, orphan.ID)); got == "" {
		t.Error("no orphan badge on the link of a removed course item")
	}
	bt.Shot(t, admin, group, "08-console")
	bt.Axe(t, admin, "08-console")
	bt.Do(t, admin, "revoke, then confirm",
		chromedp.Click(chromedp.CSS(share+` [data-testid="revoke"]`)),
		chromedp.WaitVisible(chromedp.CSS(share+` [data-testid="revoke-yes"]`)),
	)
	bt.Shot(t, admin, group, "09-console-confirm")
	bt.Axe(t, admin, "09-console-confirm")
	bt.Do(t, admin, "confirm",
		chromedp.Click(chromedp.CSS(share+` [data-testid="revoke-yes"]`)),
		chromedp.WaitVisible(chromedp.CSS(share+`[data-state="revoked"] [data-testid="regrant"]`)),
	)
	if _, err := chromedp.Run(admin, chromedp.Poll[bool](`document.getElementById("ocrepo-live").textContent.includes("Revoked the share of student")`,
		chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Errorf("the revoke was not announced: %v", err)
	}
	if focused, err := chromedp.Run(admin, chromedp.Evaluate[string](`document.activeElement.getAttribute("data-testid")`)); err != nil || focused != "regrant" {
		t.Errorf("focus after the revoke: %q %v", focused, err)
	}
	bt.Shot(t, admin, group, "10-console-revoked")
	bt.Axe(t, admin, "10-console-revoked")
	if f.h.Cloud.Exists("alice", "/LMS files/lecture 1.pdf") {
		t.Error("the revoked file is still in the student's cloud")
	}
}
