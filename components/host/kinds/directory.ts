import { PATH_GUARD } from "../paths";
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
  /** Why hostform will not act on this path (a link or a foreign owner on the way). */
  readonly refused?: string;
}

const want = (i: DirectoryInputs) => ({ mode: normalizeMode(i.mode ?? "0755"), owner: i.owner ?? "root", group: i.group ?? i.owner ?? "root" });

/** The path walked without following links (paths.ts), then the directory's own stat (lstat: no link followed). */
export function observeDirectoryScript(path: string): string {
  return strict(PATH_GUARD + script`d=${path}
if ! hf_walk "$d"; then printf 'refused %s\\n' "$hf_why"; exit 0; fi
if [ "$hf_type" = absent ]; then echo absent; exit 0; fi
stat -c '%F|%a|%U|%G' -- "$d"
`);
}

export function parseDirectory(stdout: string): DirectoryObserved {
  const line = stdout.trim();
  if (line.startsWith("refused ")) return { exists: true, refused: line.slice(8) };
  if (line === "absent") return { exists: false };
  const [type, mode, owner, group] = line.split("|");
  if (type !== "directory") throw new Error(`expected a directory, found a ${type}`);
  return { exists: true, mode: normalizeMode(mode), owner, group };
}

/**
 * Created and set as whoever can write its parent: root where only root can (then chowned), the
 * app user inside the app user's tree (then it must be that user's: root does not chown there).
 */
export function ensureDirectoryScript(i: DirectoryInputs): string {
  const w = want(i);
  return strict(PATH_GUARD + script`d=${i.path}
hf_walk "$d" || hf_refuse "$d"
case "$hf_type" in absent|directory) ;; *) hf_why="it is a $hf_type, not a directory"; hf_refuse "$d" ;; esac
if [ -n "$hf_ctl" ] && [ "$hf_ctl" != ${w.owner} ]; then
  hf_why="$hf_ctl can write its parent, so hostform creates it as $hf_ctl and it must be owned by $hf_ctl (the stack says ${w.owner})"; hf_refuse "$d"
fi
hf_as ${'mkdir -p -- "$1"; chmod -- "$2" "$1"; if [ "$(id -u)" = 0 ]; then chown -- "$3:$4" "$1"; else chgrp -- "$4" "$1"; fi'} "$d" ${w.mode} ${w.owner} ${w.group}
`);
}

export function removeDirectoryScript(path: string): string {
  // Only an empty directory is removed: what others put there is not ours to delete.
  return strict(PATH_GUARD + script`d=${path}
hf_walk "$d" || hf_refuse "$d"
if [ "$hf_type" = directory ]; then hf_as ${'rmdir --ignore-fail-on-non-empty -- "$1"'} "$d"; fi
`);
}

export const directory: Kind<DirectoryInputs, DirectoryObserved> = {
  identity: ["path"],
  managed: ["mode", "owner", "group"],
  normalize: (i) => ({ ...i, ...want(i) }),
  id: (i) => `${i.connection.host}:${i.path}/`,
  validate(i) {
    const out: { property: string; reason: string }[] = [];
    // Every segment but the leading empty one must be a real name: "//", "/." and "/./" would make the walk
    // (and a chmod or chown) land on a parent, "/" itself at worst.
    if (!i.path?.startsWith("/") || /\n/.test(i.path) || i.path.slice(1).split("/").some((seg) => ["", ".", ".."].includes(seg))) {
      out.push({ property: "path", reason: `must be an absolute directory path other than /, without empty, . or .. segments and without a trailing /, got ${JSON.stringify(i.path)}` });
    }
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
    if (o.refused) return ["exists"];
    const w = want(i);
    return (["mode", "owner", "group"] as const).filter((k) => o[k] !== w[k]);
  },
  async converge(s, i, o) {
    if (o.refused) throw new Error(`hostform: refusing ${i.path}: ${o.refused}`);
    await s.run(`create directory ${i.path}`, ensureDirectoryScript(i));
  },
  async remove(s, i) {
    await s.run(`remove directory ${i.path}`, removeDirectoryScript(i.path));
  },
  asInputs(i, o) {
    if (!o.exists) return { ...i, mode: "(missing on the host)" };
    if (o.refused) return { ...i, mode: `(refused: ${o.refused})` };
    return { ...i, mode: o.mode, owner: o.owner, group: o.group };
  },
};
