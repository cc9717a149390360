package picker_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
)

// These tests are the four ways access controlled links failed on a real Nextcloud 34 (issue 11): the wrong file
// copied or moved, write access kept through re-shares, a race between "Edit" and "Submit", and picks that nobody
// checked at the cloud.

// ocsAs sends a share API call with a user's own token, as a user at the cloud would.
func ocsAs(t *testing.T, s *cloudtest.Server, user, method, suffix string, form url.Values) (int, []map[string]any) {
	t.Helper()
	access, _, _ := s.IssueToken(user)
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, s.URL+"ocs/v2.php/apps/files_sharing/api/v1/shares"+suffix, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+access)
	req.Header.Set("OCS-APIRequest", "true")
	req.Header.Set("Accept", "application/json")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		OCS struct {
			Meta struct {
				StatusCode int `json:"statuscode"`
			} `json:"meta"`
			Data json.RawMessage `json:"data"`
		} `json:"ocs"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return resp.StatusCode, nil
	}
	var one map[string]any
	if json.Unmarshal(env.OCS.Data, &one) == nil && one != nil {
		return env.OCS.Meta.StatusCode, []map[string]any{one}
	}
	var many []map[string]any
	_ = json.Unmarshal(env.OCS.Data, &many)
	return env.OCS.Meta.StatusCode, many
}

// writersOf lists the shares of the system copy at p that let someone write: "user:<id>" or "link".
func writersOf(s *cloudtest.Server, p string) []string {
	var out []string
	for _, sh := range s.Shares() {
		if sh.Path != p || sh.Permissions&2 == 0 {
			continue
		}
		if sh.ShareType == 3 {
			out = append(out, "link")
		} else {
			out = append(out, "user:"+sh.ShareWith)
		}
	}
	return out
}

// Failure 1: the share-create reply says "/essay.pdf" while the share is mounted as "/essay (2).pdf" because the
// system account (or the teacher) already has a file of that name. Acting on the reply copies or moves the wrong
// file.
func TestControlledLinkNeverActsOnANamesake(t *testing.T) {
	t.Parallel()
	f := controlledFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student2")
	f.h.Cloud.WriteFile("alice", "/essay.pdf", []byte("the student's essay"))
	f.h.Cloud.WriteFile(repositorytest.SystemUser, "/essay.pdf", []byte("the system account's own file"))
	f.h.Cloud.WriteFile("bob", "/essay.pdf", []byte("the teacher's own file"))
	id, status, body := f.pickControlled(t, submission, "/essay.pdf")
	if status != http.StatusOK {
		t.Fatalf("pick: %d %s", status, body)
	}
	l, err := f.h.Store.GetControlledLink(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.h.Cloud.ReadFile(repositorytest.SystemUser, l.SystemPath); string(got) != "the student's essay" {
		t.Errorf("the controlled copy %s holds %q, want the student's essay", l.SystemPath, got)
	}
	if got, _ := f.h.Cloud.ReadFile(repositorytest.SystemUser, "/essay.pdf"); string(got) != "the system account's own file" {
		t.Errorf("the system account's own file now holds %q", got)
	}
	// The teacher's edit share lands in the controlled-link folder; the teacher's own /essay.pdf stays put.
	status, body, _ = f.h.Client("teacher").Post(t, f.h.Repo.ControlledLinkURL(id)+"/share", url.Values{"edit": {"1"}})
	if status != http.StatusOK {
		t.Fatalf("teacher edit: %d %s", status, body)
	}
	if got, ok := f.h.Cloud.ReadFile("bob", "/essay.pdf"); !ok || string(got) != "the teacher's own file" {
		t.Errorf("the teacher's own /essay.pdf: %q %v (moved or overwritten)", got, ok)
	}
	if got, _ := f.h.Cloud.ReadFile("bob", "/LMS files/essay.pdf"); string(got) != "the student's essay" {
		t.Errorf("the teacher's /LMS files/essay.pdf holds %q", got)
	}
	// "Add to my cloud" for a reader who also has a namesake.
	f.h.Cloud.WriteFile("carol", "/essay.pdf", []byte("carol's own file"))
	status, body, _ = f.h.Client("student2").Post(t, f.h.Repo.ControlledLinkURL(id)+"/share", nil)
	if status != http.StatusOK {
		t.Fatalf("add to my cloud: %d %s", status, body)
	}
	if got, ok := f.h.Cloud.ReadFile("carol", "/essay.pdf"); !ok || string(got) != "carol's own file" {
		t.Errorf("carol's own /essay.pdf: %q %v", got, ok)
	}
	if got, _ := f.h.Cloud.ReadFile("carol", "/LMS files/essay.pdf"); string(got) != "the student's essay" {
		t.Errorf("carol's /LMS files/essay.pdf holds %q", got)
	}
}

// Failure 2: the student's edit share carried permission 16, so she could re-share her editable copy (or make an
// editable public link) before submitting; the lock cut only her own share.
func TestControlledLinkSubmissionLeavesNoOtherWriter(t *testing.T) {
	t.Parallel()
	f := controlledFixture(t, repositorytest.Options{})
	cl := f.h.Cloud
	cl.WriteFile("alice", "/essay.pdf", []byte("draft"))
	id, status, body := f.pickControlled(t, submission, "/essay.pdf")
	if status != http.StatusOK {
		t.Fatalf("pick: %d %s", status, body)
	}
	l, _ := f.h.Store.GetControlledLink(context.Background(), id)
	if status, body, _ := f.c.Post(t, f.h.Repo.ControlledLinkURL(id)+"/share", url.Values{"edit": {"1"}}); status != http.StatusOK {
		t.Fatalf("owner edit: %d %s", status, body)
	}
	for _, sh := range cl.Shares() {
		if sh.Permissions&16 != 0 {
			t.Errorf("share %s to %q carries permission 16 (%d)", sh.ID, sh.ShareWith, sh.Permissions)
		}
	}
	// The student tries to hand write access on: a re-share to a classmate and an editable public link.
	code, _ := ocsAs(t, cl, "alice", "POST", "", url.Values{"path": {"/LMS files/essay.pdf"}, "shareType": {"0"}, "shareWith": {"carol"}, "permissions": {"3"}})
	t.Logf("re-share to a classmate: OCS %d", code)
	code, links := ocsAs(t, cl, "alice", "POST", "", url.Values{"path": {"/LMS files/essay.pdf"}, "shareType": {"3"}})
	t.Logf("public link: OCS %d", code)
	if code == 200 && len(links) == 1 {
		code, _ = ocsAs(t, cl, "alice", "PUT", "/"+links[0]["id"].(string), url.Values{"permissions": {"3"}})
		t.Logf("editable public link: OCS %d", code)
	}
	// Writers the library never made (a cloud admin acting as the system account, or a share from an older
	// version) must go as well.
	code, _ = ocsAs(t, cl, repositorytest.SystemUser, "POST", "", url.Values{"path": {l.SystemPath}, "shareType": {"0"}, "shareWith": {"dana"}, "permissions": {"19"}})
	if code != 200 {
		t.Fatalf("stray share: OCS %d", code)
	}

	if err := f.h.Repo.MarkSubmitted(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if w := writersOf(cl, l.SystemPath); len(w) != 0 {
		t.Errorf("after submission these still write: %v", w)
	}
	for _, u := range []string{"alice", "carol", "dana"} {
		for _, p := range []string{"/LMS files/essay.pdf", "/essay.pdf"} {
			if cl.Exists(u, p) && u != "alice" || u == "alice" && p == "/LMS files/essay.pdf" {
				if err := writeAs(cl, u, p, "changed by "+u); err == nil {
					if got, _ := cl.ReadFile(repositorytest.SystemUser, l.SystemPath); string(got) == "changed by "+u {
						t.Errorf("%s changed the submitted copy through %s", u, p)
					}
				}
			}
		}
	}
	if got, _ := cl.ReadFile(repositorytest.SystemUser, l.SystemPath); string(got) != "draft" {
		t.Errorf("the submitted copy holds %q", got)
	}
	// The teacher can still edit.
	if status, body, _ := f.h.Client("teacher").Post(t, f.h.Repo.ControlledLinkURL(id)+"/share", url.Values{"edit": {"1"}}); status != http.StatusOK {
		t.Fatalf("teacher: %d %s", status, body)
	}
	if err := writeAs(cl, "bob", "/LMS files/essay.pdf", "feedback"); err != nil {
		t.Errorf("the teacher cannot write after submission: %v", err)
	}
	if w := writersOf(cl, l.SystemPath); len(w) != 1 || w[0] != "user:bob" {
		t.Errorf("writers after the teacher's edit: %v, want only bob", w)
	}
}

// Failure 3: "Edit" and "Submit" at the same moment left an edit share at the cloud while the database said
// read-only.
func TestControlledLinkEditRacingSubmit(t *testing.T) {
	t.Parallel()
	for _, db := range []struct {
		name     string
		postgres bool
	}{{"SQLite", false}, {"PostgreSQL", true}} {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			for round := range 5 {
				raceEditAgainstSubmit(t, repositorytest.Options{Postgres: db.postgres}, round)
			}
		})
	}
}

func raceEditAgainstSubmit(t *testing.T, opts repositorytest.Options, round int) {
	f := controlledFixture(t, opts)
	cl := f.h.Cloud
	cl.WriteFile("alice", "/essay.pdf", []byte("draft"))
	id, status, body := f.pickControlled(t, submission, "/essay.pdf")
	if status != http.StatusOK {
		t.Fatalf("pick: %d %s", status, body)
	}
	l, _ := f.h.Store.GetControlledLink(context.Background(), id)
	csrf := f.c.CSRF(t)
	// Share creation is slow at the cloud, so a grant that read the link before the submission would create its
	// share after the submission's sweep, unless the two are serialised.
	cl.Fail(cloudtest.EPOCS, cloudtest.Fault{Method: http.MethodPost, Latency: 30 * time.Millisecond})
	const editors = 12
	var wg sync.WaitGroup
	start := make(chan struct{})
	codes := make(chan int, editors)
	for range editors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			form := url.Values{"edit": {"1"}, "csrf_token": {csrf}}
			req, _ := http.NewRequest(http.MethodPost, f.h.URL+f.h.Repo.ControlledLinkURL(id)+"/share", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := f.c.Do(req)
			if err != nil {
				codes <- -1
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	var submitErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-start
		submitErr = f.h.Repo.MarkSubmitted(context.Background(), id)
	}()
	close(start)
	wg.Wait()
	close(codes)
	if submitErr != nil {
		t.Fatalf("round %d: submit: %v", round, submitErr)
	}
	seen := map[int]int{}
	for c := range codes {
		seen[c]++
	}
	if w := writersOf(cl, l.SystemPath); len(w) != 0 {
		t.Errorf("round %d: after the race these write: %v (edit answers %v)", round, w, seen)
	}
	if err := writeAs(cl, "alice", "/LMS files/essay.pdf", "late"); err == nil {
		t.Errorf("round %d: the student wrote after submission (edit answers %v)", round, seen)
	}
	rec, err := f.h.Store.GetControlledShare(context.Background(), id, "student")
	if err == nil && rec.ShareID != "" && rec.Permissions&2 != 0 {
		t.Errorf("round %d: the record says the student still edits: %+v", round, rec)
	}
	if err != nil && err != store.ErrNotFound && !strings.Contains(err.Error(), "not found") {
		t.Errorf("round %d: read share record: %v", round, err)
	}
}

// Failure 4: a POSTed path that was never listed was taken on trust: a page the assignment does not accept, a
// whole folder, a file over the size limit.
func TestPickedPathsAreCheckedAtTheCloud(t *testing.T) {
	t.Parallel()
	f := controlledFixture(t, repositorytest.Options{})
	cl := f.h.Cloud
	cl.WriteFile("alice", "/page.html", []byte("<script>alert(1)</script>"))
	cl.WriteFile("alice", "/Folder/a.pdf", []byte("inside"))
	cl.WriteFile("alice", "/big.pdf", make([]byte, 2048))
	cl.WriteFile("alice", "/ok.pdf", []byte("fine"))
	req := host.PickRequest{Course: "42", Context: []string{"Course 42", "Essay", "Submission 9"}, Accept: []string{".pdf"}, MaxBytes: 1024,
		Want: host.ReturnAny}
	for _, as := range []string{"controlled", "link", "import"} {
		for _, p := range []string{"/page.html", "/Folder", "/big.pdf", "/missing.pdf"} {
			status, body, _ := f.pick(t, req, as, p)
			if status == http.StatusOK {
				t.Errorf("%s of unlisted %s accepted: %s", as, p, body)
			}
		}
	}
	if n := len(cl.Shares()); n != 0 {
		t.Errorf("refused picks left %d shares", n)
	}
	if cl.Exists(repositorytest.SystemUser, "/LMS files/Course 42/Essay/Submission 9/Folder") ||
		cl.Exists(repositorytest.SystemUser, "/LMS files/Course 42/Essay/Submission 9/page.html") {
		t.Error("a refused pick was copied")
	}
	links, _ := f.h.Store.ListControlledLinks(context.Background(), store.ControlledLinkFilter{})
	if len(links) != 0 {
		t.Errorf("%d controlled links recorded for refused picks", len(links))
	}
	// An unlisted path that passes the check works, with one PROPFIND more than a listed one.
	cl.ResetCounts()
	if _, status, body := f.pickControlled(t, req, "/ok.pdf"); status != http.StatusOK {
		t.Fatalf("unlisted acceptable file: %d %s", status, body)
	}
	if n := cl.CountMethod(cloudtest.EPWebDAV, "PROPFIND"); n < 1 {
		t.Errorf("an unlisted pick made %d PROPFINDs, want the check", n)
	}
}

// A cloud whose shared_with_me points at another file than the share (a stale mount, a proxy's cache) is caught
// by the file-id check: nothing is copied, the pick says why.
func TestControlledLinkRefusesAMountWithAnotherFileID(t *testing.T) {
	t.Parallel()
	f := controlledFixture(t, repositorytest.Options{})
	f.h.Cloud.WriteFile("alice", "/essay.pdf", []byte("the student's essay"))
	f.h.Cloud.WriteFile(repositorytest.SystemUser, "/essay.pdf", []byte("the system account's own file"))
	target, err := url.Parse(f.h.Cloud.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.URL.Query().Get("shared_with_me") != "true" {
			return nil
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		resp.Body.Close()
		b = []byte(strings.ReplaceAll(string(b), `"file_target":"\/essay (2).pdf"`, `"file_target":"\/essay.pdf"`))
		b = []byte(strings.ReplaceAll(string(b), `"file_target":"/essay (2).pdf"`, `"file_target":"/essay.pdf"`))
		resp.Body = io.NopCloser(strings.NewReader(string(b)))
		resp.ContentLength = int64(len(b))
		resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
		return nil
	}
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)
	iss, err := f.h.Store.GetIssuer(context.Background(), f.iss.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range iss.Endpoints {
		if e.Name == cloud.EndpointOCS {
			iss.Endpoints[i].URL = strings.Replace(e.URL, strings.TrimSuffix(f.h.Cloud.URL, "/"), front.URL, 1)
		}
	}
	if _, err := f.h.Store.UpdateIssuer(context.Background(), iss); err != nil {
		t.Fatal(err)
	}
	_, status, body := f.pickControlled(t, submission, "/essay.pdf")
	if status != http.StatusBadGateway || !strings.Contains(body, "step_share") {
		t.Errorf("pick through a lying shared_with_me: %d %s", status, body)
	}
	if f.h.Cloud.Exists(repositorytest.SystemUser, "/LMS files/Course 42/Essay/Submission 7/essay.pdf") {
		got, _ := f.h.Cloud.ReadFile(repositorytest.SystemUser, "/LMS files/Course 42/Essay/Submission 7/essay.pdf")
		t.Errorf("a copy was made: %q", got)
	}
	if n := len(f.h.Cloud.Shares()); n != 0 {
		t.Errorf("%d shares left", n)
	}
}
