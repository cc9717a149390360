// Package seal encrypts small secrets for storage (OAuth client secrets, access and refresh tokens, PKCE
// verifiers) with AES-256-GCM, and derives independent keys from the host's one secret.
//
// # Keys
//
// The host configures one 32-byte secret. It is never used as a key directly: [NewKeyring] derives the sealing key
// from it with HKDF-SHA256 (RFC 5869) under the label "ocrepo seal v1", and other uses (signing picker URLs, OAuth
// state) derive their own keys with [DeriveKey] under their own labels, so one secret feeds several uses without
// any key serving two of them.
//
// # Rotation
//
// A [Keyring] holds one primary secret and any number of old ones. [Keyring.Seal] always writes with the primary
// key; [Keyring.Open] reads with whichever key wrote the value. To rotate, make the new secret primary and keep the
// old one in the keyring until every stored value has been rewritten (see gormstore's Reseal), then drop it.
//
// # Format
//
// A sealed value is unpadded base64url text of
//
//	version (1 byte, 1) | key id (4 bytes) | nonce (12 bytes, random) | ciphertext and GCM tag
//
// The key id is the first 4 bytes of HMAC-SHA256(sealing key, "ocrepo seal key id"): it names the key without
// revealing anything about it. The version byte and key id are authenticated along with the caller's associated
// data, so no part of a sealed value can be altered without [Keyring.Open] failing with [ErrCannotOpen].
//
// # Associated data
//
// Seal and Open take associated data (AAD) that is authenticated but not stored. Callers bind each value to the row
// and column it lives in, for example "token:access:<issuer>:user:<user>": a value copied into another row or
// column (someone with write access to the database swapping a victim's token for their own, or a refresh token
// into the access token column) then fails to open instead of being accepted. The AAD must be rebuilt exactly the
// same way on reading, so it should only contain what identifies the row, never what changes with its content.
//
// # Empty values
//
// The empty plaintext seals to "" and "" opens to the empty plaintext, whatever the AAD, so an unset secret stays
// visibly unset in the database. This means blanking a sealed column is not detected; that only ever removes a
// secret, it cannot plant one.
package seal
