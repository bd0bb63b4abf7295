package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net"
	"regexp"
	"strings"

	"golang.org/x/crypto/ssh"
)

// A pinned host key as known_hosts writes it: "<type> <base64>" (a trailing comment is ignored).
// There is no trust on first use: a host presenting another key is refused before anything runs.
type hostKey struct {
	Type string
	Blob []byte
}

var (
	keyTypeRe = regexp.MustCompile(`^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp(256|384|521))$`)
	base64Re  = regexp.MustCompile(`^[A-Za-z0-9+/]+=*$`)
)

func parseHostKey(text string) (hostKey, error) {
	f := strings.Fields(text)
	if len(f) < 2 || !keyTypeRe.MatchString(f[0]) || !base64Re.MatchString(f[1]) {
		short := text
		if len(short) > 40 {
			short = short[:40]
		}
		return hostKey{}, fmt.Errorf(`not an SSH public host key: expected "ssh-ed25519 AAAA…" (as in known_hosts or ssh-keyscan output), got %s`, jsonString(short))
	}
	// A pin copied without its "=" padding is the same key: compare bytes, not text.
	blob, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(f[1], "="))
	if err != nil {
		return hostKey{}, fmt.Errorf("not an SSH public host key: %v", err)
	}
	return hostKey{Type: f[0], Blob: blob}, nil
}

// fingerprint is OpenSSH's SHA256 fingerprint of a raw public key blob.
func fingerprint(blob []byte) string {
	sum := sha256.Sum256(blob)
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

// algorithms offered for the host key: only the pinned type. OpenSSH 8.8+ no longer signs with
// ssh-rsa (SHA-1), so a pinned RSA key is checked over SHA-2.
func (k hostKey) algorithms() []string {
	if k.Type == "ssh-rsa" {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256}
	}
	return []string{k.Type}
}

// hostKeyMismatch is a host that presented a key the stack does not pin.
type hostKeyMismatch struct {
	where, presented, pinned, host string
	port                           int
}

func (e *hostKeyMismatch) Error() string {
	return fmt.Sprintf("host key mismatch for %s: the host presented %s but the stack pins %s. "+
		"Nothing was changed on the host. If the host was rebuilt, check its new key on its console and pin it "+
		"(npm run hosts -- pin %s --port %d --stack <stack> --replace): the next up and drift use it.",
		e.where, e.presented, e.pinned, e.host, e.port)
}

// pinnedCallback accepts exactly the pinned key's bytes.
func pinnedCallback(c connection, pinned hostKey) ssh.HostKeyCallback {
	return func(_ string, _ net.Addr, key ssh.PublicKey) error {
		if bytes.Equal(key.Marshal(), pinned.Blob) {
			return nil
		}
		return &hostKeyMismatch{where: c.where(), presented: fingerprint(key.Marshal()), pinned: fingerprint(pinned.Blob), host: c.Host, port: c.port()}
	}
}
