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
  private readonly list: string[] = [];
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
