import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { convergeUnitScript, parseUnit, unit, UNIT_STATE_FN } from "../../components/host/kinds/unit";
import { convergeServiceScript, parseService } from "../../components/host/kinds/service";
import { parsePackages, packages } from "../../components/host/kinds/packages";

const connection = { host: "h", hostKey: "ssh-ed25519 AAAA" };

describe("systemd unit kind", () => {
  it("parses enabled/active and the unit text", () => {
    const o = parseUnit(`enabled=enabled\nactive=active\nsha256=${"b".repeat(64)}\ncontent=${Buffer.from("[Unit]\n").toString("base64")}\n`);
    expect(o).toEqual({ exists: true, sha256: "b".repeat(64), content: "[Unit]\n", enabled: true, active: true });
    expect(parseUnit("enabled=disabled\nactive=inactive\n")).toEqual({ exists: false, enabled: false, active: false });
    // Crash-looping: between its crashes a unit waits in "activating (auto-restart)", which is not running.
    expect(parseUnit("enabled=enabled\nactive=activating\nsub=auto-restart\n").active).toBe(false);
    expect(parseUnit("enabled=enabled\nactive=activating\nsub=start\n").active).toBe(true);
    expect(parseUnit("enabled=enabled\nactive=failed\nsub=failed\n").active).toBe(false);
  });

  it("renders check-then-act: daemon-reload only inside the text-changed branch", () => {
    const s = convergeUnitScript({ connection, name: "pm2-ubuntu.service", content: "[Unit]\n" });
    expect(s).toBe(`set -euo pipefail
u=pm2-ubuntu.service; f=/etc/systemd/system/pm2-ubuntu.service
changed=no
if [ ! -e "$f" ] || [ "$(sha256sum < "$f" | cut -c1-64)" != ae6c63cff33bcfa3b6a2d6d0c9dd19521dedaa351146b1a642d2bfc9cf5a1e1f ]; then
  tmp=$(mktemp -- /etc/systemd/system/.hostform.XXXXXX); trap 'rm -f -- "$tmp"' EXIT
  cat > "$tmp"
  if [ "$(sha256sum < "$tmp" | cut -c1-64)" != ae6c63cff33bcfa3b6a2d6d0c9dd19521dedaa351146b1a642d2bfc9cf5a1e1f ]; then echo "the unit file $f arrived incomplete (its sha256 differs): left as it was. Run up again." >&2; exit 4; fi
  chmod 0644 "$tmp"; mv -f -- "$tmp" "$f"; trap - EXIT
  systemctl daemon-reload
  changed=yes
fi
if ! systemctl is-enabled --quiet -- "$u"; then systemctl enable --quiet -- "$u"; fi
${UNIT_STATE_FN}if [ "$(unit_state)" != active ]; then systemctl reset-failed -- "$u" 2>/dev/null || :; systemctl start -- "$u"; elif [ "$changed" = yes ]; then systemctl restart -- "$u"; fi
`);
  });

  describe("unit_state, run with a stand-in systemctl", () => {
    // The stand-in answers from files: is-active from "state", NRestarts from "restarts" (each
    // read after the first adds "bump" to it: systemd restarting the unit meanwhile) and
    // ActiveEnterTimestampMonotonic from "entered", in microseconds like /proc/uptime * 10^6.
    const dir = mkdtempSync(path.join(tmpdir(), "hf-unit-state-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, "systemctl"), `#!/bin/bash
d=${JSON.stringify(dir)}
echo "$*" >> "$d/calls"
case "$1 $2 $3" in
  "is-active -- "*) cat "$d/state" ;;
  "show -p NRestarts") n=$(cat "$d/restarts"); [ -e "$d/read" ] && n=$((n + $(cat "$d/bump"))); touch "$d/read"; echo "$n" ;;
  "show -p ActiveEnterTimestampMonotonic") cat "$d/entered" ;;
esac
`);
    chmodSync(path.join(dir, "systemctl"), 0o755);
    const uptimeMicros = () => Math.round(Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]) * 1e6);
    const state = (o: { state: string; restarts: number; bump?: number; enteredAgoMs: number }) => {
      rmSync(path.join(dir, "read"), { force: true });
      rmSync(path.join(dir, "calls"), { force: true });
      writeFileSync(path.join(dir, "state"), `${o.state}\n`);
      writeFileSync(path.join(dir, "restarts"), `${o.restarts}\n`);
      writeFileSync(path.join(dir, "bump"), `${o.bump ?? 0}\n`);
      writeFileSync(path.join(dir, "entered"), `${uptimeMicros() - o.enteredAgoMs * 1000}\n`);
      const out = execFileSync("bash", ["-c", `set -euo pipefail\nu=x.service\n${UNIT_STATE_FN}unit_state`], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } }).toString();
      const calls = readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");
      return { out: out.trim(), isActiveCalls: calls.filter((c) => c.startsWith("is-active")).length };
    };

    it("a unit that never restarted, or has been up for 2 s, is read once", () => {
      expect(state({ state: "active", restarts: 0, enteredAgoMs: 10 })).toEqual({ out: "active", isActiveCalls: 1 });
      expect(state({ state: "active", restarts: 7, enteredAgoMs: 5000 })).toEqual({ out: "active", isActiveCalls: 1 });
      expect(state({ state: "activating", restarts: 7, enteredAgoMs: 10 })).toEqual({ out: "activating", isActiveCalls: 1 });
    });

    it("just restarted by systemd: looked at again; restarted once more meanwhile, it is crash-looping", () => {
      expect(state({ state: "active", restarts: 3, bump: 1, enteredAgoMs: 10 })).toEqual({ out: "crash-looping", isActiveCalls: 2 });
      expect(state({ state: "active", restarts: 3, bump: 0, enteredAgoMs: 10 })).toEqual({ out: "active", isActiveCalls: 2 });
      expect(parseUnit("enabled=enabled\nactive=crash-looping\nsub=running\n").active).toBe(false);
    });
  });

  it("reports each drifted property", () => {
    const i = { connection, name: "x.service", content: "[Unit]\n", enabled: true, active: true };
    expect(unit.drifted(i, { exists: true, sha256: "0", enabled: false, active: false })).toEqual(["content", "enabled", "active"]);
  });
});

describe("service kind", () => {
  it("only issues the commands that close the gap", () => {
    const i = { connection, name: "apache2", manager: "systemd" as const };
    expect(convergeServiceScript(i, { running: false, enabled: true })).toBe("set -euo pipefail\nsystemctl start -- apache2\n");
    expect(convergeServiceScript(i, { running: true, enabled: true })).toBe("set -euo pipefail\n\n");
    expect(convergeServiceScript({ ...i, manager: "initd" }, { running: true, enabled: false })).toBe(
      "set -euo pipefail\nmkdir -p /etc/hostform/boot.d\nprintf '#!/bin/sh\\nexec /etc/init.d/%s start\\n' apache2 > /etc/hostform/boot.d/50-apache2\nchmod 0755 /etc/hostform/boot.d/50-apache2\n",
    );
    expect(parseService("running=no\nenabled=yes\n")).toEqual({ running: false, enabled: true });
  });
});

describe("apt packages kind", () => {
  it("reads installed packages and reports what is missing", () => {
    const o = parsePackages("curl\ngit\n", ["git", "curl", "apache2"]);
    expect(o).toEqual({ installed: ["curl", "git"] });
    expect(packages.drifted({ connection, packages: ["git", "curl", "apache2"] }, o)).toEqual(["packages"]);
    expect(packages.validate({ connection, packages: ["ok-pkg", "bad;rm"] })).toEqual([{ property: "packages", reason: 'not Debian package names: "bad;rm"' }]);
  });
});
