package main

import (
	"os"
	"strings"
	"testing"
)

// The scripts must be the TypeScript kinds' scripts byte for byte: both sides are pinned against
// the same files (test/unit/go-provider-scripts.test.ts pins the TypeScript side).

const hostilePath = "/srv/it's $(whoami) dir"
const hostileOwner = "proj/stack/Directory/it's"

func golden(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name + ".golden")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func same(t *testing.T, name, got string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if want := golden(t, name); got != want {
		t.Errorf("%s differs from testdata/%s.golden\n--- got ---\n%s\n--- want ---\n%s", name, name, got, want)
	}
}

func TestDirectoryScriptsAreTheTypeScriptOnes(t *testing.T) {
	s, err := observeDirectoryScript(hostilePath)
	same(t, "directory-observe", s, err)
	s, err = ensureDirectoryScript(directoryInputs{Path: hostilePath, Mode: "0750", Owner: "www-data", Group: "adm"})
	same(t, "directory-ensure", s, err)
	s, err = removeDirectoryScript(hostilePath)
	same(t, "directory-remove", s, err)
}

func TestOwnerScriptsAreTheTypeScriptOnes(t *testing.T) {
	things := []string{"directory:" + hostilePath}
	s, err := claimScript(things, hostileOwner)
	same(t, "owners-claim", s, err)
	s, err = othersScript(things, hostileOwner)
	same(t, "owners-others", s, err)
	s, err = releaseScript(things, hostileOwner)
	same(t, "owners-release", s, err)
	if got := parseOthers("managed directory:/a b\nother\nmanaged x\n"); len(got) != 2 || !got["directory:/a b"] || !got["x"] {
		t.Errorf("parseOthers: %v", got)
	}
}

func TestRemoteCommandIsTheTypeScriptOne(t *testing.T) {
	s, err := remoteCommand("echo 'it''s'\nexit 3\n", 299.5, true)
	same(t, "command-sudo", s, err)
	s, err = remoteCommand("true", 300, false)
	same(t, "command-root", s, err)
}

func TestShQuotesEveryValueAsOneWord(t *testing.T) {
	cases := map[string]string{
		"plain/path-1.conf":    "plain/path-1.conf",
		"x; whoami":            `'x; whoami'`,
		"a b":                  `'a b'`,
		"it's":                 `'it'\''s'`,
		`"qq" $(id) ` + "`id`": `'"qq" $(id) ` + "`id`'",
		"":                     "''",
	}
	for in, want := range cases {
		got, err := sh(in, false)
		if err != nil || got != want {
			t.Errorf("sh(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"a\nb", "a\rb", "a\x00b"} {
		if _, err := sh(bad, false); err == nil || !strings.Contains(err.Error(), "refusing to pass a value with a NUL or newline") {
			t.Errorf("sh(%q) should refuse, got %v", bad, err)
		}
	}
	if got, err := sh("a\nb", true); err != nil || got != "'a\nb'" {
		t.Errorf("multiline: %q %v", got, err)
	}
	if _, err := observeDirectoryScript("/srv/a\nrm -rf /"); err == nil {
		t.Error("a path with a newline must not make a script")
	}
}

func TestParseDirectory(t *testing.T) {
	o, err := parseDirectory("directory|750|root|adm\n")
	if err != nil || o != (directoryObserved{Exists: true, Mode: "0750", Owner: "root", Group: "adm"}) {
		t.Errorf("got %+v %v", o, err)
	}
	if o, _ := parseDirectory("absent\n"); o != (directoryObserved{}) {
		t.Errorf("absent: %+v", o)
	}
	if o, _ := parseDirectory("refused /srv/x is a symbolic link\n"); o != (directoryObserved{Exists: true, Refused: "/srv/x is a symbolic link"}) {
		t.Errorf("refused: %+v", o)
	}
	if _, err := parseDirectory("regular file|644|root|root\n"); err == nil || err.Error() != "expected a directory, found a regular file" {
		t.Errorf("file: %v", err)
	}
}

func TestDirectoryDriftAndInputsAsObserved(t *testing.T) {
	i := directoryInputs{Path: "/srv/a", Mode: "750", Owner: "app"}
	if d := directoryDrifted(i, directoryObserved{Exists: true, Mode: "0750", Owner: "app", Group: "app"}); len(d) != 0 {
		t.Errorf("converged host drifted: %v", d)
	}
	if d := strings.Join(directoryDrifted(i, directoryObserved{Exists: true, Mode: "0777", Owner: "root", Group: "app"}), ","); d != "mode,owner" {
		t.Errorf("drift: %s", d)
	}
	if d := strings.Join(directoryDrifted(i, directoryObserved{}), ","); d != "exists" {
		t.Errorf("missing: %s", d)
	}
	if d := strings.Join(directoryDrifted(i, directoryObserved{Exists: true, Refused: "a link"}), ","); d != "exists" {
		t.Errorf("refused: %s", d)
	}
	if m := directoryAsInputs(directoryObserved{}); m["mode"] != "(missing on the host)" || len(m) != 1 {
		t.Errorf("missing as inputs: %v", m)
	}
	if m := directoryAsInputs(directoryObserved{Exists: true, Mode: "0700", Owner: "a", Group: "b"}); m["mode"] != "0700" || m["owner"] != "a" || m["group"] != "b" {
		t.Errorf("as inputs: %v", m)
	}
}

func TestDirectoryValidationNamesThePropertyAndTheFix(t *testing.T) {
	all := func(string) bool { return true }
	got := validateDirectory(directoryInputs{Path: "/srv/./x", Mode: "999", Owner: "Root;", Group: "adm"}, all)
	want := []failure{
		{"path", `must be an absolute directory path other than /, without empty, . or .. segments and without a trailing /, got "/srv/./x"`},
		{"mode", `must be octal like "0755", got "999"`},
		{"owner", `must be a user/group name, got "Root;"`},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for n := range want {
		if got[n] != want[n] {
			t.Errorf("failure %d: got %v want %v", n, got[n], want[n])
		}
	}
	for _, p := range []string{"/", "srv", "/srv/", "//srv", "/srv/../etc"} {
		if f := validateDirectory(directoryInputs{Path: p}, func(string) bool { return false }); len(f) != 1 || f[0].Property != "path" {
			t.Errorf("%q: %v", p, f)
		}
	}
	if f := validateDirectory(directoryInputs{Path: "/srv/hostform test"}, func(string) bool { return false }); len(f) != 0 {
		t.Errorf("valid: %v", f)
	}
}
