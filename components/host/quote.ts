/**
 * The one quoting helper. Every value that enters a remote shell command goes through `sh`;
 * scripts are assembled with the `script` tag so a forgotten quote cannot happen.
 */

/**
 * Quotes a value for POSIX sh as one word. Refuses NUL, and newlines unless `multiline` (whole
 * scripts): no path, name or setting needs one, and a newline is how injected commands start.
 */
export function sh(value: string | number, multiline = false): string {
  const text = String(value);
  if (/\0/.test(text) || (!multiline && /[\n\r]/.test(text))) {
    throw new Error(`refusing to pass a value with a NUL or newline to a remote shell: ${JSON.stringify(text.slice(0, 40))}`);
  }
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Tagged template: every interpolated value is quoted with `sh`; arrays become quoted word lists. */
export function script(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0];
  values.forEach((value, i) => {
    const words: unknown[] = Array.isArray(value) ? value : [value];
    out += words.map(word).join(" ") + strings[i + 1];
  });
  return out;
}

/** A value fit for `sh`: a string, a finite number or a boolean; `undefined`, `null` or an object is a bug upstream, not a word. */
function word(value: unknown): string {
  if (typeof value === "string" || (typeof value === "number" && Number.isFinite(value))) return sh(value);
  if (typeof value === "boolean") return String(value);
  throw new Error(`refusing to put ${value === null ? "null" : typeof value} into a remote shell script: ${String(value).slice(0, 40)}`);
}

/** A shell script that fails on the first error, on unset variables and inside pipelines. */
export function strict(body: string): string {
  return `set -euo pipefail\n${body}`;
}
