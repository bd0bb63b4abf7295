package main

import (
	"fmt"
	"regexp"
	"strings"
)

// The one quoting helper, as components/host/quote.ts: every value that enters a remote shell
// script goes through sh. The scripts must come out byte for byte as the TypeScript side writes
// them (testdata/*.sh, pinned by both sides' tests).

var bareWord = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// sh quotes a value for POSIX sh as one word. It refuses NUL, and newlines unless multiline (whole
// scripts): no path, name or setting needs one, and a newline is how injected commands start.
func sh(value string, multiline bool) (string, error) {
	if strings.ContainsRune(value, 0) || (!multiline && strings.ContainsAny(value, "\n\r")) {
		short := value
		if len(short) > 40 {
			short = short[:40]
		}
		return "", fmt.Errorf("refusing to pass a value with a NUL or newline to a remote shell: %q", short)
	}
	if bareWord.MatchString(value) {
		return value, nil
	}
	return "'" + strings.ReplaceAll(value, "'", `'\''`) + "'", nil
}

// words builds script text: literal parts as they are, Quoted parts through sh. The first error
// (a value sh refuses) is kept and returned by text().
type words struct {
	b   strings.Builder
	err error
}

// Quoted marks a value to be quoted as one word.
type Quoted string

// QuotedScript marks a whole script (newlines allowed) to be quoted as one word, for bash -c.
type QuotedScript string

func (w *words) add(parts ...any) *words {
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			w.b.WriteString(v)
		case Quoted:
			q, err := sh(string(v), false)
			if err != nil && w.err == nil {
				w.err = err
			}
			w.b.WriteString(q)
		case QuotedScript:
			q, err := sh(string(v), true)
			if err != nil && w.err == nil {
				w.err = err
			}
			w.b.WriteString(q)
		default:
			panic(fmt.Sprintf("words.add: %T is neither literal text nor a Quoted value", p))
		}
	}
	return w
}

func (w *words) text() (string, error) { return w.b.String(), w.err }

// strict prefixes a script with bash's fail-fast settings.
func strict(body string) string { return "set -euo pipefail\n" + body }
