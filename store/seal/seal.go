package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// KeySize is the size in bytes of every secret a Keyring accepts, and of every key DeriveKey returns.
const KeySize = 32

// ErrCannotOpen is returned (wrapped) by Open for a value that is malformed, was sealed with a key the keyring does
// not hold, or was altered or moved to another row (its associated data differs).
var ErrCannotOpen = errors.New("seal: cannot open")

// ErrBadKey is returned (wrapped) by NewKeyring for a secret of the wrong size.
var ErrBadKey = errors.New("seal: secret must be 32 bytes")

const (
	// formatVersion is the first byte of every sealed value.
	formatVersion = 1
	// sealLabel is the HKDF info for the sealing key.
	sealLabel = "ocrepo seal v1"
	// keyIDLabel names the HMAC input from which a key id is made.
	keyIDLabel = "ocrepo seal key id"

	keyIDSize  = 4
	nonceSize  = 12
	headerSize = 1 + keyIDSize
	tagSize    = 16
	// minSealedSize is the smallest well-formed sealed value in bytes (an empty ciphertext with its tag).
	minSealedSize = headerSize + nonceSize + tagSize
)

// keyID names a sealing key in sealed values.
type keyID [keyIDSize]byte

// sealKey is one derived sealing key ready for use.
type sealKey struct {
	id   keyID
	aead cipher.AEAD
}

// Keyring seals with its primary key and opens with any of its keys. It is immutable after NewKeyring and safe for
// concurrent use.
type Keyring struct {
	primary sealKey
	all     []sealKey // primary first
}

// NewKeyring returns a keyring that seals with a key derived from primary and opens values sealed with keys derived
// from primary or any of old. Every secret must be KeySize bytes (ErrBadKey otherwise); an old secret equal to the
// primary or to another old one is ignored.
func NewKeyring(primary []byte, old ...[]byte) (*Keyring, error) {
	p, err := newSealKey(primary)
	if err != nil {
		return nil, fmt.Errorf("seal: primary secret: %w", err)
	}
	k := &Keyring{primary: p, all: []sealKey{p}}
	seen := map[string]bool{string(DeriveKey(primary, sealLabel)): true}
	for i, secret := range old {
		o, err := newSealKey(secret)
		if err != nil {
			return nil, fmt.Errorf("seal: old secret %d: %w", i, err)
		}
		d := string(DeriveKey(secret, sealLabel))
		if seen[d] {
			continue
		}
		seen[d] = true
		k.all = append(k.all, o)
	}
	return k, nil
}

func newSealKey(secret []byte) (sealKey, error) {
	if len(secret) != KeySize {
		return sealKey{}, fmt.Errorf("%w, got %d", ErrBadKey, len(secret))
	}
	key := DeriveKey(secret, sealLabel)
	block, err := aes.NewCipher(key)
	if err != nil {
		return sealKey{}, fmt.Errorf("seal: %w", err)
	}
	// The AEAD draws a fresh random 96-bit nonce for every Seal and puts it before the ciphertext.
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return sealKey{}, fmt.Errorf("seal: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(keyIDLabel))
	var id keyID
	copy(id[:], mac.Sum(nil))
	return sealKey{id: id, aead: aead}, nil
}

// Seal encrypts plaintext with the primary key under a fresh random nonce, binding it to aad, and returns base64url
// text. The empty plaintext seals to "". Seal does not fail with the keys NewKeyring accepts; the error is there
// for key types to come.
func (k *Keyring) Seal(plaintext, aad []byte) (string, error) {
	if len(plaintext) == 0 {
		return "", nil
	}
	header := make([]byte, headerSize, headerSize+nonceSize+len(plaintext)+tagSize)
	header[0] = formatVersion
	copy(header[1:], k.primary.id[:])
	out := k.primary.aead.Seal(header, nil, plaintext, additionalData(header, aad))
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts a value made by Seal with the same aad, using whichever key of the keyring sealed it. "" opens to
// the empty plaintext. Anything else that does not open gives ErrCannotOpen (wrapped).
func (k *Keyring) Open(sealed string, aad []byte) ([]byte, error) {
	if sealed == "" {
		return nil, nil
	}
	raw, id, err := parse(sealed)
	if err != nil {
		return nil, err
	}
	header, body := raw[:headerSize], raw[headerSize:] // body: nonce, ciphertext and tag
	ad := additionalData(header, aad)
	known := false
	for _, key := range k.all {
		if key.id != id {
			continue
		}
		known = true
		plaintext, err := key.aead.Open(nil, nil, body, ad)
		if err == nil {
			return plaintext, nil
		}
	}
	if !known {
		return nil, fmt.Errorf("%w: sealed with an unknown key (id %x)", ErrCannotOpen, id[:])
	}
	return nil, fmt.Errorf("%w: authentication failed (altered, or bound to other data)", ErrCannotOpen)
}

// SealedWithPrimary reports whether sealed is well-formed and names the primary key, that is whether a rotation
// has nothing to rewrite for it. "" reports true: there is nothing to rewrite.
func (k *Keyring) SealedWithPrimary(sealed string) bool {
	if sealed == "" {
		return true
	}
	_, id, err := parse(sealed)
	return err == nil && id == k.primary.id
}

// parse decodes a sealed value and checks its framing.
func parse(sealed string) ([]byte, keyID, error) {
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil {
		return nil, keyID{}, fmt.Errorf("%w: not base64url", ErrCannotOpen)
	}
	if len(raw) < minSealedSize {
		return nil, keyID{}, fmt.Errorf("%w: too short", ErrCannotOpen)
	}
	if raw[0] != formatVersion {
		return nil, keyID{}, fmt.Errorf("%w: unknown format version %d", ErrCannotOpen, raw[0])
	}
	var id keyID
	copy(id[:], raw[1:headerSize])
	return raw, id, nil
}

// additionalData authenticates the header together with the caller's aad. The header has a fixed size, so the
// concatenation is unambiguous.
func additionalData(header, aad []byte) []byte {
	ad := make([]byte, 0, len(header)+len(aad))
	ad = append(ad, header...)
	return append(ad, aad...)
}

// DeriveKey returns a KeySize-byte key for one use, derived from secret with HKDF-SHA256 (RFC 5869, no salt) and
// label as the info string. Different labels give independent keys; the same secret and label always give the same
// key. Labels should name the use and a version, for example "ocrepo picker url v1".
func DeriveKey(secret []byte, label string) []byte {
	// HKDF-Extract with the default salt (HashLen zero bytes), then one block of HKDF-Expand: KeySize equals the
	// SHA-256 output size, so T(1) is the whole key.
	extract := hmac.New(sha256.New, make([]byte, sha256.Size))
	extract.Write(secret)
	prk := extract.Sum(nil)
	expand := hmac.New(sha256.New, prk)
	expand.Write([]byte(label))
	expand.Write([]byte{1})
	return expand.Sum(nil)
}
