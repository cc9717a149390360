package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/store"
)

func testImportJobProgress(t *testing.T, s store.Store) {
	ctx := t.Context()
	in := store.ImportJob{ID: "job-1", UserID: "alice", InstanceID: 3, Name: "Übung 1 (final) ✓.pdf", Total: 1 << 20, Created: at(1)}
	noErr(t, "CreateImportJob", s.CreateImportJob(ctx, in))
	got, err := s.GetImportJob(ctx, in.ID)
	noErr(t, "GetImportJob", err)
	stamped(t, "Updated", got.Updated)
	want := in
	want.State = store.ImportRunning // the default
	want.Updated = got.Updated
	same(t, "created job", got, want)

	for _, done := range []int64{4096, 65536, 1 << 19} {
		got, err = s.UpdateImportProgress(ctx, in.ID, done)
		noErr(t, "UpdateImportProgress", err)
		if got.Done != done || got.Cancel || got.State != store.ImportRunning || got.Name != in.Name {
			t.Fatalf("after progress %d: %+v", done, got)
		}
	}
	noErr(t, "CancelImportJob", s.CancelImportJob(ctx, in.ID))
	got, err = s.UpdateImportProgress(ctx, in.ID, 1<<19+100)
	noErr(t, "UpdateImportProgress after cancel", err)
	if !got.Cancel || got.Done != 1<<19+100 {
		t.Fatalf("worker did not see the cancel request: %+v", got)
	}
	noErr(t, "FinishImportJob", s.FinishImportJob(ctx, in.ID, store.ImportCancelled, "cancelled by the user", ""))
	got, err = s.GetImportJob(ctx, in.ID)
	noErr(t, "GetImportJob", err)
	if got.State != store.ImportCancelled || got.Error != "cancelled by the user" || !got.Cancel {
		t.Fatalf("finished job: %+v", got)
	}
	same(t, "Created of finished job", got.Created, in.Created)
}

func testImportJobFinish(t *testing.T, s store.Store) {
	ctx := t.Context()
	tests := []struct {
		state    store.ImportState
		errText  string
		resultID string
	}{
		{store.ImportDone, "", "pick-1"},
		{store.ImportFailed, "Die Datei ist größer als erlaubt", ""},
		{store.ImportCancelled, "", ""},
	}
	for i, tt := range tests {
		id := fmt.Sprintf("job-%d", i)
		noErr(t, "CreateImportJob", s.CreateImportJob(ctx, store.ImportJob{ID: id, Name: "f", State: store.ImportRunning}))
		noErr(t, "FinishImportJob", s.FinishImportJob(ctx, id, tt.state, tt.errText, tt.resultID))
		got, err := s.GetImportJob(ctx, id)
		noErr(t, "GetImportJob", err)
		if got.State != tt.state || got.Error != tt.errText || got.ResultID != tt.resultID {
			t.Fatalf("finished %s: %+v", tt.state, got)
		}
	}
	// Running, or a made-up state, is not final.
	for _, state := range []store.ImportState{store.ImportRunning, "paused", ""} {
		if err := s.FinishImportJob(ctx, "job-0", state, "", ""); err == nil {
			t.Fatalf("FinishImportJob(%q) succeeded", state)
		}
	}
	got, err := s.GetImportJob(ctx, "job-0")
	noErr(t, "GetImportJob", err)
	if got.State != store.ImportDone {
		t.Fatalf("a refused finish changed the state to %q", got.State)
	}
}

func testImportJobErrors(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, err := s.GetImportJob(ctx, "missing")
	wantErr(t, "GetImportJob", err, store.ErrNotFound)
	_, err = s.UpdateImportProgress(ctx, "missing", 1)
	wantErr(t, "UpdateImportProgress", err, store.ErrNotFound)
	wantErr(t, "FinishImportJob", s.FinishImportJob(ctx, "missing", store.ImportDone, "", ""), store.ErrNotFound)
	wantErr(t, "CancelImportJob", s.CancelImportJob(ctx, "missing"), store.ErrNotFound)
	noErr(t, "CreateImportJob", s.CreateImportJob(ctx, store.ImportJob{ID: "job", Name: "first"}))
	wantErr(t, "CreateImportJob duplicate", s.CreateImportJob(ctx, store.ImportJob{ID: "job", Name: "second"}), store.ErrDuplicate)
	got, err := s.GetImportJob(ctx, "job")
	noErr(t, "GetImportJob", err)
	if got.Name != "first" {
		t.Fatalf("duplicate create replaced the job: %+v", got)
	}
}

func testImportJobDeleteBefore(t *testing.T, s store.Store) {
	ctx := t.Context()
	noErr(t, "CreateImportJob", s.CreateImportJob(ctx, store.ImportJob{ID: "a", Name: "a"}))
	noErr(t, "CreateImportJob", s.CreateImportJob(ctx, store.ImportJob{ID: "b", Name: "b"}))
	got, err := s.GetImportJob(ctx, "b")
	noErr(t, "GetImportJob", err)
	n, err := s.DeleteImportJobsBefore(ctx, got.Updated.AddDate(0, 0, -1))
	noErr(t, "DeleteImportJobsBefore a day ago", err)
	if n != 0 {
		t.Fatalf("deleted %d fresh jobs", n)
	}
	n, err = s.DeleteImportJobsBefore(ctx, got.Updated.AddDate(0, 0, 1))
	noErr(t, "DeleteImportJobsBefore tomorrow", err)
	if n != 2 {
		t.Fatalf("deleted %d jobs, want 2", n)
	}
	_, err = s.GetImportJob(ctx, "a")
	wantErr(t, "GetImportJob deleted", err, store.ErrNotFound)
}

func testPickResult(t *testing.T, s store.Store) {
	ctx := t.Context()
	payload, err := json.Marshal(map[string]any{
		"files": []map[string]any{{"name": "Prüfung ✓.pdf", "size": 1234, "url": "https://cloud.example.org/s/AbC"}},
	})
	noErr(t, "json", err)
	in := store.PickResult{ID: "pick-1", UserID: "alice", Course: "42", InstanceID: 3, Type: 4, Payload: payload, Created: at(1)}
	noErr(t, "CreatePickResult", s.CreatePickResult(ctx, in))
	got, err := s.GetPickResult(ctx, in.ID)
	noErr(t, "GetPickResult", err)
	same(t, "pick result", got, in)
	if !bytes.Equal(got.Payload, payload) || !json.Valid(got.Payload) {
		t.Fatalf("payload = %s", got.Payload)
	}
	wantErr(t, "CreatePickResult duplicate", s.CreatePickResult(ctx, in), store.ErrDuplicate)
	_, err = s.GetPickResult(ctx, "missing")
	wantErr(t, "GetPickResult missing", err, store.ErrNotFound)

	noErr(t, "CreatePickResult empty", s.CreatePickResult(ctx, store.PickResult{ID: "empty"}))
	got, err = s.GetPickResult(ctx, "empty")
	noErr(t, "GetPickResult empty", err)
	stamped(t, "Created", got.Created)
	if len(got.Payload) != 0 {
		t.Fatalf("empty payload came back as %q", got.Payload)
	}
}

func testPickResultDeleteBefore(t *testing.T, s store.Store) {
	ctx := t.Context()
	for day := 1; day <= 4; day++ {
		noErr(t, "CreatePickResult", s.CreatePickResult(ctx, store.PickResult{ID: fmt.Sprintf("p%d", day), Created: at(day)}))
	}
	n, err := s.DeletePickResultsBefore(ctx, at(3))
	noErr(t, "DeletePickResultsBefore", err)
	if n != 2 {
		t.Fatalf("deleted %d, want 2", n)
	}
	for day := 1; day <= 4; day++ {
		_, err := s.GetPickResult(ctx, fmt.Sprintf("p%d", day))
		if day < 3 {
			wantErr(t, "deleted pick result", err, store.ErrNotFound)
		} else {
			noErr(t, "kept pick result", err)
		}
	}
}

func testImportQuotas(t *testing.T, s store.Store) {
	ctx := t.Context()
	mk := func(id, user string, bytes int64, day int) {
		noErr(t, "CreatePickResult "+id, s.CreatePickResult(ctx, store.PickResult{ID: id, UserID: user, Type: 1, Bytes: bytes,
			Payload: []byte("[]"), Created: at(day)}))
	}
	mk("a-old", "alice", 100, 1)
	mk("a-mid", "alice", 200, 2)
	mk("a-new", "alice", 400, 5)
	mk("a-link", "alice", 0, 1)
	mk("b-old", "bob", 1000, 1)

	n, err := s.UnclaimedBytes(ctx, "alice")
	noErr(t, "UnclaimedBytes", err)
	same(t, "alice's unclaimed bytes", n, int64(700))
	n, err = s.UnclaimedBytes(ctx, "nobody")
	noErr(t, "UnclaimedBytes nobody", err)
	same(t, "nobody's unclaimed bytes", n, int64(0))

	noErr(t, "ClaimPickResult", s.ClaimPickResult(ctx, "a-mid", at(3)))
	noErr(t, "ClaimPickResult again", s.ClaimPickResult(ctx, "a-mid", at(4)))
	got, err := s.GetPickResult(ctx, "a-mid")
	noErr(t, "GetPickResult", err)
	same(t, "claimed at the first claim", got.Claimed.Sub(at(3)).Abs() < time.Millisecond, true)
	same(t, "bytes", got.Bytes, int64(200))
	wantErr(t, "ClaimPickResult missing", s.ClaimPickResult(ctx, "missing", at(3)), store.ErrNotFound)
	n, err = s.UnclaimedBytes(ctx, "alice")
	noErr(t, "UnclaimedBytes after claim", err)
	same(t, "alice's unclaimed bytes after a claim", n, int64(500))

	// Expired: unclaimed imports created before day 3, oldest first, at most limit; links and claimed ones stay.
	taken, err := s.TakeExpiredImports(ctx, at(3), 1)
	noErr(t, "TakeExpiredImports", err)
	if len(taken) != 1 || (taken[0].ID != "a-old" && taken[0].ID != "b-old") {
		t.Fatalf("first take: %+v", taken)
	}
	more, err := s.TakeExpiredImports(ctx, at(3), 10)
	noErr(t, "TakeExpiredImports again", err)
	if len(more) != 1 || more[0].ID == taken[0].ID || more[0].Bytes == 0 {
		t.Fatalf("second take: %+v (first %s)", more, taken[0].ID)
	}
	none, err := s.TakeExpiredImports(ctx, at(3), 10)
	noErr(t, "TakeExpiredImports empty", err)
	same(t, "nothing left to take", len(none), 0)
	for id, kept := range map[string]bool{"a-old": false, "b-old": false, "a-mid": true, "a-new": true, "a-link": true} {
		_, err := s.GetPickResult(ctx, id)
		if kept {
			noErr(t, "kept "+id, err)
		} else {
			wantErr(t, "taken "+id, err, store.ErrNotFound)
		}
	}

	// Concurrent sweepers never take the same result.
	for i := range 20 {
		mk(fmt.Sprintf("c-%d", i), "carol", 10, 1)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	race(4, func(int) {
		for {
			got, err := s.TakeExpiredImports(ctx, at(3), 3)
			if err != nil {
				t.Errorf("TakeExpiredImports concurrent: %v", err)
				return
			}
			if len(got) == 0 {
				return
			}
			mu.Lock()
			for _, p := range got {
				seen[p.ID]++
			}
			mu.Unlock()
		}
	})
	if len(seen) != 20 {
		t.Fatalf("sweepers took %d distinct results, want 20", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("%s taken %d times", id, n)
		}
	}
}

func testCountRunningImports(t *testing.T, s store.Store) {
	ctx := t.Context()
	for i, st := range []store.ImportState{store.ImportRunning, store.ImportRunning, store.ImportDone} {
		noErr(t, "CreateImportJob", s.CreateImportJob(ctx, store.ImportJob{ID: fmt.Sprintf("j%d", i), UserID: "alice",
			State: store.ImportRunning, Created: at(1), Updated: at(1)}))
		if st != store.ImportRunning {
			noErr(t, "FinishImportJob", s.FinishImportJob(ctx, fmt.Sprintf("j%d", i), st, "", "r"))
		}
	}
	noErr(t, "CreateImportJob bob", s.CreateImportJob(ctx, store.ImportJob{ID: "jb", UserID: "bob", State: store.ImportRunning}))
	n, err := s.CountRunningImports(ctx, "alice", time.Hour)
	noErr(t, "CountRunningImports", err)
	same(t, "alice's running imports", n, int64(2))
	n, err = s.CountRunningImports(ctx, "alice", -time.Hour)
	noErr(t, "CountRunningImports later", err)
	same(t, "running imports updated after the limit", n, int64(0))
}

// testImportUsage: a store that reads a user's import usage in one statement (store.ImportUsage) gives what
// CountRunningImports and UnclaimedBytes give apart: running jobs within the staleness, finished and other users'
// left out; unclaimed bytes, claimed results and links left out.
func testImportUsage(t *testing.T, s store.Store) {
	u, ok := s.(store.ImportUsage)
	if !ok {
		t.Skip("the store does not implement store.ImportUsage")
	}
	ctx := t.Context()
	check := func(what, user string, stale time.Duration, running, unclaimed int64) {
		t.Helper()
		r, b, err := u.ImportUsage(ctx, user, stale)
		noErr(t, "ImportUsage "+what, err)
		same(t, what+": running", r, running)
		same(t, what+": unclaimed bytes", b, unclaimed)
		n, err := s.CountRunningImports(ctx, user, stale)
		noErr(t, "CountRunningImports "+what, err)
		same(t, what+": running as CountRunningImports counts", n, running)
		n, err = s.UnclaimedBytes(ctx, user)
		noErr(t, "UnclaimedBytes "+what, err)
		same(t, what+": unclaimed as UnclaimedBytes sums", n, unclaimed)
	}
	check("nothing yet", "alice", time.Hour, 0, 0)
	for i, st := range []store.ImportState{store.ImportRunning, store.ImportRunning, store.ImportDone} {
		id := fmt.Sprintf("u%d", i)
		noErr(t, "CreateImportJob", s.CreateImportJob(ctx, store.ImportJob{ID: id, UserID: "alice", State: store.ImportRunning}))
		if st != store.ImportRunning {
			noErr(t, "FinishImportJob", s.FinishImportJob(ctx, id, st, "", "r"))
		}
	}
	noErr(t, "CreateImportJob bob", s.CreateImportJob(ctx, store.ImportJob{ID: "ub", UserID: "bob", State: store.ImportRunning}))
	for id, p := range map[string]store.PickResult{
		"ua1":   {UserID: "alice", Bytes: 300},
		"ua2":   {UserID: "alice", Bytes: 40},
		"ua3":   {UserID: "alice", Bytes: 5000},
		"ulink": {UserID: "alice"},
		"ubob":  {UserID: "bob", Bytes: 7},
	} {
		p.ID, p.Type, p.Payload = id, 1, []byte("[]")
		noErr(t, "CreatePickResult "+id, s.CreatePickResult(ctx, p))
	}
	noErr(t, "ClaimPickResult", s.ClaimPickResult(ctx, "ua3", at(3)))
	check("alice", "alice", time.Hour, 2, 340)
	check("alice, every job stale", "alice", -time.Hour, 0, 340)
	check("bob", "bob", time.Hour, 1, 7)
	check("nobody", "nobody", time.Hour, 0, 0)
}

// testImportJobComplete: a store that records an import's final progress with its end in one statement
// (store.ImportJobCompleter) sets both, refuses a state that is not final and a missing job as FinishImportJob
// does.
func testImportJobComplete(t *testing.T, s store.Store) {
	c, ok := s.(store.ImportJobCompleter)
	if !ok {
		t.Skip("the store does not implement store.ImportJobCompleter")
	}
	ctx := t.Context()
	noErr(t, "CreateImportJob", s.CreateImportJob(ctx, store.ImportJob{ID: "cj", UserID: "alice", Name: "a.pdf", Total: 300}))
	_, err := s.UpdateImportProgress(ctx, "cj", 100)
	noErr(t, "UpdateImportProgress", err)
	if err := c.CompleteImportJob(ctx, "cj", 200, store.ImportRunning, "", ""); err == nil {
		t.Fatal("CompleteImportJob with a running state succeeded")
	}
	noErr(t, "CompleteImportJob", c.CompleteImportJob(ctx, "cj", 300, store.ImportDone, "", "result-1"))
	got, err := s.GetImportJob(ctx, "cj")
	noErr(t, "GetImportJob", err)
	if got.State != store.ImportDone || got.Done != 300 || got.ResultID != "result-1" || got.Error != "" || got.Name != "a.pdf" {
		t.Fatalf("completed job: %+v", got)
	}
	n, err := s.CountRunningImports(ctx, "alice", time.Hour)
	noErr(t, "CountRunningImports", err)
	same(t, "running imports after completion", n, int64(0))
	wantErr(t, "CompleteImportJob missing", c.CompleteImportJob(ctx, "missing", 1, store.ImportFailed, "x", ""), store.ErrNotFound)
}
