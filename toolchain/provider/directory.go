package main

import (
	"fmt"
	"regexp"
	"strings"
)

// The Directory kind, ported from components/host/kinds/directory.ts: the same scripts (byte for
// byte, testdata/directory-*.golden), the same observation, drift and inputs-as-observed.

// directoryInputs are the inputs the kind reads; the provider keeps every other input as given.
type directoryInputs struct {
	Path  string
	Mode  string
	Owner string
	Group string
}

// directoryObserved is what a read found; its JSON shape is the TypeScript kind's `observed`.
type directoryObserved struct {
	Exists  bool   `json:"exists"`
	Mode    string `json:"mode,omitempty"`
	Owner   string `json:"owner,omitempty"`
	Group   string `json:"group,omitempty"`
	Refused string `json:"refused,omitempty"`
}

var (
	modeRe = regexp.MustCompile(`^0?[0-7]{3,4}$`)
	nameRe = regexp.MustCompile(`^[a-z_][a-z0-9_-]*[$]?$`)
)

// normalizeMode: "644", "0644", "755" → "0644"-style.
func normalizeMode(mode string) string {
	m := strings.TrimLeft(mode, "0")
	for len(m) < 4 {
		m = "0" + m
	}
	return m
}

// want: the inputs with their defaults made explicit.
func (i directoryInputs) want() directoryInputs {
	w := i
	w.Mode, w.Owner, w.Group = ownership(i.Mode, i.Owner, i.Group, "0755")
	return w
}

// ownership: mode (normalized, defaultMode when not given), owner (root) and group (the owner).
func ownership(mode, owner, group, defaultMode string) (string, string, string) {
	if mode == "" {
		mode = defaultMode
	}
	if owner == "" {
		owner = "root"
	}
	if group == "" {
		group = owner
	}
	return normalizeMode(mode), owner, group
}

type failure struct{ Property, Reason string }

func validateDirectory(i directoryInputs, has func(string) bool) []failure {
	var out []failure
	badSeg := false
	for _, seg := range strings.Split(strings.TrimPrefix(i.Path, "/"), "/") {
		if seg == "" || seg == "." || seg == ".." {
			badSeg = true
		}
	}
	if !strings.HasPrefix(i.Path, "/") || strings.Contains(i.Path, "\n") || badSeg {
		out = append(out, failure{"path", fmt.Sprintf("must be an absolute directory path other than /, without empty, . or .. segments and without a trailing /, got %s", jsonString(i.Path))})
	}
	if has("mode") && !modeRe.MatchString(i.Mode) {
		out = append(out, failure{"mode", fmt.Sprintf(`must be octal like "0755", got %s`, jsonString(i.Mode))})
	}
	for _, f := range []struct{ k, v string }{{"owner", i.Owner}, {"group", i.Group}} {
		if has(f.k) && !nameRe.MatchString(f.v) {
			out = append(out, failure{f.k, fmt.Sprintf("must be a user/group name, got %s", jsonString(f.v))})
		}
	}
	return out
}

// observeDirectoryScript: the path walked without following links, then the directory's own stat.
func observeDirectoryScript(path string) (string, error) {
	body, err := (&words{}).add("d=", Quoted(path), `
if ! hf_walk "$d"; then printf 'refused %s\n' "$hf_why"; exit 0; fi
if [ "$hf_type" = absent ]; then echo absent; exit 0; fi
stat -c '%F|%a|%U|%G' -- "$d"
`).text()
	return strict(pathGuard + body), err
}

func parseDirectory(stdout string) (directoryObserved, error) {
	line := strings.TrimSpace(stdout)
	if strings.HasPrefix(line, "refused ") {
		return directoryObserved{Exists: true, Refused: line[len("refused "):]}, nil
	}
	if line == "absent" {
		return directoryObserved{Exists: false}, nil
	}
	f := strings.Split(line, "|")
	if len(f) != 4 {
		return directoryObserved{}, fmt.Errorf("unexpected answer to a directory read: %q", line)
	}
	if f[0] != "directory" {
		return directoryObserved{}, fmt.Errorf("expected a directory, found a %s", f[0])
	}
	return directoryObserved{Exists: true, Mode: normalizeMode(f[1]), Owner: f[2], Group: f[3]}, nil
}

// ensureDirectoryScript creates and sets the directory as whoever can write its parent.
func ensureDirectoryScript(i directoryInputs) (string, error) {
	w := i.want()
	body, err := (&words{}).add("d=", Quoted(i.Path), `
hf_walk "$d" || hf_refuse "$d"
case "$hf_type" in absent|directory) ;; *) hf_why="it is a $hf_type, not a directory"; hf_refuse "$d" ;; esac
if [ -n "$hf_ctl" ] && [ "$hf_ctl" != `, Quoted(w.Owner), ` ]; then
  hf_why="$hf_ctl can write its parent, so hostform creates it as $hf_ctl and it must be owned by $hf_ctl (the stack says `, Quoted(w.Owner), `)"; hf_refuse "$d"
fi
hf_as `, Quoted(`mkdir -p -- "$1"; chmod -- "$2" "$1"; if [ "$(id -u)" = 0 ]; then chown -- "$3:$4" "$1"; else chgrp -- "$4" "$1"; fi`),
		` "$d" `, Quoted(w.Mode), " ", Quoted(w.Owner), " ", Quoted(w.Group), "\n").text()
	return strict(pathGuard + body), err
}

// removeDirectoryScript removes the directory only when empty: what others put there is not ours.
func removeDirectoryScript(path string) (string, error) {
	body, err := (&words{}).add("d=", Quoted(path), `
hf_walk "$d" || hf_refuse "$d"
if [ "$hf_type" = directory ]; then hf_as `, Quoted(`rmdir --ignore-fail-on-non-empty -- "$1"`), ` "$d"; fi
`).text()
	return strict(pathGuard + body), err
}

// directoryDrifted names the managed properties where the host differs from the inputs.
func directoryDrifted(i directoryInputs, o directoryObserved) []string {
	if !o.Exists || o.Refused != "" {
		return []string{"exists"}
	}
	w := i.want()
	return ownershipDrift(w.Mode, w.Owner, w.Group, o.Mode, o.Owner, o.Group)
}

// ownershipDrift names which of mode, owner and group differ from what is wanted.
func ownershipDrift(mode, owner, group, gotMode, gotOwner, gotGroup string) []string {
	var out []string
	if gotMode != mode {
		out = append(out, "mode")
	}
	if gotOwner != owner {
		out = append(out, "owner")
	}
	if gotGroup != group {
		out = append(out, "group")
	}
	return out
}

// directoryAsInputs: what is on the host, written as inputs, so a refreshed preview shows a readable diff.
func directoryAsInputs(o directoryObserved) map[string]string {
	switch {
	case !o.Exists:
		return map[string]string{"mode": "(missing on the host)"}
	case o.Refused != "":
		return map[string]string{"mode": "(refused: " + o.Refused + ")"}
	}
	return map[string]string{"mode": o.Mode, "owner": o.Owner, "group": o.Group}
}
