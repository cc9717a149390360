package picker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
)

// pick posts the pick form as htmx does.
func (f *fixture) pick(t *testing.T, req host.PickRequest, as string, paths ...string) (int, string, http.Header) {
	t.Helper()
	form := url.Values{"r": {token(t, f.pickerPath(req))}, "i": {strconv.FormatInt(f.inst.ID, 10)}, "as": {as}, "path": paths}
	return f.c.Post(t, repositorytest.Mount+"/picker/pick", form, "HX-Request", "true")
}

// jobID reads the import job id from a status fragment.
func jobID(t *testing.T, body string) string {
	t.Helper()
	id, ok := doc(t, body).Find(`[id^="status-"]`).Attr("id")
	if !ok {
		t.Fatalf("no status box in %s", body)
	}
	return strings.TrimPrefix(id, "status-")
}

// await waits for an import to end (through the service, without sleeping) and fetches its final status
// fragment.
func (f *fixture) await(t *testing.T, req host.PickRequest, id string) (store.ImportJob, string, http.Header) {
	t.Helper()
	j, err := f.h.Repo.AwaitImport(repositorytest.Deadline(t, 30*time.Second), host.User{ID: f.c.User}, id)
	if err != nil {
		t.Fatalf("await import: %v", err)
	}
	q := url.Values{"r": {token(t, f.pickerPath(req))}, "i": {strconv.FormatInt(f.inst.ID, 10)}}
	_, body, hdr := f.c.Get(t, repositorytest.Mount+"/picker/import/"+id+"?"+q.Encode(), "HX-Request", "true")
	return j, body, hdr
}

func TestImportStreamsIntoTheSinkWithOneGET(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	content := bytes.Repeat([]byte("0123456789"), 100_000)
	f.h.Cloud.WriteFile("alice", "/Docs/essay final.pdf", content)
	req := host.PickRequest{Course: "42", ReturnTo: "/return", Context: []string{"course 42"}}
	f.c.Get(t, f.pickerPath(req)+"&path=%2FDocs")
	f.h.Cloud.ResetCounts()
	// The cloud holds the download until the pick has answered, so the answer shows a running import.
	hold := make(chan struct{})
	f.h.Cloud.Fail(cloudtest.EPWebDAV, cloudtest.Fault{Times: 1, Method: "GET", PathSuffix: "/Docs/essay final.pdf", Hold: hold})
	status, body, _ := f.pick(t, req, "import", "/Docs/essay final.pdf")
	close(hold)
	if status != http.StatusAccepted {
		t.Fatalf("pick status %d: %s", status, body)
	}
	if doc(t, body).Find(`[data-testid="progress"]`).Length() != 1 {
		t.Errorf("no progress bar in %s", body)
	}
	j, body, hdr := f.await(t, req, jobID(t, body))
	if j.State != store.ImportDone {
		t.Fatalf("import ended %s: %s", j.State, j.Error)
	}
	if n := f.h.Cloud.CountMethod(cloudtest.EPWebDAV, "GET"); n != 1 {
		t.Errorf("GET requests = %d, want 1", n)
	}
	if n := f.h.Cloud.Count(cloudtest.EPWebDAV); n != 1 {
		t.Errorf("WebDAV requests = %d, want 1 (the listing was cached)", n)
	}
	var trig map[string]struct {
		ID    string            `json:"id"`
		Type  string            `json:"type"`
		Files []host.PickedFile `json:"files"`
	}
	if err := json.Unmarshal([]byte(hdr.Get("HX-Trigger")), &trig); err != nil {
		t.Fatalf("HX-Trigger %q: %v", hdr.Get("HX-Trigger"), err)
	}
	ev := trig["ocrepo:picked"]
	if ev.Type != "import" || len(ev.Files) != 1 || ev.Files[0].Name != "essay final.pdf" {
		t.Fatalf("picked event = %+v", ev)
	}
	stored, ok := f.h.Files.File(ev.Files[0].Ref)
	if !ok || !bytes.Equal(stored.Data, content) || stored.Info.Course != "42" {
		t.Fatalf("sink holds %d bytes for %q (ok %v)", len(stored.Data), ev.Files[0].Ref, ok)
	}
	d := doc(t, body)
	if back, _ := d.Find(`[data-testid="return"]`).Attr("href"); back != "/return?pick="+ev.ID {
		t.Errorf("return link = %q", back)
	}
	if data, _ := d.Find(`[data-ocrepo-picked]`).Attr("data-ocrepo-picked"); !strings.Contains(data, ev.ID) {
		t.Errorf("no postMessage payload with the pick id")
	}
	res, err := f.h.Repo.PickResult(context.Background(), "student", ev.ID)
	if err != nil || res.Files[0].Ref != ev.Files[0].Ref {
		t.Errorf("PickResult: %+v, %v", res, err)
	}
	if _, err := f.h.Repo.PickResult(context.Background(), "student2", ev.ID); err == nil {
		t.Errorf("another user reads the pick result")
	}
}

func TestImportRefusesTooLargeBeforeDownloading(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	f.h.Cloud.WriteFile("alice", "/big.bin", bytes.Repeat([]byte("x"), 5000))
	req := host.PickRequest{MaxBytes: 1000}
	f.c.Get(t, f.pickerPath(req))
	f.h.Cloud.ResetCounts()
	status, body, _ := f.pick(t, req, "import", "/big.bin")
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, "alert-too_large") {
		t.Fatalf("status %d: %s", status, body)
	}
	if n := f.h.Cloud.Count(cloudtest.EPWebDAV); n != 0 {
		t.Errorf("WebDAV requests = %d, want none", n)
	}
}

func TestImportRefusesTooLargeWhileStreaming(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	f.h.Cloud.WriteFile("alice", "/big.bin", bytes.Repeat([]byte("x"), 5000))
	req := host.PickRequest{MaxBytes: 1000}
	// The listing showed the file small; it grew before the pick, so the limit is checked from the download.
	f.h.Cloud.WriteFile("alice", "/big.bin", bytes.Repeat([]byte("x"), 500))
	f.c.Get(t, f.pickerPath(req))
	f.h.Cloud.WriteFile("alice", "/big.bin", bytes.Repeat([]byte("x"), 5000))
	status, body, _ := f.pick(t, req, "import", "/big.bin")
	if status != http.StatusAccepted {
		t.Fatalf("status %d: %s", status, body)
	}
	j, body, _ := f.await(t, req, jobID(t, body))
	if j.State != store.ImportFailed || !strings.Contains(j.Error, "Too large") {
		t.Fatalf("job = %+v", j)
	}
	if !strings.Contains(body, "alert-import-failed") {
		t.Errorf("no failure box: %s", body)
	}
	if f.h.Files.Count() != 0 {
		t.Errorf("the sink kept %d files", f.h.Files.Count())
	}
}

func TestImportFailingMidStreamLeavesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	f.h.Cloud.WriteFile("alice", "/a.bin", bytes.Repeat([]byte("a"), 300_000))
	f.h.Cloud.Fail(cloudtest.EPWebDAV, cloudtest.Fault{Truncate: 100_000})
	req := host.PickRequest{}
	status, body, _ := f.pick(t, req, "import", "/a.bin")
	if status != http.StatusAccepted {
		t.Fatalf("status %d: %s", status, body)
	}
	j, _, _ := f.await(t, req, jobID(t, body))
	if j.State != store.ImportFailed {
		t.Fatalf("job = %+v", j)
	}
	if f.h.Files.Count() != 0 || f.h.Files.Discarded() != 1 {
		t.Errorf("sink holds %d files, discarded %d; want 0 and 1", f.h.Files.Count(), f.h.Files.Discarded())
	}
}

func TestImportOfSeveralFilesFailingLaterRemovesTheEarlierOnes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	f.h.Cloud.WriteFile("alice", "/one.txt", []byte("one"))
	f.h.Cloud.WriteFile("alice", "/missing.txt", []byte("gone soon"))
	req := host.PickRequest{Multiple: true}
	// Both files are in the listing; the second is deleted at the cloud before the import reaches it.
	f.c.Get(t, f.pickerPath(req))
	if err := removeAs(f.h.Cloud, "alice", "/missing.txt"); err != nil {
		t.Fatal(err)
	}
	status, body, _ := f.pick(t, req, "import", "/one.txt", "/missing.txt")
	if status != http.StatusAccepted {
		t.Fatalf("status %d: %s", status, body)
	}
	j, _, _ := f.await(t, req, jobID(t, body))
	if j.State != store.ImportFailed {
		t.Fatalf("job = %+v", j)
	}
	if f.h.Files.Count() != 0 {
		t.Errorf("the first file stayed in the sink")
	}
}

func TestImportOfOneFileWhereOneIsAllowed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	status, body, _ := f.pick(t, host.PickRequest{}, "import", "/a", "/b")
	if status != http.StatusBadRequest || !strings.Contains(body, "alert-too_many") {
		t.Fatalf("status %d: %s", status, body)
	}
}

func TestLinkIsReusedNotPiledUp(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	f.h.Cloud.WriteFile("alice", "/slides.pdf", []byte("slides"))
	req := host.PickRequest{}
	f.h.Cloud.ResetCounts()
	status, body, hdr := f.pick(t, req, "link", "/slides.pdf")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	if n := f.h.Cloud.Count(cloudtest.EPOCS); n != 2 {
		t.Errorf("first link: OCS requests = %d, want 2 (list, create)", n)
	}
	d := doc(t, body)
	link, _ := d.Find(`[data-testid="picked-url"]`).Attr("href")
	if !strings.HasPrefix(link, f.h.Cloud.URL) || !strings.Contains(link, "/s/") {
		t.Errorf("link = %q", link)
	}
	if d.Find(`[data-testid="alert-public"]`).Length() != 1 {
		t.Errorf("no warning that the file is public")
	}
	if !strings.Contains(hdr.Get("HX-Trigger"), "ocrepo:picked") {
		t.Errorf("no ocrepo:picked event")
	}
	f.h.Cloud.ResetCounts()
	_, body2, _ := f.pick(t, req, "link", "/slides.pdf")
	link2, _ := doc(t, body2).Find(`[data-testid="picked-url"]`).Attr("href")
	if link2 != link {
		t.Errorf("second link %q differs from %q", link2, link)
	}
	if n := f.h.Cloud.Count(cloudtest.EPOCS); n != 1 {
		t.Errorf("second link: OCS requests = %d, want 1 (list only)", n)
	}
	if n := len(f.h.Cloud.Shares()); n != 1 {
		t.Errorf("the cloud holds %d shares, want 1", n)
	}
	// The link works.
	resp, err := http.Get(link + "/download")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("download of the public link: %d", resp.StatusCode)
	}
}

func TestURLModeOffersLinksOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	f.h.Cloud.WriteFile("alice", "/page.html", []byte("<p>"))
	req := host.PickRequest{Mode: host.ModeURL, ReturnTo: "/return"}
	_, body, _ := f.c.Get(t, f.pickerPath(req))
	d := doc(t, body)
	if d.Find(`[data-testid="as-link"]`).Length() != 1 || d.Find(`[data-testid="as-import"]`).Length() != 0 {
		t.Fatalf("URL mode offers the wrong return types")
	}
	if got := d.Find("h1").Text(); got != "Choose a link" {
		t.Errorf("heading %q", got)
	}
	status, body, _ := f.pick(t, req, "import", "/page.html")
	if status != http.StatusForbidden || !strings.Contains(body, "alert-return_refused") {
		t.Errorf("import in URL mode: %d %s", status, body)
	}
	// Without JavaScript the form posts and the result page links back to the host with the pick id (a link's
	// warning is worth reading, so it waits for Continue).
	form := url.Values{"r": {token(t, f.pickerPath(req))}, "i": {strconv.FormatInt(f.inst.ID, 10)}, "as": {"link"}, "path": {"/page.html"}}
	status, body, _ = f.c.Post(t, repositorytest.Mount+"/picker/pick", form)
	back, _ := doc(t, body).Find(`[data-testid="return"]`).Attr("href")
	if status != http.StatusOK || !strings.HasPrefix(back, "/return?pick=") {
		t.Fatalf("no-JS link: %d, continue to %q", status, back)
	}
	id := strings.TrimPrefix(back, "/return?pick=")
	res, err := f.h.Repo.PickResult(context.Background(), "student", id)
	if err != nil || res.Type != host.ReturnLink || res.Files[0].URL == "" {
		t.Fatalf("pick result %+v, %v", res, err)
	}
}

func TestCancelImport(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	f.h.Cloud.SeedGeneratedFile("alice", "/huge.bin", 1<<30)
	// The download stalls after a little data, so the import is surely still running when it is cancelled.
	f.h.Cloud.Fail(cloudtest.EPWebDAV, cloudtest.Fault{StallAfter: 64 << 10})
	req := host.PickRequest{}
	status, body, _ := f.pick(t, req, "import", "/huge.bin")
	if status != http.StatusAccepted {
		t.Fatalf("status %d: %s", status, body)
	}
	id := jobID(t, body)
	form := url.Values{"r": {token(t, f.pickerPath(req))}, "i": {strconv.FormatInt(f.inst.ID, 10)}}
	if status, body, _ := f.c.Post(t, repositorytest.Mount+"/picker/import/"+id+"/cancel", form, "HX-Request", "true"); status != http.StatusOK {
		t.Fatalf("cancel: %d %s", status, body)
	}
	j, body, _ := f.await(t, req, id)
	if j.State != store.ImportCancelled || !strings.Contains(body, "alert-cancelled") {
		t.Fatalf("job %+v: %s", j, body)
	}
	if f.h.Files.Count() != 0 {
		t.Errorf("a cancelled import left a file")
	}
	// Another user cannot see or cancel it.
	other := f.h.Client("student2")
	form2 := url.Values{"r": {token(t, f.pickerPath(host.PickRequest{User: "student2"}))}, "i": {strconv.FormatInt(f.inst.ID, 10)}}
	if status, _, _ := other.Post(t, repositorytest.Mount+"/picker/import/"+id+"/cancel", form2); status != http.StatusNotFound {
		t.Errorf("another user's cancel: %d, want 404", status)
	}
}

func TestImportOfSeveralFiles(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	f.h.Cloud.WriteFile("alice", "/one.txt", []byte("one"))
	f.h.Cloud.WriteFile("alice", "/two.txt", []byte("two two"))
	req := host.PickRequest{Multiple: true}
	_, body, _ := f.c.Get(t, f.pickerPath(req))
	if doc(t, body).Find(`input[type="checkbox"][name="path"]`).Length() != 2 {
		t.Fatalf("a multiple pick offers no checkboxes")
	}
	status, body, _ := f.pick(t, req, "import", "/one.txt", "/two.txt")
	if status != http.StatusAccepted {
		t.Fatalf("status %d: %s", status, body)
	}
	j, body, _ := f.await(t, req, jobID(t, body))
	if j.State != store.ImportDone || j.Done != 10 {
		t.Fatalf("job = %+v", j)
	}
	if got := doc(t, body).Find(`[data-testid="picked"]`).Length(); got != 2 {
		t.Errorf("result lists %d files, want 2", got)
	}
	if f.h.Files.Count() != 2 {
		t.Errorf("sink holds %d files", f.h.Files.Count())
	}
}
