/**
 * A downed host's directory is renamed into the sandbox's trash at once and deleted by a detached
 * rm (scripts/sandbox/trash.ts), with any entry an earlier rm left behind.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ABANDONED_MS, abandoned, discard } from "../../scripts/sandbox/trash";

const root = mkdtempSync(path.join(tmpdir(), "hostform-trash-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A directory of `files` files in nested folders, like a host's overlay layer. */
function tree(dir: string, files = 200): void {
  for (let i = 0; i < files; i++) {
    const sub = path.join(dir, `d${i % 10}`, `e${i % 7}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(path.join(sub, `f${i}`), "x".repeat(100));
  }
}

async function gone(p: string, ms = 10_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (!existsSync(p)) return true;
  return !existsSync(p);
}

describe("sandbox trash", () => {
  it("moves the directory away before it returns, then deletes it in the background", async () => {
    const hosts = path.join(root, "a", "hosts");
    const trash = path.join(root, "a", "trash");
    tree(path.join(hosts, "h1"));
    discard(path.join(hosts, "h1"), trash, 1_796_000_000_000);
    expect(existsSync(path.join(hosts, "h1"))).toBe(false);
    expect(await gone(path.join(trash, `h1.1796000000000.${process.pid}`))).toBe(true);
    expect(readdirSync(trash)).toEqual([]);
  });

  it("deletes the entries an earlier rm left behind once they are older than ABANDONED_MS, and nothing else", async () => {
    const trash = path.join(root, "b", "trash");
    const now = 1_796_000_000_000;
    const old = path.join(trash, `h2.${now - ABANDONED_MS - 1}.4242`);
    const recent = path.join(trash, `h3.${now - 1000}.4243`);
    const other = path.join(trash, "not-an-entry");
    for (const d of [old, recent, other]) tree(d, 20);
    expect(abandoned(trash, now)).toEqual([old]);
    tree(path.join(root, "b", "hosts", "h4"), 20);
    discard(path.join(root, "b", "hosts", "h4"), trash, now);
    expect(await gone(old)).toBe(true);
    expect(await gone(path.join(trash, `h4.${now}.${process.pid}`))).toBe(true);
    expect(readdirSync(trash).sort()).toEqual([path.basename(recent), "not-an-entry"]);
  });

  it("does nothing for a directory that is not there", () => {
    const trash = path.join(root, "c", "trash");
    discard(path.join(root, "c", "hosts", "none"), trash);
    expect(existsSync(trash)).toBe(false);
  });
});
