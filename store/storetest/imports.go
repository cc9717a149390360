package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

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
