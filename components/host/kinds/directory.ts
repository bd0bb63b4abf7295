import { script, strict } from "../quote";
import { type BaseInputs, type Kind, MODE, NAME, normalizeMode } from "./kind";

export interface DirectoryInputs extends BaseInputs {
  readonly path: string;
  readonly mode?: string;
  readonly owner?: string;
  readonly group?: string;
}

export interface DirectoryObserved {
  readonly exists: boolean;
  readonly mode?: string;
  readonly owner?: string;
  readonly group?: string;
}

const want = (i: DirectoryInputs) => ({ mode: normalizeMode(i.mode ?? "0755"), owner: i.owner ?? "root", group: i.group ?? i.owner ?? "root" });

export function observeDirectoryScript(path: string): string {
  return strict(script`d=${path}
if [ ! -e "$d" ]; then echo absent; exit 0; fi
stat -c '%F|%a|%U|%G' -- "$d"
`);
}

export function parseDirectory(stdout: string): DirectoryObserved {
  const line = stdout.trim();
  if (line === "absent") return { exists: false };
  const [type, mode, owner, group] = line.split("|");
  if (type !== "directory") throw new Error(`expected a directory, found a ${type}`);
  return { exists: true, mode: normalizeMode(mode), owner, group };
}

export function ensureDirectoryScript(i: DirectoryInputs): string {
  const w = want(i);
  return strict(script`mkdir -p -- ${i.path}
chown -- ${`${w.owner}:${w.group}`} ${i.path}
chmod -- ${w.mode} ${i.path}
`);
}

export const directory: Kind<DirectoryInputs, DirectoryObserved> = {
  identity: ["path"],
  managed: ["mode", "owner", "group"],
  normalize: (i) => ({ ...i, ...want(i) }),
  id: (i) => `${i.connection.host}:${i.path}/`,
  validate(i) {
    const out: { property: string; reason: string }[] = [];
    if (!i.path?.startsWith("/") || /\n/.test(i.path) || i.path === "/") out.push({ property: "path", reason: `must be an absolute directory path other than /, got ${JSON.stringify(i.path)}` });
    if (i.mode !== undefined && !MODE.test(i.mode)) out.push({ property: "mode", reason: `must be octal like "0755", got ${JSON.stringify(i.mode)}` });
    for (const k of ["owner", "group"] as const) {
      if (i[k] !== undefined && !NAME.test(i[k]!)) out.push({ property: k, reason: `must be a user/group name, got ${JSON.stringify(i[k])}` });
    }
    return out;
  },
  async observe(s, i) {
    return parseDirectory(await s.run(`read ${i.path}`, observeDirectoryScript(i.path)));
  },
  drifted(i, o) {
    if (!o.exists) return ["exists"];
    const w = want(i);
    return (["mode", "owner", "group"] as const).filter((k) => o[k] !== w[k]);
  },
  async converge(s, i) {
    await s.run(`create directory ${i.path}`, ensureDirectoryScript(i));
  },
  async remove(s, i) {
    // Only an empty directory is removed: what others put there is not ours to delete.
    await s.run(`remove directory ${i.path}`, strict(script`if [ -d ${i.path} ]; then rmdir --ignore-fail-on-non-empty -- ${i.path}; fi`));
  },
  asInputs(i, o) {
    if (!o.exists) return { ...i, mode: "(missing on the host)" };
    return { ...i, mode: o.mode, owner: o.owner, group: o.group };
  },
};
