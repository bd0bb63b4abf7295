import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { maskKnown, redact } from "../../components/host/kinds/health";
import { parseDoctorArgs } from "../../scripts/doctor/args";
import { formatJson, formatTable, hostReport, report } from "../../scripts/doctor/format";
import { secretValues } from "../../scripts/doctor/stack";
import { rawConfigOf } from "../../scripts/hosts/stack";

const flat = { host: "flatlogic-1", role: "flatlogic", flavor: "systemd", address: "203.0.113.10" } as const;
const duel = { host: "duel-1", role: "duel", flavor: "container", address: "203.0.113.20" } as const;
const sample = report("prod", [
  hostReport(flat, [
    { check: "disk /", status: "ok", evidence: ["space 48% used (18.6 GiB of 39.1 GiB, 20.5 GiB free)", "inodes 12% used (300000 of 2600000)"] },
    {
      check: "pm2", status: "fail", evidence: ["the PM2 daemon of ubuntu is not running (no live pid in /home/ubuntu/.pm2/pm2.pid): no app runs"],
      remedy: { say: "PM2 did not restore or was stopped. Restart it.", run: ["sudo systemctl reset-failed pm2-ubuntu", "sudo systemctl restart pm2-ubuntu"], from: "seeds/001" },
    },
  ]),
  hostReport(duel, [
    { check: "gpu", status: "warn", evidence: ["nvidia-smi is not installed"], remedy: { say: "Check the driver.", run: ["nvidia-smi"], from: "seeds/000" } },
  ]),
]);

describe("doctor: the report", () => {
  it("exit status: the worst check of any host (0 ok, 1 warn, 2 fail)", () => {
    expect([sample.status, sample.exitCode, sample.hosts.map((h) => h.status)]).toEqual(["fail", 2, ["fail", "warn"]]);
    expect(report("s", [hostReport(duel, [{ check: "oom", status: "warn", evidence: [] }])]).exitCode).toBe(1);
    expect(report("s", [hostReport(duel, [{ check: "oom", status: "ok", evidence: [] }])]).exitCode).toBe(0);
  });

  it("a table for people: one row per check, evidence below, the remedy of what is not ok", () => {
    expect(formatTable(sample, { color: false })).toBe(`flatlogic-1  flatlogic · systemd · 203.0.113.10  FAIL (1 fail, 1 ok)
  ok    disk /  space 48% used (18.6 GiB of 39.1 GiB, 20.5 GiB free)
                inodes 12% used (300000 of 2600000)
  FAIL  pm2     the PM2 daemon of ubuntu is not running (no live pid in /home/ubuntu/.pm2/pm2.pid): no app runs
                remedy: PM2 did not restore or was stopped. Restart it. (seeds/001)
                  sudo systemctl reset-failed pm2-ubuntu
                  sudo systemctl restart pm2-ubuntu

duel-1  duel · container · 203.0.113.20  WARN (1 warn)
  WARN  gpu  nvidia-smi is not installed
             remedy: Check the driver. (seeds/000)
               nvidia-smi

doctor: stack prod, 2 hosts: 1 fail, 1 warn, 1 ok (exit 2)
`);
  });

  it("colours the statuses and host names only when asked (a terminal)", () => {
    const ok = report("dev", [hostReport(flat, [{ check: "oom", status: "ok", evidence: ["no OOM kill since boot (kernel log, /proc/vmstat)"] }])]);
    expect(formatTable(ok, { color: true })).toBe(`\x1b[1mflatlogic-1\x1b[0m  flatlogic · systemd · 203.0.113.10  \x1b[32mok  \x1b[0m (1 ok)
  \x1b[32mok  \x1b[0m  oom  no OOM kill since boot (kernel log, /proc/vmstat)

doctor: stack dev, 1 host: all ok (exit 0)
`);
    expect(formatTable(ok, { color: false })).not.toContain("\x1b");
  });

  it("JSON for machines: the same report", () => {
    expect(JSON.parse(formatJson(sample))).toEqual({
      stack: "prod", status: "fail", exitCode: 2,
      hosts: [
        { ...flat, status: "fail", checks: sample.hosts[0].checks },
        { ...duel, status: "warn", checks: [{ check: "gpu", status: "warn", evidence: ["nvidia-smi is not installed"], remedy: { say: "Check the driver.", run: ["nvidia-smi"], from: "seeds/000" } }] },
      ],
    });
  });
});

describe("doctor: command line and stack config", () => {
  it("parses --stack, --host (repeatable), --json and --config-file; refuses the rest", () => {
    expect(parseDoctorArgs(["--stack", "prod", "--host", "a", "--host=b", "--json", "--config-file", "/c.yaml"])).toEqual({ args: { stack: "prod", hosts: ["a", "b"], json: true, configFile: "/c.yaml" } });
    expect(parseDoctorArgs(["-s", "dev"])).toEqual({ args: { stack: "dev", hosts: [], json: false } });
    expect(parseDoctorArgs(["--stack=dev", "--fix"])).toEqual({ error: "unknown flag --fix" });
    expect(parseDoctorArgs(["--json"])).toEqual({ error: "--stack is required" });
    expect(parseDoctorArgs(["--stack"])).toEqual({ error: "--stack needs a value" });
    expect(parseDoctorArgs(["--stack", "x", "--help"])).toEqual({ help: true });
  });

  it("reads the CLI's config JSON as pulumi.Config would, and collects every secret value", () => {
    // A key made now, so that no key text is committed; its PEM spans lines as a real one does.
    const sshKey = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString().trim();
    expect(sshKey.split("\n").length).toBeGreaterThan(2);
    const json = {
      "hostform:hosts": { value: '[{"name":"web"}]', objectValue: [{ name: "web" }], secret: false },
      "hostform:flatlogicBackendEnv": { value: '{"DB_URL":"postgres://app:p%40ss-word@db/x","JWT_SECRET":"jwt-abcdef","POOL":"20"}', secret: true },
      "hostform:sshPrivateKey": { value: sshKey, secret: true },
      "hostform:duelSecretsFile": { value: ".state/x.json", secret: false },
    };
    expect(rawConfigOf(json).get("hosts")).toBe('[{"name":"web"}]');
    expect(rawConfigOf(json).get("missing")).toBeUndefined();
    expect(secretValues(json, ['{"ADMIN_CODE":"admin-123456"}', undefined])).toEqual([
      '{"DB_URL":"postgres://app:p%40ss-word@db/x","JWT_SECRET":"jwt-abcdef","POOL":"20"}',
      "postgres://app:p%40ss-word@db/x", "p%40ss-word", "p@ss-word", "jwt-abcdef",
      sshKey,
      '{"ADMIN_CODE":"admin-123456"}', "admin-123456",
    ]);
  });

  it("masks known secret values wherever they appear, the longest first, before the credential patterns", () => {
    expect(maskKnown("token abc-123 and abc-1234 and x", ["abc-123", "abc-1234"])).toBe("token [redacted] and [redacted] and x");
    expect(redact("pass a b; PASSWORD=a b", ["a b"])).toBe("pass [redacted]; PASSWORD=[redacted]");
    expect(redact("keys: DATABASE_URL")).toBe("keys: [redacted]");
  });
});
