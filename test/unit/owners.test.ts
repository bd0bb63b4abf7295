import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { claimScript, narrowed, othersScript, parseOthers, releaseScript, thingsOf } from "../../components/host/owners";
import { localSession } from "./local-session";

// Issue 10 item 7: a delete leaves alone what another resource of the stack now manages.
const OLD = "hostform/prod/File/web-1-backend-env-file";
const NEW = "hostform/prod/File/web-2-backend-env-file";

describe("ownership records", () => {
  it("names what each kind manages", () => {
    expect(thingsOf("file", { path: "/etc/x" })).toEqual(["file:/etc/x"]);
    expect(thingsOf("packages", { packages: ["curl", "git"] })).toEqual(["package:curl", "package:git"]);
    expect(thingsOf("unit", { name: "pm2-ubuntu.service" })).toEqual(["unit:pm2-ubuntu.service"]);
    expect(thingsOf("health", { checks: [] })).toEqual([]);
    expect(narrowed("packages", { packages: ["curl", "git"] }, ["package:git"])).toEqual({ packages: ["git"] });
    expect(narrowed("file", { path: "/etc/x" }, [])).toBeUndefined();
  });

  it("a renamed resource's delete sees the new manager; the last manager's delete is free to act", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "hf-owners-")), "owners");
    const things = ["file:/home/ubuntu/executor/backend.env", "package:curl"];
    const others = async (owner: string | undefined) => parseOthers(await localSession.run("others", othersScript(things, owner, dir)));
    await localSession.run("claim", claimScript(things, OLD, dir));
    expect(await others(OLD)).toEqual(new Set());
    // The rename: the new resource is created (and records itself) before the old one is deleted.
    await localSession.run("claim", claimScript(things, NEW, dir));
    expect(await others(OLD)).toEqual(new Set(things));
    await localSession.run("release", releaseScript(things, OLD, dir));
    // State from before records were kept has no name: any record is another's.
    expect(await others(undefined)).toEqual(new Set(things));
    expect(await others(NEW)).toEqual(new Set());
    await localSession.run("release", releaseScript(things, NEW, dir));
    expect(readdirSync(dir)).toEqual([]);
  });
});
