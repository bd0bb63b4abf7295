/**
 * The secret values of a stack, to redact from everything the doctor prints: the config itself is
 * read by scripts/hosts/stack.ts (the project's Pulumi CLI decrypts it), never printed.
 */
import type { ConfigJson } from "../hosts/stack";

/** Shorter values are not masked wherever they appear (a pool size "20" would blank every 20 in the report). */
export const MIN_SECRET_LENGTH = 6;

function leaves(value: unknown): string[] {
  if (typeof value === "string") {
    try {
      const parsed: unknown = JSON.parse(value);
      if (parsed !== null && typeof parsed === "object") return [value, ...leaves(parsed)];
    } catch {
      // not JSON: the text itself is the secret
    }
    return [value];
  }
  if (typeof value === "number") return [String(value)];
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(leaves);
  return [];
}

/** A URL's password is a secret of its own: it shows up in logs without the rest of the URL. */
function urlPasswords(value: string): string[] {
  try {
    const u = new URL(value);
    return u.password ? [u.password, decodeURIComponent(u.password)] : [];
  } catch {
    return [];
  }
}

/**
 * Every secret value of the stack: each secret config key (whole, and each value inside an
 * object), plus `extra` secrets read from elsewhere (the sandbox's duel secrets file).
 */
export function secretValues(json: ConfigJson, extra: readonly unknown[] = []): string[] {
  const all = [...Object.values(json).filter((e) => e.secret).map((e) => e.value), ...extra].flatMap(leaves);
  const withPasswords = all.flatMap((v) => [v, ...urlPasswords(v)]);
  return [...new Set(withPasswords)].filter((v) => v.length >= MIN_SECRET_LENGTH);
}
