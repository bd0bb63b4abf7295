/**
 * Validators shared by the Flatlogic renderers. Renderers collect every problem of one call and
 * throw once (RenderError), so a caller sees all bad arguments together, each with its fix.
 */
import { isIPv4, isIPv6 } from "node:net";

export class RenderError extends Error {
  constructor(what: string, readonly problems: readonly string[]) {
    super(`${what}: ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** Collects problems; `done` throws them all at once, or does nothing when there are none. */
export class Problems {
  /** Every problem so far, in the order found. */
  readonly list: string[] = [];
  add(problem: string): void {
    this.list.push(problem);
  }
  check(ok: boolean, problem: string): void {
    if (!ok) this.add(problem);
  }
  done(what: string): void {
    if (this.list.length > 0) throw new RenderError(what, this.list);
  }
}

/** Shows a refused value in an error message without letting it span lines. */
export const show = (value: unknown): string => JSON.stringify(value)?.slice(0, 80) ?? String(value);

const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** A DNS name (or an IPv4 address, which has the same shape); `*.` is allowed first when `wildcard`. */
export function isDnsName(value: unknown, wildcard = false): boolean {
  if (typeof value !== "string" || value.length === 0 || value.length > 253) return false;
  const name = wildcard && value.startsWith("*.") ? value.slice(2) : value;
  return name.split(".").every((label) => LABEL.test(label));
}

export const isPort = (value: unknown): boolean => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535;

export const isPositiveInt = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 1;

export const isNonNegativeInt = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * An absolute path made of characters that need no quoting or escaping in a unit file, an
 * Apache config or a shell word: no spaces, quotes, `$`, `%` (a systemd specifier), `\` or
 * newlines, and no `.`/`..` segments.
 */
export function isPlainPath(value: unknown): boolean {
  if (typeof value !== "string" || !/^\/[A-Za-z0-9._+@/-]*$/.test(value)) return false;
  return value.split("/").every((segment) => segment !== "." && segment !== "..");
}

/** A Debian user name (adduser's default NAME_REGEX, without the trailing `$` of machine accounts). */
export const isUserName = (value: unknown): boolean => typeof value === "string" && /^[a-z_][a-z0-9_-]{0,31}$/.test(value);

/** An IPv4 or IPv6 network in CIDR notation, e.g. 173.245.48.0/20 or 2400:cb00::/32. */
export function isCidr(value: unknown): boolean {
  if (typeof value !== "string") return false;
  const match = /^([0-9A-Fa-f:.]+)\/(\d{1,3})$/.exec(value);
  if (!match) return false;
  const prefix = Number(match[2]);
  if (isIPv4(match[1])) return prefix <= 32;
  if (isIPv6(match[1])) return prefix <= 128;
  return false;
}

const DISPLAY = /^:\d+$/;
const SCREEN = /^\d+x\d+x\d+$/;

/** An X display (":99") and, when given, a screen geometry ("1920x1080x24"). */
export function checkDisplay(p: Problems, display: string, screen?: string): void {
  p.check(typeof display === "string" && DISPLAY.test(display), `display ${show(display)} must look like ":99"`);
  if (screen !== undefined) p.check(typeof screen === "string" && SCREEN.test(screen), `screen ${show(screen)} must be WIDTHxHEIGHTxDEPTH, like "1920x1080x24"`);
}

/** Each named field must be a plain absolute path (isPlainPath). */
export function checkPaths<T extends object>(p: Problems, a: T, keys: readonly (keyof T & string)[]): void {
  for (const key of keys) p.check(isPlainPath(a[key]), `${key} ${show(a[key])} must be an absolute path of [A-Za-z0-9._+@/-]`);
}

/** A URL with its user and password replaced, for messages: `https://***@host/repo.git`. */
export function hideCredentials(value: unknown): unknown {
  return typeof value === "string" ? value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, "$1***@") : value;
}

/**
 * Why a URL that root uses (a git remote, a registry) must not be taken: credentials inside it end
 * up in state, diffs, the host's process list and error messages. undefined when it is fine.
 * `ssh://git@host/…` and `git@host:…` name a user, not a secret, and stay allowed.
 */
export function credentialsInUrl(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/@\s]*)@/i.exec(value);
  if (!m) return undefined;
  const [, scheme, userinfo] = m;
  if (scheme.toLowerCase() === "ssh" && !userinfo.includes(":")) return undefined;
  return "holds credentials in the URL, which would end up in state, diffs, the host's process list and error messages: use a deploy key (ssh://git@host/… with the key installed for the app user) or a secret, and leave the URL without user:password@";
}

/** A git branch or tag name that git cannot take for an option or a revision expression. */
export function isRefName(value: unknown): boolean {
  if (typeof value !== "string" || !/^[A-Za-z0-9_][A-Za-z0-9._/-]*$/.test(value)) return false;
  return !/\.\.|\/\/|\/\.|\.lock$|[./]$/.test(value);
}

/** Refuses keys a settings object does not have (a typo would otherwise be silently ignored). */
export function checkKnownKeys(p: Problems, prefix: string, v: unknown, known: readonly string[]): void {
  if (v === undefined) return;
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    p.add(`${prefix} must be an object of settings, got ${show(v)}`);
    return;
  }
  for (const key of Object.keys(v)) {
    if (!known.includes(key)) p.add(`${prefix}.${key} is not a setting: known keys are ${known.join(", ")}`);
  }
}

/**
 * Readers for one settings object of the stack config: each takes a key's value (or its default),
 * and records a problem naming `<prefix>.<key>` and the fix when the value is bad. A refused value
 * is shown with any credentials in it hidden.
 */
export function settingsReader(prefix: string, v: Record<string, unknown>, p: Problems) {
  const k = (name: string) => `${prefix}.${name}`;
  return {
    k,
    str(name: string, fallback: string | undefined, re: RegExp, what: string): string {
      const value = v[name] ?? fallback;
      if (typeof value !== "string" || !re.test(value)) p.add(`${k(name)} must be ${what}, got ${JSON.stringify(hideCredentials(value))}`);
      return String(value);
    },
    /** A git remote: a path on the host, https://, ssh:// or git@…, never with credentials inside. */
    repo(name: string, what: string): string {
      const value = v[name];
      if (typeof value !== "string" || !/^(\/|https:\/\/|ssh:\/\/|git@)[^\s'"]+$/.test(value) || value.startsWith("-")) {
        p.add(`${k(name)} must be ${what} (https://, ssh://, git@… or a path on the host), got ${JSON.stringify(hideCredentials(value))}`);
      } else {
        const why = credentialsInUrl(value);
        if (why) p.add(`${k(name)} ${why}`);
      }
      return String(value);
    },
    ref(name: string, fallback: string): string {
      const value = v[name] ?? fallback;
      if (!isRefName(value)) p.add(`${k(name)} must be a branch or tag name (letters, digits, . _ / -, not starting with - or .), got ${show(value)}`);
      return String(value);
    },
    bool(name: string, fallback: boolean): boolean {
      const value = v[name] ?? fallback;
      if (typeof value !== "boolean") p.add(`${k(name)} must be true or false, got ${show(value)}`);
      return value === true;
    },
    int(name: string, fallback: number, min: number, max: number): number {
      const value = v[name] ?? fallback;
      if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) p.add(`${k(name)} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
      return value as number;
    },
  };
}
