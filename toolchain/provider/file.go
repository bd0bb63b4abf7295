package main

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// The File kind, ported from components/host/kinds/file.ts: the same scripts (byte for byte,
// testdata/file-*.golden), the content on stdin after its sha256, read-back for drift, and keyed
// hashes for secret content (keyed.go) so neither the secret nor its plain hash reaches state.

type fileInputs struct {
	Path    string
	Content *string // nil in state of a secret file: outputs keep contentHmac instead
	Secret  bool
	Mode    string
	Owner   string
	Group   string
	// VerifyCommand runs after the new content is in place; on failure the old content is put back.
	VerifyCommand string
	// OnChangeCommand runs after the content changed and verified (a reload).
	OnChangeCommand string
	HashKey         string
	ContentHmac     string
	ContentSha256   string // state written before keyed hashes (read, never written)
	// ContentUnknown: a preview's content, not known yet (then it cannot be checked).
	ContentUnknown bool
}

// fileObserved is what a read found; its JSON shape is the TypeScript kind's `observed`.
type fileObserved struct {
	Exists  bool    `json:"exists"`
	Sha256  string  `json:"sha256,omitempty"`
	Hmac    string  `json:"hmac,omitempty"`
	Mode    string  `json:"mode,omitempty"`
	Owner   string  `json:"owner,omitempty"`
	Group   string  `json:"group,omitempty"`
	Content *string `json:"content,omitempty"`
	Refused string  `json:"refused,omitempty"`
}

const (
	readBackLimit = 64 * 1024
	changedSecret = "(secret content changed on the host)"
	sameSecret    = "(secret content unchanged)"
	missingFile   = "(missing on the host)"
)

// want: the inputs with their defaults made explicit (a secret file is 0600 unless told).
func (i fileInputs) want() fileInputs {
	w, mode := i, "0644"
	if i.Secret {
		mode = "0600"
	}
	w.Mode, w.Owner, w.Group = ownership(i.Mode, i.Owner, i.Group, mode)
	return w
}

// readBody reads the file as whoever can write its directory: a link swapped in after the walk shows that user nothing new.
var readBody = fmt.Sprintf(`set -euo pipefail
f=$1
stat -c '%%F|%%a|%%U|%%G|%%s' -- "$f"
if [ ! -f "$f" ]; then exit 0; fi
if [ ! -r "$f" ]; then echo unreadable; exit 0; fi
sha256sum < "$f" | cut -c1-64
if [ "$2" = yes ] && [ "$(stat -c %%s -- "$f")" -le %d ]; then printf 'content='; base64 -w0 < "$f"; fi
`, readBackLimit)

// observeFileScript: the path walked (refused, absent), then type, mode, owner, group, hash and
// (plain, small) content, in one exec.
func observeFileScript(path string, readBack bool) (string, error) {
	yes := "no"
	if readBack {
		yes = "yes"
	}
	body, err := (&words{}).add("f=", Quoted(path), `
if ! hf_walk "$f"; then printf 'refused %s\n' "$hf_why"; exit 0; fi
if [ "$hf_type" = absent ]; then echo absent; exit 0; fi
hf_as `, QuotedScript(readBody), ` "$f" `+yes+"\n").text()
	return strict(pathGuard + body), err
}

func parseFile(stdout string) (fileObserved, error) {
	if strings.HasPrefix(stdout, "refused ") {
		return fileObserved{Exists: true, Refused: strings.TrimSpace(stdout[len("refused "):])}, nil
	}
	lines := strings.Split(stdout, "\n")
	head := lines[0]
	if head == "absent" {
		return fileObserved{}, nil
	}
	f := strings.Split(head, "|")
	if f[0] != "regular file" && f[0] != "regular empty file" {
		return fileObserved{}, fmt.Errorf("expected a regular file, found a %s", f[0])
	}
	if len(f) < 4 || len(lines) < 2 {
		return fileObserved{}, fmt.Errorf("unexpected answer to a file read: %q", head)
	}
	o := fileObserved{Exists: true, Sha256: lines[1], Mode: normalizeMode(f[1]), Owner: f[2], Group: f[3]}
	if len(lines) > 2 && strings.HasPrefix(lines[2], "content=") {
		b, err := base64.StdEncoding.DecodeString(lines[2][len("content="):])
		if err != nil {
			return fileObserved{}, fmt.Errorf("a file read answered content that is not base64: %v", err)
		}
		text := strings.ToValidUTF8(string(b), "\uFFFD")
		o.Content = &text
	}
	return o, nil
}

// writeBody writes stdin (the content's sha256 on the first line, then the content) as whoever can
// write the directory: a temporary file checked against the sha256 (a cut connection never installs
// a truncated file), mode and owner set, then renamed over the target.
const writeBody = `set -euo pipefail
f=$1; d=$(dirname -- "$f")
mkdir -p -- "$d"
IFS= read -r want
tmp=$(mktemp -- "$d/.hostform.XXXXXX")
trap 'rm -f -- "$tmp"' EXIT
cat > "$tmp"
if [ "$(sha256sum < "$tmp" | cut -c1-64)" != "$want" ]; then
  echo "the content arrived incomplete (its sha256 is not the one sent): $f was left as it was" >&2; exit 4
fi
chmod -- "$2" "$tmp"
if [ "$(id -u)" = 0 ]; then chown -- "$3:$4" "$tmp"; else chgrp -- "$4" "$tmp"; fi
backup=""
if [ "$5" = yes ] && [ -e "$f" ]; then backup=$(mktemp -- "$d/.hostform-old.XXXXXX"); cp -p -- "$f" "$backup"; fi
mv -f -- "$tmp" "$f"
trap - EXIT
printf '%s' "$backup"
`

// walked: the walk every change starts with. It refuses links and foreign owners, and a file owned
// by another than the user who can write its directory; rootOnly names what needs root's directory.
func walked(w *words, path, owner, rootOnly string) *words {
	w.add(pathGuard, "f=", Quoted(path), `
hf_walk "$f" || hf_refuse "$f"
case "$hf_type" in absent|"regular file"|"regular empty file") ;; *) hf_why="it is a $hf_type, not a file"; hf_refuse "$f" ;; esac
if [ -n "$hf_ctl" ] && [ "$hf_ctl" != `, Quoted(owner), ` ]; then
  hf_why="$hf_ctl can write its directory, so hostform writes it as $hf_ctl and it must be owned by $hf_ctl (the stack says `, Quoted(owner), `)"; hf_refuse "$f"
fi
`)
	if rootOnly != "" {
		w.add(`if [ -n "$hf_ctl" ]; then hf_why="$hf_ctl can write its directory, and ` + rootOnly + ` needs a directory only root can write"; hf_refuse "$f"; fi
`)
	}
	return w
}

// writeFileScript writes the content from stdin (writeInput), verifies it when told (the previous
// file put back on failure) and runs the on-change command when the content changed.
func writeFileScript(i fileInputs, contentChanged bool) (string, error) {
	w := i.want()
	rootOnly, backup := "", "no"
	if i.VerifyCommand != "" {
		rootOnly, backup = "a verify command", "yes"
	}
	b := walked(&words{}, i.Path, w.Owner, rootOnly)
	b.add(`backup=$(hf_as `, QuotedScript(writeBody), ` "$f" `, Quoted(w.Mode), " ", Quoted(w.Owner), " ", Quoted(w.Group), " "+backup+")\n")
	if i.VerifyCommand != "" {
		// The verify and on-change commands are the stack's own shell, as written.
		b.add(`if ! ( ` + i.VerifyCommand + ` ) >&2; then
  if [ -n "$backup" ]; then mv -f -- "$backup" "$f"; else rm -f -- "$f"; fi
  echo "verification failed; the previous file was put back" >&2; exit 3
fi
if [ -n "$backup" ]; then rm -f -- "$backup"; fi
`)
	}
	if contentChanged && i.OnChangeCommand != "" {
		b.add(i.OnChangeCommand + "\n")
	}
	text, err := b.text()
	return strict(text), err
}

// writeInput is a write's stdin: the content's sha256 on the first line, checked on the host before the rename.
func writeInput(content string) string { return sha256Hex(content) + "\n" + content }

func fixModeScript(i fileInputs) (string, error) {
	w := i.want()
	text, err := walked(&words{}, i.Path, w.Owner, "").add("hf_as ", Quoted(`chmod -- "$2" "$1"`), ` "$f" `, Quoted(w.Mode), "\n").text()
	return strict(text), err
}

func removeFileScript(path string) (string, error) {
	text, err := (&words{}).add(pathGuard, "f=", Quoted(path), `
hf_walk "$f" || hf_refuse "$f"
if [ "$hf_type" != absent ]; then hf_as `, Quoted(`rm -f -- "$1"`), ` "$f"; fi
`).text()
	return strict(text), err
}

// wanted: what the stack wants, in the form the observation has (keyed for a secret file with a key).
func (i fileInputs) wanted(keyed bool) string {
	if i.Content != nil {
		if keyed {
			return keyedHash(i.HashKey, *i.Content)
		}
		return sha256Hex(*i.Content)
	}
	if keyed {
		return i.ContentHmac
	}
	return i.ContentSha256
}

func (i fileInputs) contentMatches(o fileObserved) bool {
	if o.Hmac != "" {
		return i.HashKey != "" && o.Hmac == i.wanted(true)
	}
	return o.Sha256 != "" && o.Sha256 == i.wanted(false)
}

// keyed: a secret file's plain hash never leaves the provider; the observation holds it keyed.
func (i fileInputs) keyed(o fileObserved) fileObserved {
	if !i.Secret || i.HashKey == "" || o.Sha256 == "" {
		return o
	}
	o.Hmac = keyedDigest(i.HashKey, o.Sha256)
	o.Sha256 = ""
	return o
}

// fileDrifted names the managed properties where the host differs from the inputs.
func fileDrifted(i fileInputs, o fileObserved) []string {
	if !o.Exists || o.Refused != "" {
		return []string{"content"}
	}
	w := i.want()
	var out []string
	if !i.contentMatches(o) {
		out = append(out, "content")
	}
	return append(out, ownershipDrift(w.Mode, w.Owner, w.Group, o.Mode, o.Owner, o.Group)...)
}

// fileAsInputs: what is on the host, written as inputs; a secret file says only whether it changed.
func fileAsInputs(i fileInputs, o fileObserved) map[string]string {
	switch {
	case !o.Exists:
		return map[string]string{"content": missingFile}
	case o.Refused != "":
		return map[string]string{"content": "(refused: " + o.Refused + ")"}
	}
	content := "(sha256 " + o.Sha256 + ")"
	switch {
	case i.Secret && i.contentMatches(o):
		content = sameSecret
	case i.Secret:
		content = changedSecret
	case o.Content != nil:
		content = *o.Content
	}
	return map[string]string{"content": content, "mode": o.Mode, "owner": o.Owner, "group": o.Group}
}

func validateFile(i fileInputs, has func(string) bool) []failure {
	var out []failure
	dotdot := false
	for _, seg := range strings.Split(i.Path, "/") {
		dotdot = dotdot || seg == ".."
	}
	if !strings.HasPrefix(i.Path, "/") || strings.ContainsAny(i.Path, "\x00\n") || strings.HasSuffix(i.Path, "/") || dotdot {
		out = append(out, failure{"path", fmt.Sprintf("must be an absolute file path without newlines or .. segments, got %s", jsonString(i.Path))})
	}
	if i.Content == nil && i.ContentHmac == "" && i.ContentSha256 == "" && !i.ContentUnknown {
		out = append(out, failure{"content", "must be a string"})
	}
	if has("mode") && !modeRe.MatchString(i.Mode) {
		out = append(out, failure{"mode", fmt.Sprintf(`must be octal like "0644", got %s`, jsonString(i.Mode))})
	}
	for _, f := range []struct{ k, v string }{{"owner", i.Owner}, {"group", i.Group}} {
		if has(f.k) && !nameRe.MatchString(f.v) {
			out = append(out, failure{f.k, fmt.Sprintf("must be a user/group name, got %s", jsonString(f.v))})
		}
	}
	return out
}
