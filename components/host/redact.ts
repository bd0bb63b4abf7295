/**
 * Masking secrets in anything hostform prints (errors, an unhealthy app's log lines). First the
 * stack's actual secret values, in the forms they take in logs (as given, URL-decoded, and a URL's
 * password), then patterns for credentials hostform was not told about.
 */

export const MASK = "[redacted]";

/** Values shorter than this are not masked by value (a pool size of "20" is not worth hiding every 20). */
export const MIN_SECRET_LENGTH = 4;

function decoded(value: string): string | undefined {
  try {
    const d = decodeURIComponent(value);
    return d === value ? undefined : d;
  } catch {
    return undefined;
  }
}

/** A value as JSON writes it inside a string ("hun\\"ter"), and percent-encoded as in a URL or a form. */
function encodedForms(value: string): string[] {
  return [JSON.stringify(value).slice(1, -1), encodeURIComponent(value)];
}

/** The forms a secret value can take in a log line. */
export function secretForms(value: string): string[] {
  const forms = new Set<string>([value]);
  const d = decoded(value);
  if (d) forms.add(d);
  for (const f of encodedForms(value)) forms.add(f);
  try {
    // A URL's password, as written and decoded (the user name is not a secret).
    const url = new URL(value);
    if (url.password) {
      forms.add(url.password);
      const dp = decoded(url.password);
      if (dp) forms.add(dp);
    }
  } catch {
    // not a URL
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/** The provider process's known secret values (it serves one stack at a time). */
function known(): Set<string> {
  const g = globalThis as { __hostformSecrets?: Set<string> };
  return (g.__hostformSecrets ??= new Set());
}

/** Adds secret values (each in all its forms) to what every later message is masked for. */
export function remember(values: readonly unknown[]): void {
  for (const v of values) if (typeof v === "string") for (const f of secretForms(v)) known().add(f);
}

/** The values of KEY=VALUE lines (single-quoted or bare, as env files and renderEnvFile write them). */
export function envFileValues(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=(.*)$/.exec(line.trim());
    if (!m) continue;
    const raw = m[1];
    out.push(raw.startsWith("'") && raw.endsWith("'") && raw.length >= 2 ? raw.slice(1, -1).replace(/'\\''/g, "'") : raw.replace(/^"(.*)"$/, "$1"));
  }
  return out;
}

/** Names that hold credentials, in env style (UPPER_SNAKE) and as keys of JSON or YAML. */
const ENV_NAME = "[A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|_PASS|PASS_|PWD|KEY|CREDENTIAL|ADMIN_CODE)[A-Z0-9_]*";
const KEY_NAME = "[A-Za-z0-9_.-]*(?:secret|token|password|passwd|pwd|apikey|api_key|api-key|credential|admin[_-]?code|adminCode|private_?key|access_?key)[A-Za-z0-9_.-]*";

const PATTERNS: [RegExp, string][] = [
  // A private key in PEM, whole: its lines carry no key name.
  [/-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g, `-----BEGIN $1PRIVATE KEY----- ${MASK}`],
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]+/g, `$1 ${MASK}`],
  // A JSON Web Token (header.payload.signature, each base64url; the header always starts with {" → eyJ).
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, MASK],
  // Tokens whose prefix names them: Stripe, GitHub, Slack, AWS access keys.
  [/\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{8,}|\bgh[pousr]_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,}|\bxox[abprs]-[A-Za-z0-9-]{10,}|\bAKIA[0-9A-Z]{16}\b/g, MASK],
  // --password hunter2, -p=… is too short to tell; password 'hunter2' and password "…" as prose or SQL writes them.
  [/(--(?:password|passwd|token|secret|api-key|admin-code)[= ])("[^"]*"|'[^']*'|\S+)/gi, `$1${MASK}`],
  [/(\b(?:password|passwd|secret|token)\s+)('[^']*'|"[^"]*")/gi, `$1${MASK}`],
  // "password": "…" and password: … (JSON, YAML, logfmt), whatever the case of the key.
  [new RegExp(`("${KEY_NAME}"\\s*:\\s*)("(?:[^"\\\\]|\\\\.)*"|[^\\s,}]+)`, "gi"), `$1"${MASK}"`],
  [new RegExp(`(\\b${KEY_NAME}\\s*[=:]\\s*)("[^"]*"|'[^']*'|[^\\s,;&]+)`, "gi"), `$1${MASK}`],
  // DB_PASSWORD=…, ADMIN_CODE=…, REDIS_PASS=…
  [new RegExp(`(\\b${ENV_NAME}\\s*[=:]\\s*)("[^"]*"|'[^']*'|[^\\s,;&]+)`, "g"), `$1${MASK}`],
  // scheme://user:password@host, scheme://:password@host; the password may hold @ (up to the last @ of the word).
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)\S*@/gi, `$1${MASK}@`],
  // rtmp(s)://host/app/STREAM_KEY: the path after the application is the stream key.
  [/(\brtmps?:\/\/[^\s/]+\/[^\s/]+\/)[^\s"']+/gi, `$1${MASK}`],
];

/** Masks every known secret value (longest first) and every credential pattern. */
export function redact(text: string, extra: readonly unknown[] = []): string {
  const values = new Set(known());
  for (const v of extra) if (typeof v === "string") for (const f of secretForms(v)) values.add(f);
  let out = text;
  for (const v of [...values].sort((a, b) => b.length - a.length)) out = out.split(v).join(MASK);
  for (const [re, to] of PATTERNS) out = out.replace(re, to);
  return out;
}

/** The same error with its message masked (the stack trace is dropped: it repeats the message). */
export function redactError(e: unknown): Error {
  const message = e instanceof Error ? e.message : String(e);
  return new Error(redact(message));
}
