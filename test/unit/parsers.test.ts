import { describe, expect, it } from "vitest";
import { parseDirectory } from "../../components/host/kinds/directory";
import { parseFacts } from "../../components/host/kinds/facts";
import { failures, parseHealth, redact } from "../../components/host/kinds/health";
import { parsePm2, pm2Drift } from "../../components/host/kinds/pm2";
import { step } from "../../components/host/kinds/step";
import { localSession } from "./local-session";

const connection = { host: "h", hostKey: "ssh-ed25519 AAAA" };
const home = { user: "ubuntu", home: "/home/ubuntu", pm2Bin: "/opt/pm2/bin/pm2", nodeBinDir: "/opt/node/bin" };

describe("host parsers", () => {
  it("directory", () => {
    expect(parseDirectory("directory|2750|root|adm\n")).toEqual({ exists: true, mode: "2750", owner: "root", group: "adm" });
    expect(parseDirectory("absent\n")).toEqual({ exists: false });
    expect(() => parseDirectory("regular file|644|root|root\n")).toThrow(/expected a directory, found a regular file/);
  });

  it("OS facts", () => {
    expect(parseFacts("id=debian\nversion=12\narch=x86_64\nsystemd=no\nmem=2048000\n")).toEqual({ id: "debian", version: "12", arch: "x86_64", systemd: false, memoryKiB: 2048000 });
  });

  it("PM2: apps (the worst status of their instances), daemon and the modes of ~/.pm2 and its dumps", () => {
    const o = parsePm2([
      "daemon=up",
      'inst {"app":"frontend-dev","instance":0,"status":"online"}',
      'inst {"app":"backend-dev","instance":0,"status":"online"}',
      'inst {"app":"backend-dev","instance":1,"status":"errored"}',
      "mode 700 /home/ubuntu/.pm2",
      "mode 644 /home/ubuntu/.pm2/dump.pm2",
    ].join("\n") + "\n", "/home/ubuntu");
    expect(o.apps).toEqual({ "frontend-dev": "online", "backend-dev": "errored" });
    expect(o.modes).toEqual({ ".pm2": "0700", ".pm2/dump.pm2": "0644" });
    expect(pm2Drift(["frontend-dev", "backend-dev"], o)).toEqual(["apps", "modes"]);
    expect(pm2Drift(["frontend-dev"], { daemon: true, apps: { "frontend-dev": "online" }, modes: { ".pm2": "0700" } })).toEqual([]);
    expect(parsePm2("daemon=down\n", "/home/ubuntu")).toEqual({ daemon: false, apps: {}, modes: {} });
  });

  it("health results and what failed", () => {
    const o = parseHealth('check frontend 200\ncheck api 000\ndaemon=up\ninst {"app":"backend-dev","instance":0,"status":"stopped"}\n', "/home/ubuntu");
    expect(failures({ connection, checks: [{ name: "frontend", url: "http://127.0.0.1:3001/", status: 200 }, { name: "api", url: "http://127.0.0.1:3000/api/auth/me", status: 401 }],
      pm2: { ...home, apps: ["backend-dev"] } }, o)).toEqual([
      "api: http://127.0.0.1:3000/api/auth/me answered nothing, expected 401",
      "pm2 app backend-dev is stopped",
    ]);
  });

  it("redacts credentials from log lines", () => {
    expect(redact("DB_PASSWORD=hunter2 ok\nAuthorization: Bearer abc.def\npostgres://app:pw@db/x\nAPI_KEY: \"k 1\"\nplain line")).toBe(
      "DB_PASSWORD=[redacted] ok\nAuthorization: Bearer [redacted]\npostgres://app:[redacted]@db/x\nAPI_KEY: [redacted]\nplain line",
    );
  });
});

describe("step kind against the local shell", () => {
  it("reads its check: 0 in place, 1 not, anything else an error", async () => {
    const i = { connection, title: "t", check: "exit 1", run: "true" };
    expect(await step.observe(localSession, i)).toEqual({ inPlace: false });
    expect(await step.observe(localSession, { ...i, check: "true" })).toEqual({ inPlace: true });
    await expect(step.observe(localSession, { ...i, check: "echo boom >&2; exit 2" })).rejects.toThrow('check of "t" failed (exit 2): boom');
  });

  it("keeps a secret's stdin out of outputs but compares its hash", () => {
    const n = step.normalize!({ connection, title: "t", check: "true", run: "cat", stdin: "s3cret", secret: true });
    expect(n.stdinSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(step.toOutputs!(n)).not.toHaveProperty("stdin");
    expect(step.toOutputs!(n)).toHaveProperty("stdinSha256", n.stdinSha256);
  });
});
