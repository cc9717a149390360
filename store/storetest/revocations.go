package storetest

import (
	"testing"

	"github.com/ocrepo/ocrepo/store"
)

func testClientPause(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := newIssuer(t, s, "a"), newIssuer(t, s, "b")
	until, err := s.ClientPausedUntil(ctx, a.ID)
	noErr(t, "ClientPausedUntil before any pause", err)
	if !until.IsZero() {
		t.Fatalf("paused until %v before any pause", until)
	}
	noErr(t, "PauseClient", s.PauseClient(ctx, a.ID, at(3)))
	noErr(t, "PauseClient again", s.PauseClient(ctx, a.ID, at(4)))
	until, err = s.ClientPausedUntil(ctx, a.ID)
	noErr(t, "ClientPausedUntil", err)
	if !sameTime(until, at(4)) {
		t.Errorf("paused until %v, want %v in UTC", until, at(4))
	}
	if until, _ := s.ClientPausedUntil(ctx, b.ID); !until.IsZero() {
		t.Errorf("the other issuer is paused until %v", until)
	}
	noErr(t, "ClearClientPause", s.ClearClientPause(ctx, a.ID))
	noErr(t, "ClearClientPause twice", s.ClearClientPause(ctx, a.ID))
	if until, _ := s.ClientPausedUntil(ctx, a.ID); !until.IsZero() {
		t.Errorf("still paused until %v after clearing", until)
	}
	wantErr(t, "PauseClient of a missing issuer", s.PauseClient(ctx, a.ID+b.ID+100, at(3)), store.ErrNotFound)
	noErr(t, "PauseClient before delete", s.PauseClient(ctx, b.ID, at(5)))
	noErr(t, "DeleteIssuer", s.DeleteIssuer(ctx, b.ID))
	if until, err := s.ClientPausedUntil(ctx, b.ID); err != nil || !until.IsZero() {
		t.Errorf("pause of a deleted issuer: %v %v", until, err)
	}
}

func testRevocations(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := newIssuer(t, s, "a"), newIssuer(t, s, "b")
	noErr(t, "AddRevocation 2", s.AddRevocation(ctx, store.PendingRevocation{ID: "r2", IssuerID: a.ID, UserID: "alice", CloudUser: "alice-cloud", AccessToken: "access-two", RefreshToken: "refresh-two", Created: at(2), Attempts: 3, LastError: "timed out"}))
	noErr(t, "AddRevocation 1", s.AddRevocation(ctx, store.PendingRevocation{ID: "r1", IssuerID: a.ID, UserID: "bob", AccessToken: "access-one", Created: at(1)}))
	noErr(t, "AddRevocation b", s.AddRevocation(ctx, store.PendingRevocation{ID: "rb", IssuerID: b.ID, UserID: "alice", AccessToken: "access-b"}))
	wantErr(t, "AddRevocation duplicate", s.AddRevocation(ctx, store.PendingRevocation{ID: "r1", IssuerID: a.ID, AccessToken: "x"}), store.ErrDuplicate)
	wantErr(t, "AddRevocation of a missing issuer", s.AddRevocation(ctx, store.PendingRevocation{ID: "rx", IssuerID: a.ID + b.ID + 100, AccessToken: "x"}), store.ErrNotFound)

	got, err := s.ListRevocations(ctx, a.ID, 10)
	noErr(t, "ListRevocations", err)
	if len(got) != 2 || got[0].ID != "r1" || got[0].AccessToken != "access-one" || got[0].UserID != "bob" ||
		!sameTime(got[0].Created, at(1)) || got[1].ID != "r2" || got[1].AccessToken != "access-two" ||
		got[1].RefreshToken != "refresh-two" || got[1].CloudUser != "alice-cloud" || got[1].Attempts != 3 || got[1].LastError != "timed out" {
		t.Fatalf("ListRevocations = %+v", got)
	}
	if got, _ := s.ListRevocations(ctx, a.ID, 1); len(got) != 1 || got[0].ID != "r1" {
		t.Errorf("ListRevocations limit 1 = %+v", got)
	}
	noErr(t, "DeleteRevocation", s.DeleteRevocation(ctx, "r1"))
	wantErr(t, "DeleteRevocation twice", s.DeleteRevocation(ctx, "r1"), store.ErrNotFound)
	if got, _ := s.ListRevocations(ctx, a.ID, 10); len(got) != 1 || got[0].ID != "r2" {
		t.Errorf("after delete: %+v", got)
	}
	noErr(t, "DeleteIssuer", s.DeleteIssuer(ctx, b.ID))
	if got, err := s.ListRevocations(ctx, b.ID, 10); err != nil || len(got) != 0 {
		t.Errorf("revocations of a deleted issuer: %+v %v", got, err)
	}
}
