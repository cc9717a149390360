package seal_test

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/ocrepo/ocrepo/store/seal"
)

// secret returns a distinct 32-byte secret for each b.
func secret(b byte) []byte { return bytes.Repeat([]byte{b}, seal.KeySize) }

func mustKeyring(t testing.TB, primary []byte, old ...[]byte) *seal.Keyring {
	t.Helper()
	k, err := seal.NewKeyring(primary, old...)
	if err != nil {
		t.Fatalf("NewKeyring: %v", err)
	}
	return k
}

func TestNewKeyringKeySizes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		primary []byte
		old     [][]byte
		wantErr bool
	}{
		{"32 bytes", secret(1), nil, false},
		{"nil", nil, nil, true},
		{"16 bytes", make([]byte, 16), nil, true},
		{"31 bytes", make([]byte, 31), nil, true},
		{"33 bytes", make([]byte, 33), nil, true},
		{"64 bytes", make([]byte, 64), nil, true},
		{"good old keys", secret(1), [][]byte{secret(2), secret(3)}, false},
		{"short old key", secret(1), [][]byte{secret(2), make([]byte, 8)}, true},
		{"old equal to primary", secret(1), [][]byte{secret(1)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k, err := seal.NewKeyring(tt.primary, tt.old...)
			if tt.wantErr {
				if !errors.Is(err, seal.ErrBadKey) {
					t.Fatalf("err = %v, want ErrBadKey", err)
				}
				if k != nil {
					t.Fatalf("keyring = %v, want nil on error", k)
				}
				return
			}
			if err != nil || k == nil {
				t.Fatalf("NewKeyring: %v, %v", k, err)
			}
		})
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	k := mustKeyring(t, secret(7))
	tests := []struct {
		name      string
		plaintext []byte
		aad       []byte
	}{
		{"short", []byte("x"), []byte("token:access:1:user:alice")},
		{"token", []byte("eyJhbGciOiJSUzI1NiJ9.payload.signature"), []byte("token:refresh:1:user:alice")},
		{"unicode", []byte("pässwörd ✓ 秘密"), []byte("issuer:client_secret:3")},
		{"binary", []byte{0, 1, 2, 255, 254, 0}, nil},
		{"no aad", []byte("secret"), nil},
		{"empty aad", []byte("secret"), []byte{}},
		{"large", bytes.Repeat([]byte("abc"), 100_000), []byte("big")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sealed, err := k.Seal(tt.plaintext, tt.aad)
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			if len(tt.plaintext) >= 8 && strings.Contains(sealed, string(tt.plaintext)) {
				t.Fatalf("sealed value contains the plaintext")
			}
			if _, err := base64.RawURLEncoding.DecodeString(sealed); err != nil {
				t.Fatalf("sealed value is not unpadded base64url: %v", err)
			}
			got, err := k.Open(sealed, tt.aad)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(got, tt.plaintext) {
				t.Fatalf("Open = %q, want %q", got, tt.plaintext)
			}
		})
	}
}

func TestSealIsRandomised(t *testing.T) {
	t.Parallel()
	k := mustKeyring(t, secret(7))
	seen := map[string]bool{}
	for range 100 {
		s, err := k.Seal([]byte("same"), []byte("aad"))
		if err != nil {
			t.Fatal(err)
		}
		if seen[s] {
			t.Fatalf("the same plaintext sealed twice to %q", s)
		}
		seen[s] = true
	}
}

func TestEmpty(t *testing.T) {
	t.Parallel()
	k := mustKeyring(t, secret(7))
	for _, pt := range [][]byte{nil, {}} {
		s, err := k.Seal(pt, []byte("aad"))
		if err != nil || s != "" {
			t.Fatalf("Seal(%v) = %q, %v; want \"\", nil", pt, s, err)
		}
	}
	got, err := k.Open("", []byte("any aad"))
	if err != nil || len(got) != 0 {
		t.Fatalf("Open(\"\") = %q, %v; want empty, nil", got, err)
	}
}

func TestOpenRejects(t *testing.T) {
	t.Parallel()
	k := mustKeyring(t, secret(7))
	other := mustKeyring(t, secret(8))
	aad := []byte("token:access:1:user:alice")
	sealed, err := k.Seal([]byte("the access token"), aad)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil {
		t.Fatal(err)
	}
	fromOther, err := other.Seal([]byte("the access token"), aad)
	if err != nil {
		t.Fatal(err)
	}
	reencode := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	flip := func(i int) string {
		b := bytes.Clone(raw)
		b[i] ^= 0x01
		return reencode(b)
	}
	tests := []struct {
		name   string
		sealed string
		aad    []byte
	}{
		{"other aad (row swap)", sealed, []byte("token:access:1:user:mallory")},
		{"no aad", sealed, nil},
		{"aad prefix", sealed, aad[:len(aad)-1]},
		{"unknown key", fromOther, aad},
		{"flipped version", flip(0), aad},
		{"flipped key id", flip(2), aad},
		{"flipped nonce", flip(8), aad},
		{"flipped ciphertext", flip(20), aad},
		{"flipped tag", flip(len(raw) - 1), aad},
		{"truncated", reencode(raw[:len(raw)-1]), aad},
		{"extended", reencode(append(bytes.Clone(raw), 0)), aad},
		{"too short", reencode(raw[:20]), aad},
		{"padded base64", base64.URLEncoding.EncodeToString(raw), aad},
		{"std base64 alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(sealed) + "!", aad},
		{"not base64", "not a sealed value", aad},
		{"plaintext", "the access token", aad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := k.Open(tt.sealed, tt.aad)
			if !errors.Is(err, seal.ErrCannotOpen) {
				t.Fatalf("Open = %q, %v; want ErrCannotOpen", got, err)
			}
			if got != nil {
				t.Fatalf("Open returned %q with an error", got)
			}
			if strings.Contains(err.Error(), "the access token") {
				t.Fatalf("error reveals the plaintext: %v", err)
			}
		})
	}
}

func TestEveryBitIsAuthenticated(t *testing.T) {
	t.Parallel()
	k := mustKeyring(t, secret(7))
	sealed, err := k.Seal([]byte("refresh"), []byte("aad"))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(sealed)
	for i := range raw {
		for bit := range 8 {
			b := bytes.Clone(raw)
			b[i] ^= 1 << bit
			if _, err := k.Open(base64.RawURLEncoding.EncodeToString(b), []byte("aad")); !errors.Is(err, seal.ErrCannotOpen) {
				t.Fatalf("byte %d bit %d flipped: err = %v, want ErrCannotOpen", i, bit, err)
			}
		}
	}
}

func TestRotation(t *testing.T) {
	t.Parallel()
	oldKeys := mustKeyring(t, secret(1))
	aad := []byte("issuer:client_secret:4")
	oldSealed, err := oldKeys.Seal([]byte("client secret"), aad)
	if err != nil {
		t.Fatal(err)
	}

	rotated := mustKeyring(t, secret(2), secret(1))
	got, err := rotated.Open(oldSealed, aad)
	if err != nil || string(got) != "client secret" {
		t.Fatalf("rotated.Open(old) = %q, %v", got, err)
	}
	if rotated.SealedWithPrimary(oldSealed) {
		t.Fatalf("SealedWithPrimary(old value) = true, want false")
	}
	newSealed, err := rotated.Seal([]byte("client secret"), aad)
	if err != nil {
		t.Fatal(err)
	}
	if !rotated.SealedWithPrimary(newSealed) {
		t.Fatalf("SealedWithPrimary(new value) = false, want true")
	}
	// New writes use the new key: the old keyring cannot read them, a keyring of the new key alone can.
	if _, err := oldKeys.Open(newSealed, aad); !errors.Is(err, seal.ErrCannotOpen) {
		t.Fatalf("old keyring opened a value sealed after rotation: %v", err)
	}
	newOnly := mustKeyring(t, secret(2))
	if got, err := newOnly.Open(newSealed, aad); err != nil || string(got) != "client secret" {
		t.Fatalf("newOnly.Open(new) = %q, %v", got, err)
	}
	// Dropping the old key makes old values unreadable, with a clear error.
	if _, err := newOnly.Open(oldSealed, aad); !errors.Is(err, seal.ErrCannotOpen) || !strings.Contains(err.Error(), "unknown key") {
		t.Fatalf("newOnly.Open(old) err = %v, want ErrCannotOpen for an unknown key", err)
	}
	if !rotated.SealedWithPrimary("") {
		t.Fatalf("SealedWithPrimary(\"\") = false, want true")
	}
	if rotated.SealedWithPrimary("garbage") {
		t.Fatalf("SealedWithPrimary(garbage) = true, want false")
	}
}

func TestSealedValueDoesNotRevealKey(t *testing.T) {
	t.Parallel()
	s := secret(0x42)
	k := mustKeyring(t, s)
	sealed, err := k.Seal([]byte("v"), nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(sealed)
	for _, key := range [][]byte{s, seal.DeriveKey(s, "ocrepo seal v1")} {
		if bytes.Contains(raw, key[:4]) {
			t.Fatalf("sealed value holds bytes of the key")
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	k := mustKeyring(t, secret(3), secret(4))
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := range 32 {
		wg.Go(func() {
			aad := []byte{byte(i)}
			s, err := k.Seal([]byte("value"), aad)
			if err != nil {
				errs <- err
				return
			}
			if _, err := k.Open(s, aad); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestDeriveKey(t *testing.T) {
	t.Parallel()
	// RFC 5869 test case 3 (SHA-256, no salt, no info): the first 32 bytes of its OKM.
	ikm := bytes.Repeat([]byte{0x0b}, 22)
	want, _ := hex.DecodeString("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d")
	if got := seal.DeriveKey(ikm, ""); !bytes.Equal(got, want) {
		t.Fatalf("RFC 5869 case 3: got %x, want %x", got, want)
	}

	tests := []struct {
		secret []byte
		label  string
	}{
		{secret(1), "ocrepo seal v1"},
		{secret(1), "ocrepo picker url v1"},
		{secret(2), "ocrepo oauth state v1"},
		{[]byte("short"), "x"},
		{nil, ""},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		got := seal.DeriveKey(tt.secret, tt.label)
		if len(got) != seal.KeySize {
			t.Fatalf("len = %d, want %d", len(got), seal.KeySize)
		}
		ref, err := hkdf.Key(sha256.New, tt.secret, nil, tt.label, seal.KeySize)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, ref) {
			t.Fatalf("DeriveKey(%x, %q) = %x, crypto/hkdf says %x", tt.secret, tt.label, got, ref)
		}
		if again := seal.DeriveKey(tt.secret, tt.label); !bytes.Equal(got, again) {
			t.Fatalf("DeriveKey is not deterministic")
		}
		if seen[string(got)] {
			t.Fatalf("DeriveKey(%x, %q) repeats an earlier key", tt.secret, tt.label)
		}
		seen[string(got)] = true
	}
}

func FuzzOpen(f *testing.F) {
	primary, old := secret(9), secret(10)
	k, err := seal.NewKeyring(primary, old)
	if err != nil {
		f.Fatal(err)
	}
	oldOnly, err := seal.NewKeyring(old)
	if err != nil {
		f.Fatal(err)
	}
	for _, pt := range []string{"a", "refresh token", strings.Repeat("z", 300)} {
		for _, kr := range []*seal.Keyring{k, oldOnly} {
			s, err := kr.Seal([]byte(pt), []byte("aad"))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(s, []byte("aad"))
			f.Add(s, []byte("aae"))
			f.Add(s[:len(s)-1], []byte("aad"))
		}
	}
	f.Add("", []byte(nil))
	f.Add("AQAAAAA", []byte(nil))
	f.Add("====", []byte("x"))
	f.Fuzz(func(t *testing.T, sealed string, aad []byte) {
		got, err := k.Open(sealed, aad)
		if err != nil {
			if !errors.Is(err, seal.ErrCannotOpen) {
				t.Fatalf("Open error %v is not ErrCannotOpen", err)
			}
			if got != nil {
				t.Fatalf("Open returned data with an error")
			}
			return
		}
		if sealed == "" {
			if len(got) != 0 {
				t.Fatalf("Open(\"\") = %q", got)
			}
			return
		}
		// Whatever opens must re-seal and open to the same bytes.
		again, err := k.Seal(got, aad)
		if err != nil {
			t.Fatal(err)
		}
		back, err := k.Open(again, aad)
		if err != nil || !bytes.Equal(back, got) {
			t.Fatalf("re-seal round trip: %q, %v; want %q", back, err, got)
		}
	})
}
