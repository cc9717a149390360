package storetest

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/ocrepo/ocrepo/store"
)

func testLoginStateSingleUse(t *testing.T, s store.Store) {
	ctx := t.Context()
	iss := newIssuer(t, s, "a")
	in := store.LoginState{
		ID:         "c2hhMjU2IG9mIHRoZSBzdGF0ZQ",
		IssuerID:   iss.ID,
		UserID:     "student ü 42",
		System:     false,
		InstanceID: 7,
		Verifier:   "pkce-verifier-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG",
		ReturnTo:   "/cloud/picker?course=42&ü=1",
		Popup:      true,
		Created:    at(1),
		Expires:    at(2),
	}
	noErr(t, "CreateLoginState", s.CreateLoginState(ctx, in))

	got, err := s.TakeLoginState(ctx, in.ID)
	noErr(t, "TakeLoginState", err)
	stamped(t, "Used", got.Used)
	want := in
	want.Used = got.Used
	same(t, "taken state", got, want)

	again, err := s.TakeLoginState(ctx, in.ID)
	wantErr(t, "TakeLoginState twice", err, store.ErrAlreadyUsed)
	same(t, "state returned with ErrAlreadyUsed", again, want)

	// A system-account login keeps its flag.
	sys := store.LoginState{ID: "system-state", IssuerID: iss.ID, UserID: "admin", System: true, Expires: at(2)}
	noErr(t, "CreateLoginState system", s.CreateLoginState(ctx, sys))
	got, err = s.TakeLoginState(ctx, sys.ID)
	noErr(t, "TakeLoginState system", err)
	stamped(t, "Created", got.Created)
	if !got.System || got.UserID != "admin" || got.Verifier != "" {
		t.Fatalf("system state came back as %+v", got)
	}
}

func testLoginStateErrors(t *testing.T, s store.Store) {
	ctx := t.Context()
	iss := newIssuer(t, s, "a")
	_, err := s.TakeLoginState(ctx, "unknown")
	wantErr(t, "TakeLoginState unknown", err, store.ErrNotFound)
	st := store.LoginState{ID: "state", IssuerID: iss.ID, Verifier: "first", Expires: at(2)}
	noErr(t, "CreateLoginState", s.CreateLoginState(ctx, st))
	dup := st
	dup.Verifier = "second"
	wantErr(t, "CreateLoginState duplicate", s.CreateLoginState(ctx, dup), store.ErrDuplicate)
	got, err := s.TakeLoginState(ctx, st.ID)
	noErr(t, "TakeLoginState", err)
	if got.Verifier != "first" {
		t.Fatalf("duplicate create replaced the verifier: %q", got.Verifier)
	}
	orphan := store.LoginState{ID: "orphan", IssuerID: iss.ID + 1000, Expires: at(2)}
	wantErr(t, "CreateLoginState for a missing issuer", s.CreateLoginState(ctx, orphan), store.ErrNotFound)
}

func testLoginStateConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	iss := newIssuer(t, s, "a")
	noErr(t, "CreateLoginState", s.CreateLoginState(ctx, store.LoginState{
		ID: "contested", IssuerID: iss.ID, UserID: "alice", Verifier: "v", Expires: at(2),
	}))
	const n = 20
	var taken, used atomic.Int64
	unexpected := make(chan error, n)
	race(n, func(int) {
		st, err := s.TakeLoginState(ctx, "contested")
		switch {
		case err == nil:
			taken.Add(1)
			if st.Verifier != "v" || st.UserID != "alice" {
				unexpected <- fmt.Errorf("taker got %+v", st)
			}
		case errors.Is(err, store.ErrAlreadyUsed):
			used.Add(1)
			if st.UserID != "alice" {
				unexpected <- fmt.Errorf("ErrAlreadyUsed came with %+v", st)
			}
		default:
			unexpected <- err
		}
	})
	close(unexpected)
	for err := range unexpected {
		t.Fatalf("TakeLoginState: %v", err)
	}
	if taken.Load() != 1 || used.Load() != n-1 {
		t.Fatalf("%d takers got the state and %d were refused, want 1 and %d", taken.Load(), used.Load(), n-1)
	}
}

func testLoginStateDeleteBefore(t *testing.T, s store.Store) {
	ctx := t.Context()
	iss := newIssuer(t, s, "a")
	for day := 1; day <= 5; day++ {
		noErr(t, "CreateLoginState", s.CreateLoginState(ctx, store.LoginState{
			ID: fmt.Sprintf("day-%d", day), IssuerID: iss.ID, Expires: at(day),
		}))
	}
	_, err := s.TakeLoginState(ctx, "day-1") // used or not, an expired state goes
	noErr(t, "TakeLoginState", err)
	n, err := s.DeleteLoginStatesBefore(ctx, at(1))
	noErr(t, "DeleteLoginStatesBefore", err)
	if n != 0 {
		t.Fatalf("deleted %d states expiring exactly at the limit", n)
	}
	n, err = s.DeleteLoginStatesBefore(ctx, at(3).UTC())
	noErr(t, "DeleteLoginStatesBefore", err)
	if n != 2 {
		t.Fatalf("deleted %d states, want 2", n)
	}
	for day := 1; day <= 5; day++ {
		_, err := s.TakeLoginState(ctx, fmt.Sprintf("day-%d", day))
		if day < 3 {
			wantErr(t, fmt.Sprintf("state of day %d", day), err, store.ErrNotFound)
		} else {
			noErr(t, fmt.Sprintf("state of day %d", day), err)
		}
	}
}

func testLoginStatePending(t *testing.T, s store.Store) {
	ctx := t.Context()
	iss := newIssuer(t, s, "a")
	base := store.LoginState{IssuerID: iss.ID, UserID: "alice", InstanceID: 0, ReturnTo: "/picker?r=1", Popup: true, Verifier: "v"}
	mk := func(id string, day int, change func(*store.LoginState)) {
		st := base
		st.ID, st.Created, st.Expires = id, at(day), at(day+10)
		if change != nil {
			change(&st)
		}
		noErr(t, "CreateLoginState "+id, s.CreateLoginState(ctx, st))
	}
	mk("older", 1, nil)
	mk("newer", 2, nil)
	mk("used", 3, nil)
	_, err := s.TakeLoginState(ctx, "used")
	noErr(t, "TakeLoginState", err)
	mk("other-return", 4, func(st *store.LoginState) { st.ReturnTo = "/elsewhere" })
	mk("other-user", 4, func(st *store.LoginState) { st.UserID = "bob" })
	mk("system", 5, func(st *store.LoginState) { st.System = true })
	mk("no-popup", 6, func(st *store.LoginState) { st.Popup = false })

	got, err := s.PendingLoginState(ctx, base, at(5))
	noErr(t, "PendingLoginState", err)
	same(t, "pending state", got.ID, "newer")
	same(t, "pending verifier", got.Verifier, "v")
	_, err = s.PendingLoginState(ctx, base, at(12)) // newer expires at(12): not after it
	wantErr(t, "PendingLoginState too close to expiry", err, store.ErrNotFound)
	want := base
	want.ReturnTo = "/nowhere"
	_, err = s.PendingLoginState(ctx, want, at(5))
	wantErr(t, "PendingLoginState other return", err, store.ErrNotFound)

	// Trim keeps alice's newest unused states; used ones and other users' stay.
	n, err := s.TrimLoginStates(ctx, "alice", 2)
	noErr(t, "TrimLoginStates", err)
	same(t, "trimmed", n, int64(3)) // of older, newer, other-return, system, no-popup the three oldest go
	for id, kept := range map[string]bool{"older": false, "newer": false, "other-return": false, "system": true, "no-popup": true, "other-user": true} {
		_, err := s.TakeLoginState(ctx, id)
		if kept {
			noErr(t, "kept state "+id, err)
		} else {
			wantErr(t, "trimmed state "+id, err, store.ErrNotFound)
		}
	}
	_, err = s.TakeLoginState(ctx, "used")
	wantErr(t, "used state", err, store.ErrAlreadyUsed)
	n, err = s.TrimLoginStates(ctx, "nobody", 2)
	noErr(t, "TrimLoginStates nobody", err)
	same(t, "trimmed for nobody", n, int64(0))
}
