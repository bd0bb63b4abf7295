package main

import (
	"errors"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Masking secrets in every error the provider returns (components/host/redact.ts): first the
// stack's secret values this process has seen, in the forms they take in logs (as given,
// URL-decoded, JSON- and percent-encoded, a URL's password), then credential shapes hostform was
// not told about. Errors carry remote stderr, which can quote a secret file's lines.

const mask = "[redacted]"

// minSecretLength: shorter values are not masked by value (a pool size of "20" is not worth hiding every 20).
const minSecretLength = 4

// secretForms: the forms a secret value can take in a log line.
func secretForms(value string) []string {
	forms := map[string]bool{value: true}
	if d, err := url.PathUnescape(value); err == nil && d != value && utf8.ValidString(d) {
		forms[d] = true
	}
	forms[strings.TrimSuffix(strings.TrimPrefix(jsonString(value), `"`), `"`)] = true
	forms[encodeURIComponent(value)] = true
	if u, err := url.Parse(value); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			forms[p] = true
			if i := strings.Index(u.User.String(), ":"); i >= 0 {
				forms[u.User.String()[i+1:]] = true
			}
		}
	}
	var out []string
	for f := range forms {
		if utf8.RuneCountInString(f) >= minSecretLength {
			out = append(out, f)
		}
	}
	return out
}

// encodeURIComponent is JavaScript's: every byte but A-Z a-z 0-9 - _ . ! ~ * ' ( ) percent-encoded.
func encodeURIComponent(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
		}
	}
	return b.String()
}

// knownSecrets: the process's secret values (it serves one stack at a time).
var knownSecrets = struct {
	sync.Mutex
	forms map[string]bool
}{forms: map[string]bool{}}

// remember adds secret values (each in all its forms) to what every later message is masked for.
func remember(values []string) {
	knownSecrets.Lock()
	defer knownSecrets.Unlock()
	for _, v := range values {
		for _, f := range secretForms(v) {
			knownSecrets.forms[f] = true
		}
	}
}

var envLine = regexp.MustCompile(`^(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=(.*)$`)

// envFileValues: the values of KEY=VALUE lines (single-quoted or bare, as env files are written).
func envFileValues(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		m := envLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		raw := m[1]
		if len(raw) >= 2 && strings.HasPrefix(raw, "'") && strings.HasSuffix(raw, "'") {
			out = append(out, strings.ReplaceAll(raw[1:len(raw)-1], `'\''`, "'"))
		} else if len(raw) >= 2 && strings.HasPrefix(raw, `"`) && strings.HasSuffix(raw, `"`) {
			out = append(out, raw[1:len(raw)-1])
		} else {
			out = append(out, raw)
		}
	}
	return out
}

// secretValuesOf: what a resource's inputs hold that must never be printed: every value marked
// secret, the values of a secret file's KEY=VALUE lines, and the values given to mask (secretValues).
func secretValuesOf(m resource.PropertyMap) []string {
	var out []string
	var walk func(v resource.PropertyValue, secret bool)
	walk = func(v resource.PropertyValue, secret bool) {
		switch {
		case v.IsSecret():
			walk(v.SecretValue().Element, true)
		case v.IsOutput():
			walk(v.OutputValue().Element, secret || v.OutputValue().Secret)
		case v.IsObject():
			for _, e := range v.ObjectValue() {
				walk(e, secret)
			}
		case v.IsArray():
			for _, e := range v.ArrayValue() {
				walk(e, secret)
			}
		case v.IsString() && secret:
			out = append(out, v.StringValue())
		}
	}
	for k, v := range m {
		walk(v, k == "secretValues")
	}
	if secret, _ := plainOrNil(m, "secret").(bool); secret {
		out = append(out, envFileValues(str(m, "content"))...)
	}
	return out
}

const (
	envName = `[A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|_PASS|PASS_|PWD|KEY|CREDENTIAL|ADMIN_CODE)[A-Z0-9_]*`
	keyName = `[A-Za-z0-9_.-]*(?:secret|token|password|passwd|pwd|apikey|api_key|api-key|credential|admin[_-]?code|adminCode|private_?key|access_?key)[A-Za-z0-9_.-]*`
)

// patterns: redact.ts's PATTERNS. RE2 has no backreference, so a PEM key ends at any END line.
var patterns = []struct {
	re *regexp.Regexp
	to string
}{
	{regexp.MustCompile(`-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)`), "-----BEGIN ${1}PRIVATE KEY----- " + mask},
	{regexp.MustCompile(`\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]+`), "${1} " + mask},
	{regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`), mask},
	{regexp.MustCompile(`\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{8,}|\bgh[pousr]_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,}|\bxox[abprs]-[A-Za-z0-9-]{10,}|\bAKIA[0-9A-Z]{16}\b`), mask},
	{regexp.MustCompile(`(?i)(--(?:password|passwd|token|secret|api-key|admin-code)[= ])("[^"]*"|'[^']*'|\S+)`), "${1}" + mask},
	{regexp.MustCompile(`(?i)(\b(?:password|passwd|secret|token)\s+)('[^']*'|"[^"]*")`), "${1}" + mask},
	{regexp.MustCompile(`(?i)("` + keyName + `"\s*:\s*)("(?:[^"\\]|\\.)*"|[^\s,}]+)`), `${1}"` + mask + `"`},
	{regexp.MustCompile(`(?i)(\b` + keyName + `\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&]+)`), "${1}" + mask},
	{regexp.MustCompile(`(\b` + envName + `\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&]+)`), "${1}" + mask},
	{regexp.MustCompile(`(?i)(\b[a-z][a-z0-9+.-]*://[^\s:/@]*:)\S*@`), "${1}" + mask + "@"},
	{regexp.MustCompile(`(?i)(\brtmps?://[^\s/]+/[^\s/]+/)[^\s"']+`), "${1}" + mask},
}

// redact masks every known secret value (longest first) and every credential pattern.
func redact(text string) string {
	knownSecrets.Lock()
	values := make([]string, 0, len(knownSecrets.forms))
	for v := range knownSecrets.forms {
		values = append(values, v)
	}
	knownSecrets.Unlock()
	sort.Slice(values, func(a, b int) bool { return len(values[a]) > len(values[b]) })
	for _, v := range values {
		text = strings.ReplaceAll(text, v, mask)
	}
	for _, p := range patterns {
		text = p.re.ReplaceAllString(text, p.to)
	}
	return text
}

// masked: the same error with its message masked; nil stays nil.
func masked(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(redact(err.Error()))
}
