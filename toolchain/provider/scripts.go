package main

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
)

// The host-side bash, as text: the same bytes the TypeScript kinds send (components/host/paths.ts
// PATH_GUARD, ssh.ts RUNNER), pinned against these files by test/unit/go-provider-scripts.test.ts.
//
//go:embed bash/path-guard.bash bash/runner.bash
var bashFiles embed.FS

func bashText(name string) string {
	b, err := bashFiles.ReadFile("bash/" + name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

var (
	// pathGuard defines hf_walk, hf_as and hf_refuse (see components/host/paths.ts for what they do).
	pathGuard = bashText("path-guard.bash")
	// runner wraps every script on the host: a watchdog kills its process tree at the timeout or
	// when the SSH connection is gone (components/host/ssh.ts RUNNER).
	runner = bashText("runner.bash")
)

// refused is the exit status of hf_refuse.
const refused = 6

// remoteCommand is the command line of one exec: the script and its timeout as RUNNER's arguments.
// Data (content, secrets) never goes here: it goes on the channel's stdin.
func remoteCommand(script string, timeoutSeconds float64, sudo bool) (string, error) {
	r, err := sh(runner, true)
	if err != nil {
		return "", err
	}
	s, err := sh(script, true)
	if err != nil {
		return "", err
	}
	prefix := ""
	if sudo {
		prefix = "sudo -n "
	}
	return fmt.Sprintf("%sbash -c %s hostform %s %d", prefix, r, s, int64(math.Ceil(timeoutSeconds))), nil
}

// owners: who manages what on a host (components/host/owners.ts).
const ownersDir = "/var/lib/hostform/owners"

func ownerDigest(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])[:32]
}

// claimScript records owner as a manager of each thing.
func claimScript(things []string, owner string) (string, error) {
	w := (&words{}).add("install -d -m 0700 ", Quoted(ownersDir), "\n")
	lines := make([]string, 0, len(things))
	for _, t := range things {
		l, err := (&words{}).add("d=", Quoted(ownersDir+"/"+ownerDigest(t)), `; mkdir -p -- "$d"; printf '%s\n' `, Quoted(t),
			` > "$d/.thing"; printf '%s\n' `, Quoted(owner), ` > "$d/"`, Quoted(ownerDigest(owner))).text()
		if err != nil {
			return "", err
		}
		lines = append(lines, l)
	}
	head, err := w.text()
	if err != nil {
		return "", err
	}
	return strict(head + strings.Join(lines, "\n") + "\n"), nil
}

// othersScript prints "managed <thing>" for each thing that a resource other than owner manages.
func othersScript(things []string, owner string) (string, error) {
	mine := "-"
	if owner != "" {
		mine = ownerDigest(owner)
	}
	lines := make([]string, 0, len(things))
	for _, t := range things {
		l, err := (&words{}).add("for m in ", Quoted(ownersDir+"/"+ownerDigest(t)), `/*; do if [ -f "$m" ] && [ "${m##*/}" != `, Quoted(mine),
			` ]; then printf 'managed %s\n' `, Quoted(t), "; break; fi; done").text()
		if err != nil {
			return "", err
		}
		lines = append(lines, l)
	}
	return strict(strings.Join(lines, "\n") + "\n"), nil
}

func parseOthers(stdout string) map[string]bool {
	out := map[string]bool{}
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "managed ") {
			out[l[len("managed "):]] = true
		}
	}
	return out
}

// releaseScript drops owner's records, and a thing's folder when nobody manages it any more.
func releaseScript(things []string, owner string) (string, error) {
	lines := make([]string, 0, len(things))
	for _, t := range things {
		l, err := (&words{}).add("d=", Quoted(ownersDir+"/"+ownerDigest(t)), `; rm -f -- "$d/"`, Quoted(ownerDigest(owner)),
			`; if [ -d "$d" ] && [ -z "$(find "$d" -mindepth 1 -maxdepth 1 ! -name .thing -print -quit)" ]; then rm -rf -- "$d"; fi`).text()
		if err != nil {
			return "", err
		}
		lines = append(lines, l)
	}
	return strict(strings.Join(lines, "\n") + "\n"), nil
}
