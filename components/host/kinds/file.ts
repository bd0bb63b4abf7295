import { createHash } from "node:crypto";
import { script, strict } from "../quote";
import { type BaseInputs, type Kind, MODE, NAME, normalizeMode } from "./kind";

export interface FileInputs extends BaseInputs {
  readonly path: string;
  readonly content: string;
  /** The content is a secret: never read back, never shown, only its hash compared. */
  readonly secret?: boolean;
  readonly mode?: string;
  readonly owner?: string;
  readonly group?: string;
  /** Run after the new content is in place; on failure the previous content is put back and the step fails. */
  readonly verifyCommand?: string;
  /** Run after the content changed and verified (a reload, say). */
  readonly onChangeCommand?: string;
  /** Set in state instead of `content` for secret files, so state never holds the secret. */
  readonly contentSha256?: string;
}

export interface FileObserved {
  readonly exists: boolean;
  readonly sha256?: string;
  readonly mode?: string;
  readonly owner?: string;
  readonly group?: string;
  /** Plain files up to READ_BACK_LIMIT bytes are read back whole, for readable drift diffs. */
  readonly content?: string;
}

export const READ_BACK_LIMIT = 64 * 1024;
export const CHANGED_SECRET = "(secret content changed on the host)";
export const UNCHANGED_SECRET = "(secret content unchanged)";
export const MISSING = "(missing on the host)";

export function defaults(i: FileInputs) {
  return { mode: normalizeMode(i.mode ?? (i.secret ? "0600" : "0644")), owner: i.owner ?? "root", group: i.group ?? i.owner ?? "root" };
}

/** One exec: type, mode, owner, group, size, hash and (plain, small) content. */
export function observeScript(path: string, readBack: boolean): string {
  return strict(script`f=${path}
if [ ! -e "$f" ]; then echo absent; exit 0; fi
stat -c '%F|%a|%U|%G|%s' -- "$f"
sha256sum -- "$f" | cut -c1-64
size=$(stat -c %s -- "$f")
if [ ${readBack ? "yes" : "no"} = yes ] && [ "$size" -le ${READ_BACK_LIMIT} ]; then printf 'content='; base64 -w0 -- "$f"; fi
`);
}

export function parseObserved(stdout: string): FileObserved {
  const [head, sha256, b64] = stdout.split("\n");
  if (head === "absent") return { exists: false };
  const [type, mode, owner, group] = head.split("|");
  if (type !== "regular file" && type !== "regular empty file") {
    throw new Error(`expected a regular file, found a ${type}`);
  }
  const content = b64?.startsWith("content=") ? Buffer.from(b64.slice(8), "base64").toString("utf8") : undefined;
  return { exists: true, sha256, mode: normalizeMode(mode), owner, group, content };
}

/**
 * Writes stdin atomically: a temporary file in the same directory (created 0600 by mktemp, so a
 * secret is never world-readable), owner and mode set, then renamed over the target. With a verify
 * command the old file is kept until the new one passes.
 */
export function writeScript(i: FileInputs, contentChanged: boolean): string {
  const { mode, owner, group } = defaults(i);
  const write = script`f=${i.path}; d=$(dirname -- "$f")
mkdir -p -- "$d"
tmp=$(mktemp -- "$d/.hostform.XXXXXX")
trap 'rm -f -- "$tmp"' EXIT
cat > "$tmp"
chown -- ${`${owner}:${group}`} "$tmp"
chmod -- ${mode} "$tmp"
backup=""
if [ -e "$f" ]; then backup=$(mktemp -- "$d/.hostform-old.XXXXXX"); cp -p -- "$f" "$backup"; fi
mv -f -- "$tmp" "$f"
`;
  const verify = i.verifyCommand
    ? `if ! ( ${i.verifyCommand} ) >&2; then
  if [ -n "$backup" ]; then mv -f -- "$backup" "$f"; else rm -f -- "$f"; fi
  echo "verification failed; the previous file was put back" >&2; exit 3
fi
`
    : "";
  const cleanup = `if [ -n "$backup" ]; then rm -f -- "$backup"; fi\n`;
  const onChange = contentChanged && i.onChangeCommand ? `${i.onChangeCommand}\n` : "";
  return strict(write + verify + cleanup + onChange);
}

export function fixAttributesScript(i: FileInputs): string {
  const { mode, owner, group } = defaults(i);
  return strict(script`chown -- ${`${owner}:${group}`} ${i.path}
chmod -- ${mode} ${i.path}
`);
}

export function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function wantedHash(i: FileInputs): string {
  return i.contentSha256 ?? sha256(i.content);
}

export const file: Kind<FileInputs, FileObserved> = {
  identity: ["path"],
  managed: ["content", "contentSha256", "mode", "owner", "group"],
  normalize: (i) => ({ ...i, ...defaults(i) }),
  toOutputs(i) {
    if (!i.secret) return { ...i };
    const { content: _dropped, ...rest } = i;
    return { ...rest, contentSha256: wantedHash(i) };
  },
  id: (i) => `${i.connection.host}:${i.path}`,
  validate(i) {
    const out: { property: string; reason: string }[] = [];
    if (!i.path?.startsWith("/") || i.path.includes("\0") || /\n/.test(i.path) || i.path.endsWith("/")) {
      out.push({ property: "path", reason: `must be an absolute file path without newlines, got ${JSON.stringify(i.path)}` });
    }
    if (typeof i.content !== "string" && !i.contentSha256) out.push({ property: "content", reason: "must be a string" });
    if (i.mode !== undefined && !MODE.test(i.mode)) out.push({ property: "mode", reason: `must be octal like "0644", got ${JSON.stringify(i.mode)}` });
    for (const k of ["owner", "group"] as const) {
      if (i[k] !== undefined && !NAME.test(i[k]!)) out.push({ property: k, reason: `must be a user/group name, got ${JSON.stringify(i[k])}` });
    }
    return out;
  },
  async observe(s, i) {
    return parseObserved(await s.run(`read ${i.path}`, observeScript(i.path, !i.secret)));
  },
  drifted(i, o) {
    if (!o.exists) return ["content"];
    const want = defaults(i);
    const out: string[] = [];
    if (o.sha256 !== wantedHash(i)) out.push("content");
    if (o.mode !== want.mode) out.push("mode");
    if (o.owner !== want.owner) out.push("owner");
    if (o.group !== want.group) out.push("group");
    return out;
  },
  async converge(s, i, o) {
    const d = file.drifted(i, o);
    if (d.includes("content")) await s.run(`write ${i.path}`, writeScript(i, true), i.content);
    else if (d.length) await s.run(`set owner/mode of ${i.path}`, fixAttributesScript(i));
  },
  async remove(s, i) {
    await s.run(`remove ${i.path}`, strict(script`rm -f -- ${i.path}`));
  },
  asInputs(i, o) {
    if (!o.exists) return { ...i, content: MISSING };
    const content = i.secret ? (o.sha256 === wantedHash(i) ? UNCHANGED_SECRET : CHANGED_SECRET) : (o.content ?? `(sha256 ${o.sha256})`);
    return { ...i, content, mode: o.mode, owner: o.owner, group: o.group };
  },
};
