package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

func TestRedactMasksKnownSecretsInTheirForms(t *testing.T) {
	m := secretFile("API_TOKEN='s3cr3t value'\nPLAIN=x\n")
	m["connection"] = resource.NewObjectProperty(resource.PropertyMap{"host": resource.NewStringProperty("h"),
		"privateKey": resource.MakeSecret(resource.NewStringProperty("PRIVATE-KEY-TEXT"))})
	m["secretValues"] = resource.NewArrayProperty([]resource.PropertyValue{resource.NewStringProperty("postgres://app:p%40ss%20w0rd@db/x")})
	remember(secretValuesOf(m))
	got := redact("write failed: line 1: s3cr3t value; s3cr3t%20value; key PRIVATE-KEY-TEXT; pw p@ss w0rd and p%40ss%20w0rd; 20 workers")
	want := "write failed: line 1: [redacted]; [redacted]; key [redacted]; pw [redacted] and [redacted]; 20 workers"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if err := masked(errors.New("exit 1: s3cr3t value")); err.Error() != "exit 1: [redacted]" {
		t.Errorf("masked: %v", err)
	}
	if masked(nil) != nil {
		t.Error("no error stays no error")
	}
}

func TestRedactMasksCredentialShapes(t *testing.T) {
	cases := map[string]string{
		"Authorization: Bearer abc.def-123":    "Authorization: Bearer [redacted]",
		"DB_PASSWORD=hunter2 next":             "DB_PASSWORD=[redacted] next",
		`{"apiKey": "k-123", "n": 1}`:          `{"apiKey": "[redacted]", "n": 1}`,
		"mysql --password 'p w' -u x":          "mysql --password [redacted] -u x",
		"ALTER ROLE app PASSWORD 'weak';":      "ALTER ROLE app PASSWORD [redacted];",
		"redis://:pa@ss@cache:6379/0":          "redis://:[redacted]@cache:6379/0",
		"rtmp://live.example/app/streamkey123": "rtmp://live.example/app/[redacted]",
		"token ghp_" + strings.Repeat("a", 24): "token [redacted]",
		"jwt eyJhbGciOi.eyJzdWIi.sig":          "jwt [redacted]",
		generatedKeyPEM(t) + "after":           "-----BEGIN OPENSSH PRIVATE KEY----- [redacted]\nafter",
		"nothing to hide: /srv/app 0644 root":  "nothing to hide: /srv/app 0644 root",
	}
	for in, want := range cases {
		if got := redact(in); got != want {
			t.Errorf("redact(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}

func TestEnvFileValues(t *testing.T) {
	got := strings.Join(envFileValues("A='it'\\''s'\nexport B=\"q\"\n# C=no\nD=bare\n"), "|")
	if got != "it's|q|bare" {
		t.Errorf("got %q", got)
	}
}

// generatedKeyPEM is an ed25519 private key made at test time, in OpenSSH's PEM form: test keys
// are never committed, not even key-shaped text.
func generatedKeyPEM(t *testing.T) string {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(key, "")
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(block))
}
