package picker_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
)

// importLimit is the MaxBytes of the size-limit tests: a file of exactly this size is accepted, one byte more is
// refused, whichever check sees it first.
const importLimit = 1000

// TestImportSizeLimitIsInclusive: the limit is "at most MaxBytes". A file of exactly MaxBytes imports, one of
// MaxBytes+1 is refused, and that holds for each of the three places the size is checked: the listing (refused
// before any download), the download's Content-Length (refused before the sink sees a byte), and the stream itself
// (a chunked download announces no size).
func TestImportSizeLimitIsInclusive(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"from the listing", "from the headers", "while streaming"} {
		for _, size := range []int{importLimit, importLimit + 1} {
			name := how + "/exactly the limit"
			if size > importLimit {
				name = how + "/one byte over"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, repositorytest.Options{})
				f.h.Connect(t, f.iss.ID, "student")
				content := bytes.Repeat([]byte("z"), size)
				req := host.PickRequest{MaxBytes: importLimit}
				if how == "from the listing" {
					f.h.Cloud.WriteFile("alice", "/f.bin", content)
				} else {
					// A path nobody listed is checked at the cloud first (which would refuse it from its size), so
					// the listing shows the file small and it grows before the pick: the download meets the limit.
					f.listSmallThenGrow(t, req, "/f.bin", func() { f.h.Cloud.WriteFile("alice", "/f.bin", content) })
				}
				if how == "from the listing" {
					_, body, _ := f.c.Get(t, f.pickerPath(req))
					refusal := doc(t, body).Find(`[data-testid="row"][data-name="f.bin"] [data-testid="refusal"]`).Text()
					if tooLarge := strings.Contains(refusal, "Too large"); tooLarge != (size > importLimit) {
						t.Errorf("%d bytes against a limit of %d: listing says %q", size, importLimit, refusal)
					}
				}
				if how == "while streaming" {
					f.h.Cloud.Fail(cloudtest.EPWebDAV, cloudtest.Fault{Chunked: true, Method: http.MethodGet})
				}
				f.h.Cloud.ResetCounts()
				status, body, _ := f.pick(t, req, "import", "/f.bin")
				if how == "from the listing" && size > importLimit {
					if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, "alert-too_large") {
						t.Fatalf("pick of %d bytes: status %d: %s", size, status, body)
					}
					if n := f.h.Cloud.Count(cloudtest.EPWebDAV); n != 0 {
						t.Errorf("%d WebDAV requests for a file the listing showed as too large", n)
					}
					return
				}
				if status != http.StatusAccepted {
					t.Fatalf("pick of %d bytes: status %d: %s", size, status, body)
				}
				j, _, _ := f.await(t, req, jobID(t, body))
				if size <= importLimit {
					if j.State != store.ImportDone || f.h.Files.Count() != 1 {
						t.Fatalf("%d bytes against a limit of %d: job %s %q, sink holds %d files", size, importLimit,
							j.State, j.Error, f.h.Files.Count())
					}
					return
				}
				if j.State != store.ImportFailed || !strings.Contains(j.Error, "Too large") &&
					!strings.Contains(j.Error, "limit arrived") {
					t.Fatalf("%d bytes against a limit of %d: job %s %q, want refused as too large", size, importLimit, j.State, j.Error)
				}
				if f.h.Files.Count() != 0 {
					t.Errorf("the sink kept %d files", f.h.Files.Count())
				}
			})
		}
	}
}

// TestImportRefusesTooLargeOnAChunkedDownload: a server or proxy that sends the download chunked announces no
// size, so only the stream itself can hold the limit. The import ends "Too large", the sink threw the partial
// stream away and holds nothing, and no more than the limit (plus one read) was passed to it.
func TestImportRefusesTooLargeOnAChunkedDownload(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	req := host.PickRequest{MaxBytes: 64 << 10}
	f.listSmallThenGrow(t, req, "/video.bin", func() { f.h.Cloud.SeedGeneratedFile("alice", "/video.bin", 5<<20) })
	f.h.Cloud.Fail(cloudtest.EPWebDAV, cloudtest.Fault{Chunked: true, Method: http.MethodGet})
	status, body, _ := f.pick(t, req, "import", "/video.bin")
	if status != http.StatusAccepted {
		t.Fatalf("status %d: %s", status, body)
	}
	j, body, _ := f.await(t, req, jobID(t, body))
	if j.State != store.ImportFailed || !strings.Contains(j.Error, "limit arrived") {
		t.Fatalf("job %s %q, want failed for passing the limit", j.State, j.Error)
	}
	if !strings.Contains(body, "alert-import-failed") {
		t.Errorf("no failure box: %s", body)
	}
	if f.h.Files.Count() != 0 || f.h.Files.Discarded() != 1 {
		t.Errorf("sink holds %d files, discarded %d; want 0 and 1 (the stream was started and thrown away)",
			f.h.Files.Count(), f.h.Files.Discarded())
	}
}

// TestImportRefusesTooLargeFromTheHeadersBeforeTheSink: a download whose Content-Length is over the limit is
// refused before the host's sink is called at all: no stream is opened at the host, none thrown away.
func TestImportRefusesTooLargeFromTheHeadersBeforeTheSink(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.Connect(t, f.iss.ID, "student")
	req := host.PickRequest{MaxBytes: 64 << 10}
	// Listed small, grown since: the limit is first met in the download's headers.
	f.listSmallThenGrow(t, req, "/video.bin", func() { f.h.Cloud.SeedGeneratedFile("alice", "/video.bin", 5<<20) })
	status, body, _ := f.pick(t, req, "import", "/video.bin")
	if status != http.StatusAccepted {
		t.Fatalf("status %d: %s", status, body)
	}
	j, _, _ := f.await(t, req, jobID(t, body))
	if j.State != store.ImportFailed || !strings.Contains(j.Error, "Too large") {
		t.Fatalf("job %s %q, want too large", j.State, j.Error)
	}
	if f.h.Files.Count() != 0 || f.h.Files.Discarded() != 0 {
		t.Errorf("sink holds %d files, discarded %d; want the sink never called", f.h.Files.Count(), f.h.Files.Discarded())
	}
}

// carelessSink keeps whatever it read, even when the stream failed, and returns a reference (a host that ignores
// the FileSink contract); it can remove files again.
type carelessSink struct {
	mu    sync.Mutex
	files map[string][]byte
	n     int
}

func (s *carelessSink) Store(_ context.Context, _ host.FileInfo, r io.Reader) (string, error) {
	data, _ := io.ReadAll(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	ref := "careless-" + strings.Repeat("x", s.n)
	s.files[ref] = data
	return ref, nil
}

func (s *carelessSink) Remove(_ context.Context, ref string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.files, ref)
	return nil
}

func (s *carelessSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.files)
}

// TestImportOverTheLimitRemovesWhatACarelessSinkKept: a sink that swallows the stream's error and keeps the half
// file is asked to remove it: a refused import leaves nothing behind even then.
func TestImportOverTheLimitRemovesWhatACarelessSinkKept(t *testing.T) {
	t.Parallel()
	sink := &carelessSink{files: map[string][]byte{}}
	f := newFixture(t, repositorytest.Options{Config: func(c *repository.Config) { c.Files = sink }})
	f.h.Connect(t, f.iss.ID, "student")
	req := host.PickRequest{MaxBytes: 64 << 10}
	f.listSmallThenGrow(t, req, "/video.bin", func() { f.h.Cloud.SeedGeneratedFile("alice", "/video.bin", 1<<20) })
	f.h.Cloud.Fail(cloudtest.EPWebDAV, cloudtest.Fault{Chunked: true, Method: http.MethodGet})
	status, body, _ := f.pick(t, req, "import", "/video.bin")
	if status != http.StatusAccepted {
		t.Fatalf("status %d: %s", status, body)
	}
	j, _, _ := f.await(t, req, jobID(t, body))
	if j.State != store.ImportFailed {
		t.Fatalf("job %s %q, want failed", j.State, j.Error)
	}
	if n := sink.count(); n != 0 {
		t.Errorf("the sink still holds %d files after a refused import", n)
	}
}

// listSmallThenGrow shows the file in the picker's listing within the limit, then lets grow write its real
// content at the cloud: the pick passes the check against the fresh listing, so the limit is first met in the
// download (its Content-Length, or the stream itself when the download is chunked).
func (f *fixture) listSmallThenGrow(t *testing.T, req host.PickRequest, path string, grow func()) {
	t.Helper()
	f.h.Cloud.WriteFile("alice", path, []byte("small"))
	f.c.Get(t, f.pickerPath(req))
	grow()
}
