package service

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store/gormstore"
	"github.com/ocrepo/ocrepo/store/gormstore/gormsqlite"
	"github.com/ocrepo/ocrepo/store/seal"
)

// pickService is a service that only signs and opens picker requests, on a fixed clock.
func pickService(tb testing.TB, now time.Time) *Service {
	tb.Helper()
	db, err := gormsqlite.Open(filepath.Join(tb.TempDir(), "ocrepo.db"))
	if err != nil {
		tb.Fatal(err)
	}
	if sqlDB, err := db.DB(); err == nil {
		tb.Cleanup(func() { _ = sqlDB.Close() })
	}
	keys, err := seal.NewKeyring(make([]byte, 32))
	if err != nil {
		tb.Fatal(err)
	}
	st, err := gormstore.New(db, keys)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := New(Config{Store: st, SigningKey: []byte("0123456789abcdef0123456789abcdef-pick"), CallbackURL: "https://lms.example.org/cloud/callback",
		Files: host.FileSinkFunc(nil), Now: func() time.Time { return now }})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// FuzzOpenPick decodes arbitrary picker tokens and tampers with valid ones. OpenPick never panics and says only
// "invalid" or "expired" when it refuses; a request signed here opens to exactly itself; and a token changed in
// any one byte never opens (the signature covers the whole payload, so a student cannot widen Accept, MaxBytes,
// the user or the expiry).
func FuzzOpenPick(f *testing.F) {
	now := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	s := pickService(f, now)
	valid := s.SignPick(host.PickRequest{User: "student", Course: "42", Want: host.ReturnAny, Accept: []string{".pdf"},
		MaxBytes: 1 << 20, Context: []string{"course 42", "assign 7"}, ReturnTo: "/course/42", Expires: now.Add(time.Hour)})
	f.Add(valid, "student", "42", int64(1<<20), ".pdf", "/course/42", int64(3600), 10, byte('x'))
	f.Add("", "", "", int64(0), "", "", int64(-1), 0, byte(0))
	f.Add("eyJ1IjoiYWRtaW4iLCJlIjo5OTk5OTk5OTk5fQ.forged", "admin", "", int64(0), "", "", int64(0), 3, byte('.'))
	f.Fuzz(func(t *testing.T, token, user, course string, maxBytes int64, accept, returnTo string, ttl int64, at int, b byte) {
		// Any token.
		req, err := s.OpenPick(token)
		switch {
		case err == nil:
			again, err := s.OpenPick(s.SignPick(req))
			if err != nil || !reflect.DeepEqual(again, req) {
				t.Fatalf("an accepted request does not survive signing again: %+v / %+v, %v", req, again, err)
			}
		case !errors.Is(err, ErrPickInvalid) && !errors.Is(err, ErrPickExpired):
			t.Fatalf("OpenPick(%q): %v", token, err)
		}

		// A request signed here.
		for _, v := range []string{user, course, accept, returnTo} {
			if !utf8.ValidString(v) {
				return // JSON would carry U+FFFD instead: not this property's business
			}
		}
		ttl %= int64(1000 * 24 * time.Hour / time.Second)
		want := host.PickRequest{User: user, Course: course, Want: host.ReturnLink, MaxBytes: maxBytes, ReturnTo: returnTo,
			Expires: now.Add(time.Duration(ttl) * time.Second)}
		if accept != "" {
			want.Accept, want.Context = []string{accept}, []string{course, accept}
		}
		signed := s.SignPick(want)
		got, err := s.OpenPick(signed)
		if ttl <= 0 {
			if !errors.Is(err, ErrPickExpired) {
				t.Fatalf("a request that expired %ds ago: %v", -ttl, err)
			}
			return
		}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip: %+v, %v\nwant %+v", got, err, want)
		}

		// The same token with one byte changed.
		if len(signed) == 0 {
			return
		}
		i := ((at % len(signed)) + len(signed)) % len(signed)
		if signed[i] == b {
			return
		}
		tampered := signed[:i] + string([]byte{b}) + signed[i+1:]
		if _, err := s.OpenPick(tampered); !errors.Is(err, ErrPickInvalid) {
			t.Fatalf("byte %d of %q changed to %q: %v, want ErrPickInvalid", i, signed, b, err)
		}
		if strings.Count(tampered, ".") == 1 {
			payload, sig, _ := strings.Cut(tampered, ".")
			if _, err := s.OpenPick(sig + "." + payload); !errors.Is(err, ErrPickInvalid) {
				t.Fatalf("payload and signature swapped: %v", err)
			}
		}
	})
}
