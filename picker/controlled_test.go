package picker_test

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

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
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
	const missingLevels = 4 // LMS files / Course 42 / Essay / Submission 7
	if n := requests(f.h.Cloud); n != 3+missingLevels {
		t.Errorf("requests = %d, want %d (share, %d folders, copy, unshare)", n, 3+missingLevels, missingLevels)
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
	f.h.Cloud.WriteFile("alice", "/appendix.pdf", []byte("more"))
	f.h.Cloud.ResetCounts()
	if _, status, body := f.pickControlled(t, submission, "/appendix.pdf"); status != http.StatusOK {
		t.Fatalf("second pick: %d %s", status, body)
	}
	if n := requests(f.h.Cloud); n != 3 {
		t.Errorf("second pick in the same context: %d requests, want 3", n)
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
	if !f.h.Cloud.Exists(repositorytest.SystemUser, "/LMS files/Course 42/Essay/Submission 8/b.txt") {
		t.Error("copy missing")
	}
}

func TestControlledLinkAlreadySharedOnOlderServers(t *testing.T) {
	t.Parallel()
	for _, fl := range []cloudtest.Flavor{cloudtest.Nextcloud, cloudtest.NextcloudLegacy, cloudtest.OwnCloud} {
		t.Run(fl.String(), func(t *testing.T) {
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
			if _, status, body := f.pickControlled(t, submission, "/essay.pdf"); status != http.StatusOK {
				t.Fatalf("pick: %d %s", status, body)
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
	status, data, hdr := reader.Get(t, f.h.Repo.ControlledLinkURL(id)+"/file")
	if status != http.StatusOK || data != "my essay" || !strings.Contains(hdr.Get("Content-Disposition"), "essay.pdf") {
		t.Fatalf("student2 file: %d %q %q", status, data, hdr.Get("Content-Disposition"))
	}
	if n := requests(f.h.Cloud); n != 1 {
		t.Errorf("read-only open made %d requests, want 1", n)
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
	if n := requests(f.h.Cloud); n > 3 {
		t.Errorf("first editor open: %d requests, want at most 3", n)
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
	f := controlledFixture(t, repositorytest.Options{})
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
}
