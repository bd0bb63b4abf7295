/**
 * The path guard and the File and Directory kinds against the local filesystem, with a real
 * unprivileged user (`nobody`) in the role of the app user: links it plants are reported and never
 * followed, what lies in its directories is written as it, and root's own links are followed.
 * Needs root (as the host scripts do, and as CI runs).
 */
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { directory } from "../../components/host/kinds/directory";
import { file, type FileInputs, writeInput, writeScript } from "../../components/host/kinds/file";
import { PATH_GUARD } from "../../components/host/paths";
import { script } from "../../components/host/quote";
import { localSession } from "./local-session";

const connection = { host: "h", hostKey: "ssh-ed25519 AAAA" };
const NOBODY = 65534;

let root: string;
let home: string;
let decoy: string;

/** The state of the decoy tree (what a followed link would change): names, owners, modes, contents. */
const fingerprint = () => localSession.run("fingerprint", `cd '${decoy}' && find . -printf '%p %U %G %m %y\\n' | sort && cat victim`);

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "hf-guard-"));
  chmodSync(root, 0o755);
  home = join(root, "home");
  mkdirSync(home);
  chownSync(home, NOBODY, NOBODY);
  decoy = join(root, "etc");
  mkdirSync(decoy);
  writeFileSync(join(decoy, "victim"), "root's file\n", { mode: 0o644 });
});

async function walk(path: string): Promise<string> {
  return localSession.run("walk", PATH_GUARD + script`if hf_walk ${path}; then echo "ok ctl=$hf_ctl type=$hf_type"; else echo "refused: $hf_why"; fi`);
}

describe("hf_walk", () => {
  it("names who can write along a path, and where it ends", async () => {
    expect(await walk(join(home, "a", "b"))).toBe("ok ctl=nobody type=absent\n");
    expect(await walk(join(decoy, "victim"))).toBe("ok ctl= type=regular file\n");
    expect(await walk(home)).toBe("ok ctl= type=directory\n");
  });

  it("refuses a link the app user planted, saying where it points", async () => {
    symlinkSync(decoy, join(home, "executor"));
    lchown(join(home, "executor"));
    const out = await walk(join(home, "executor", "backend.env"));
    expect(out).toBe(`refused: ${home}/executor is a symbolic link (to ${decoy}, owned by nobody) in a directory that nobody can write: hostform does not follow it; remove the link (put the real file or directory back) and run up again\n`);
  });

  it("refuses a link at the end of the path, and a foreign owner inside the user's tree", async () => {
    symlinkSync(join(decoy, "victim"), join(home, "ecosystem.config.js"));
    expect(await walk(join(home, "ecosystem.config.js"))).toMatch(/^refused: .*ecosystem\.config\.js is a symbolic link \(to .*victim/);
    mkdirSync(join(home, "d"));
    chownSync(join(home, "d"), 1, 1);
    expect(await walk(join(home, "d", "f"))).toMatch(/d is owned by daemon, inside a directory that nobody can write/);
  });

  it("follows root's own link in a directory only root writes (like /var/run → /run)", async () => {
    symlinkSync(decoy, join(root, "run"));
    expect(await walk(join(root, "run", "victim"))).toBe("ok ctl= type=regular file\n");
  });

  it("follows a relative link of root's one hop at a time, .. against the link's own directory", async () => {
    symlinkSync("etc", join(root, "run"));
    expect(await walk(join(root, "run", "victim"))).toBe("ok ctl= type=regular file\n");
    mkdirSync(join(root, "lib"));
    symlinkSync(`../../${basename(root)}/etc`, join(root, "lib", "up"));
    expect(await walk(join(root, "lib", "up", "victim"))).toBe("ok ctl= type=regular file\n");
    expect(await walk(`${root}/lib/../etc`)).toBe(`refused: ${root}/lib/../etc has a .. component\n`);
  });

  it("a root link into the app user's tree: the walk enters its tree, and a link it swaps in later is refused (review P8)", async () => {
    const only = join(root, "root-only");
    mkdirSync(only, { mode: 0o700 });
    writeFileSync(join(only, "keep"), "root's\n", { mode: 0o600 });
    const app = join(home, "app");
    mkdirSync(app);
    chownSync(app, NOBODY, NOBODY);
    const srv = join(root, "srvlink");
    symlinkSync(app, srv);
    expect(await walk(join(srv, "target"))).toBe("ok ctl=nobody type=absent\n");
    // The user replaces its directory with a link to root's (it can: home is its own).
    await localSession.run("swap", `runuser -u nobody -- sh -c 'rmdir "$1" && ln -s "$2" "$1"' sh '${app}' '${only}'`);
    expect(lstatSync(app).isSymbolicLink()).toBe(true);
    expect(await walk(join(srv, "target"))).toBe(`refused: ${app} is a symbolic link (to ${only}, owned by nobody) in a directory that nobody can write: hostform does not follow it; remove the link (put the real file or directory back) and run up again\n`);
    const listing = () => localSession.run("list", `cd '${only}' && find . -printf '%p %U %m\\n' | sort`);
    const before = await listing();
    const i = inputs(join(srv, "target"), { secret: true });
    await expect(localSession.run("write", writeScript(i, true), writeInput(i.content))).rejects.toThrow(/exit 6\): hostform: refusing .*srvlink\/target: .*app is a symbolic link/);
    expect(await listing()).toBe(before);
  });

  it("refuses directories a group or everyone can write without the sticky bit; a sticky one is fine", async () => {
    const open = join(root, "open");
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(await walk(join(open, "f"))).toMatch(/can be written by everyone \(mode 777, no sticky bit\)/);
    chmodSync(open, 0o1777);
    expect(await walk(join(open, "f"))).toBe("ok ctl= type=absent\n");
  });
});

function lchown(path: string): void {
  localSession.exec(`chown -h nobody:nogroup '${path}'`);
}

const inputs = (path: string, extra: Partial<FileInputs> = {}): FileInputs => ({ connection, path, content: "TOKEN=s3cr3t\n", owner: "nobody", group: "nogroup", ...extra });

describe("file kind where the app user can write", () => {
  it("writes as the app user: the file is its own, 0600 for a secret", async () => {
    const i = inputs(join(home, "executor", "backend.env"), { secret: true });
    await file.converge(localSession, i, await file.observe(localSession, i), false);
    const st = statSync(i.path);
    expect([st.uid, st.mode & 0o777, readFileSync(i.path, "utf8")]).toEqual([NOBODY, 0o600, "TOKEN=s3cr3t\n"]);
    expect(statSync(join(home, "executor")).uid).toBe(NOBODY);
    expect(file.drifted(i, await file.observe(localSession, i))).toEqual([]);
  });

  it("a planted directory link: observed as refused, converge refuses clearly, nothing outside changes", async () => {
    symlinkSync(decoy, join(home, "executor"));
    lchown(join(home, "executor"));
    const before = await fingerprint();
    const i = inputs(join(home, "executor", "victim"));
    const o = await file.observe(localSession, i);
    expect(o.refused).toMatch(/executor is a symbolic link/);
    expect(file.drifted(i, o)).toEqual(["content"]);
    expect(file.asInputs(i, o).content).toMatch(/^\(refused: .*executor is a symbolic link/);
    await expect(file.converge(localSession, i, o, false)).rejects.toThrow(/refusing .*executor\/victim: .*executor is a symbolic link/);
    // Even when the observation missed it (the link came later), the write itself refuses.
    await expect(localSession.run("write", writeScript(i, true), writeInput(i.content))).rejects.toThrow(/exit 6\): hostform: refusing/);
    await expect(file.remove(localSession, i, undefined)).rejects.toThrow(/symbolic link/);
    expect(await fingerprint()).toBe(before);
  });

  it("a planted file link is not written through", async () => {
    symlinkSync(join(decoy, "victim"), join(home, "ecosystem.config.js"));
    lchown(join(home, "ecosystem.config.js"));
    const before = await fingerprint();
    const i = inputs(join(home, "ecosystem.config.js"));
    await expect(localSession.run("write", writeScript(i, true), writeInput(i.content))).rejects.toThrow(/ecosystem\.config\.js is a symbolic link/);
    expect(await fingerprint()).toBe(before);
    expect(lstatSync(i.path).isSymbolicLink()).toBe(true);
  });

  it("refuses a root-owned file where the app user could swap it, and a verify command there", async () => {
    const i = inputs(join(home, "root.conf"), { owner: "root", group: "root" });
    await expect(localSession.run("write", writeScript(i, true), writeInput(i.content))).rejects.toThrow(/nobody can write its directory, so hostform writes it as nobody and it must be owned by nobody \(the stack says root\)/);
    const v = inputs(join(home, "site.conf"), { verifyCommand: "true" });
    await expect(localSession.run("write", writeScript(v, true), writeInput(v.content))).rejects.toThrow(/a verify command needs a directory only root can write/);
  });

  it("a content that arrives cut short is never moved into place", async () => {
    const path = join(decoy, "victim");
    const i: FileInputs = { connection, path, content: "the whole new content\n" };
    const cut = writeInput(i.content).slice(0, -6);
    await expect(localSession.run("write", writeScript(i, true), cut)).rejects.toThrow(/the content arrived incomplete .*was left as it was/);
    expect(readFileSync(path, "utf8")).toBe("root's file\n");
    expect((await localSession.run("ls", `ls -A '${decoy}'`)).trim()).toBe("victim");
  });
});

describe("directory kind where the app user can write", () => {
  it("creates it as the app user; a planted link is refused", async () => {
    const d = { connection, path: join(home, "releases"), mode: "0750", owner: "nobody", group: "nogroup" };
    await directory.converge(localSession, d, await directory.observe(localSession, d), false);
    expect([statSync(d.path).uid, statSync(d.path).mode & 0o777]).toEqual([NOBODY, 0o750]);
    symlinkSync(decoy, join(home, "cache"));
    lchown(join(home, "cache"));
    const before = await fingerprint();
    const l = { ...d, path: join(home, "cache", "sub") };
    const o = await directory.observe(localSession, l);
    expect(o.refused).toMatch(/cache is a symbolic link/);
    await expect(directory.converge(localSession, l, o, false)).rejects.toThrow(/refusing .*cache\/sub/);
    expect(await fingerprint()).toBe(before);
  });
});
