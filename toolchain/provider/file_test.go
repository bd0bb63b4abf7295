package main

import (
	"strings"
	"testing"
)

// The same values as test/unit/go-provider-scripts.test.ts, which pins the TypeScript side.
const fileContent = "DB_PASSWORD='it''s'\n$(id) `id`\nünïcode\n"
const fileHashKey = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestFileScriptsAreTheTypeScriptOnes(t *testing.T) {
	content := fileContent
	s, err := observeFileScript(hostilePath, true)
	same(t, "file-observe", s, err)
	s, err = observeFileScript(hostilePath, false)
	same(t, "file-observe-secret", s, err)
	s, err = writeFileScript(fileInputs{Path: hostilePath, Content: &content, Mode: "0640", Owner: "www-data", Group: "adm",
		VerifyCommand: "nginx -t -c '/etc/x'", OnChangeCommand: "systemctl reload nginx"}, true)
	same(t, "file-write-verify", s, err)
	s, err = writeFileScript(fileInputs{Path: hostilePath, Content: &content, Secret: true}, false)
	same(t, "file-write-secret", s, err)
	s, err = fixModeScript(fileInputs{Path: hostilePath, Content: &content, Mode: "640", Owner: "www-data"})
	same(t, "file-mode", s, err)
	s, err = removeFileScript(hostilePath)
	same(t, "file-remove", s, err)
	if _, err := writeFileScript(fileInputs{Path: "/srv/a\nrm -rf /", Content: &content}, true); err == nil {
		t.Error("a path with a newline must not make a script")
	}
}

func TestFileStdinAndKeyedHashAreTheTypeScriptOnes(t *testing.T) {
	same(t, "file-stdin", writeInput(fileContent), nil)
	same(t, "file-keyed", keyedHash(fileHashKey, fileContent)+"\n", nil)
	if k := newHashKey(); !isHashKey(k) || k == newHashKey() {
		t.Errorf("a hash key is 64 fresh hex characters: %q", k)
	}
}

func TestParseFile(t *testing.T) {
	sum := strings.Repeat("a", 64)
	o, err := parseFile("regular file|640|www-data|adm|5\n" + sum + "\ncontent=aGVsbG8=")
	if err != nil || o.Sha256 != sum || o.Mode != "0640" || o.Owner != "www-data" || o.Group != "adm" || o.Content == nil || *o.Content != "hello" {
		t.Errorf("got %+v %v", o, err)
	}
	if o, _ := parseFile("regular empty file|600|root|root|0\n" + sum + "\n"); o.Content != nil || !o.Exists {
		t.Errorf("no read-back: %+v", o)
	}
	if o, _ := parseFile("absent\n"); o.Exists {
		t.Errorf("absent: %+v", o)
	}
	if o, _ := parseFile("refused /srv/x is a symbolic link\n"); o != (fileObserved{Exists: true, Refused: "/srv/x is a symbolic link"}) {
		t.Errorf("refused: %+v", o)
	}
	if _, err := parseFile("directory|755|root|root|4096\nx\n"); err == nil || err.Error() != "expected a regular file, found a directory" {
		t.Errorf("directory: %v", err)
	}
}

func TestSecretFileKeepsOnlyTheKeyedHash(t *testing.T) {
	content := fileContent
	i := fileInputs{Path: "/etc/x", Content: &content, Secret: true, HashKey: fileHashKey}
	o := i.keyed(fileObserved{Exists: true, Sha256: sha256Hex(fileContent), Mode: "0600", Owner: "root", Group: "root"})
	if o.Sha256 != "" || o.Hmac != keyedHash(fileHashKey, fileContent) {
		t.Errorf("observed: %+v", o)
	}
	if d := fileDrifted(i, o); len(d) != 0 {
		t.Errorf("converged secret file drifted: %v", d)
	}
	// From state alone (no content, its keyed hash) it compares the same.
	stored := fileInputs{Path: "/etc/x", Secret: true, HashKey: fileHashKey, ContentHmac: keyedHash(fileHashKey, fileContent)}
	if d := fileDrifted(stored, o); len(d) != 0 {
		t.Errorf("from state: %v", d)
	}
	other := "DB_PASSWORD=other\n"
	changed := i
	changed.Content = &other
	if d := strings.Join(fileDrifted(changed, o), ","); d != "content" {
		t.Errorf("changed content: %s", d)
	}
	if m := fileAsInputs(changed, o); m["content"] != changedSecret {
		t.Errorf("a changed secret is said, never shown: %v", m)
	}
	if m := fileAsInputs(i, o); m["content"] != sameSecret {
		t.Errorf("unchanged: %v", m)
	}
	// State written before keys: a plain sha256 still compares.
	legacy := fileInputs{Path: "/etc/x", Secret: true, ContentSha256: sha256Hex(fileContent)}
	if d := fileDrifted(legacy, fileObserved{Exists: true, Sha256: sha256Hex(fileContent), Mode: "0600", Owner: "root", Group: "root"}); len(d) != 0 {
		t.Errorf("legacy: %v", d)
	}
}

func TestFileDriftAndInputsAsObserved(t *testing.T) {
	content := "listen 80\n"
	i := fileInputs{Path: "/etc/x.conf", Content: &content, Owner: "app"}
	onHost := "listen 80\nworkers 64\n"
	o := fileObserved{Exists: true, Sha256: sha256Hex(onHost), Mode: "0666", Owner: "app", Group: "root", Content: &onHost}
	if d := strings.Join(fileDrifted(i, o), ","); d != "content,mode,group" {
		t.Errorf("drift: %s", d)
	}
	if m := fileAsInputs(i, o); m["content"] != onHost || m["mode"] != "0666" || m["group"] != "root" {
		t.Errorf("as inputs: %v", m)
	}
	if d := strings.Join(fileDrifted(i, fileObserved{}), ","); d != "content" {
		t.Errorf("missing: %s", d)
	}
	if m := fileAsInputs(i, fileObserved{}); m["content"] != missingFile || len(m) != 1 {
		t.Errorf("missing as inputs: %v", m)
	}
	if w := (fileInputs{Secret: true}).want(); w.Mode != "0600" || w.Owner != "root" || w.Group != "root" {
		t.Errorf("secret defaults: %+v", w)
	}
}

func TestFileValidationNamesThePropertyAndTheFix(t *testing.T) {
	all := func(string) bool { return true }
	got := validateFile(fileInputs{Path: "/etc/../x", Mode: "999", Owner: "ok", Group: "Bad;"}, all)
	want := []failure{
		{"path", `must be an absolute file path without newlines or .. segments, got "/etc/../x"`},
		{"content", "must be a string"},
		{"mode", `must be octal like "0644", got "999"`},
		{"group", `must be a user/group name, got "Bad;"`},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for n := range want {
		if got[n] != want[n] {
			t.Errorf("failure %d: got %v want %v", n, got[n], want[n])
		}
	}
	if f := validateFile(fileInputs{Path: "/etc/x", ContentUnknown: true}, func(string) bool { return false }); len(f) != 0 {
		t.Errorf("an unknown content is not yet wrong: %v", f)
	}
}
