package picker_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
)

// settledImports is a store whose import reads wait until the import has ended: the pick's answer then always
// sees an import that finished before the page was written, as a small file on a fast cloud often does.
type settledImports struct{ store.Store }

func (s settledImports) GetImportJob(ctx context.Context, id string) (store.ImportJob, error) {
	for {
		j, err := s.Store.GetImportJob(ctx, id)
		if err != nil || j.State != store.ImportRunning {
			return j, err
		}
		select {
		case <-ctx.Done():
			return j, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// TestImportEndedBeforeThePickAnswers: an import that is already over when the pick is answered shows its result
// (the file's name, the way back to the host) and fires the picked event, instead of an empty box.
func TestImportEndedBeforeThePickAnswers(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{Config: func(c *repository.Config) { c.Store = settledImports{c.Store} }})
	f.h.Connect(t, f.iss.ID, "student")
	f.h.Cloud.WriteFile("alice", "/Docs/short note.txt", []byte("hello"))
	req := host.PickRequest{Course: "42", ReturnTo: "/return"}
	f.c.Get(t, f.pickerPath(req)+"&path=%2FDocs")
	status, body, hdr := f.pick(t, req, "import", "/Docs/short note.txt")
	if status != http.StatusAccepted {
		t.Fatalf("pick status %d: %s", status, body)
	}
	d := doc(t, body)
	if d.Find(`[data-testid="status-done"]`).Length() != 1 {
		t.Fatalf("no finished status box: %s", body)
	}
	if d.Find(`[data-testid="return"]`).Length() != 1 {
		t.Errorf("the finished box has no way back to the host: %s", body)
	}
	if !strings.Contains(d.Text(), "short note.txt") {
		t.Errorf("the finished box does not name the file: %s", body)
	}
	if a, _ := d.Find(`[data-testid="status-done"]`).Attr("data-announce"); a == "" || strings.Contains(a, "started") {
		t.Errorf("announced %q for an import that is over", a)
	}
	var trig map[string]struct {
		Files []host.PickedFile `json:"files"`
	}
	if err := json.Unmarshal([]byte(hdr.Get("HX-Trigger")), &trig); err != nil || len(trig["ocrepo:picked"].Files) != 1 ||
		trig["ocrepo:picked"].Files[0].Name != "short note.txt" {
		t.Errorf("HX-Trigger %q (%v)", hdr.Get("HX-Trigger"), err)
	}
}
