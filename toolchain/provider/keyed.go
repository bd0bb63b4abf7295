package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
)

// Keyed hashes of secret material (components/host/keyed.ts): HMAC-SHA256 under a random key kept
// in state as a Pulumi secret, so a copy of the state cannot be used to guess a weak password
// offline. The host reports a file's plain sha256; the HMAC is taken over that hex digest here,
// on the operator's machine: the key never reaches a host.

func sha256Hex(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// keyedDigest is HMAC-SHA256 (hex) of a sha256 hex digest under key (64 hex characters).
func keyedDigest(key, sha256HexDigest string) string {
	k, _ := hex.DecodeString(key)
	m := hmac.New(sha256.New, k)
	m.Write([]byte(sha256HexDigest))
	return hex.EncodeToString(m.Sum(nil))
}

// keyedHash is the keyed hash of some secret text.
func keyedHash(key, text string) string { return keyedDigest(key, sha256Hex(text)) }

// newHashKey is a fresh key: 32 random bytes as hex.
func newHashKey() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

var hashKeyRe = regexp.MustCompile(`^[0-9a-f]{64}$`)

func isHashKey(s string) bool { return hashKeyRe.MatchString(s) }
