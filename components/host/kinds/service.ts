import { script, strict } from "../quote";
import type { BaseInputs, Kind } from "./kind";

/**
 * A service's run state on hosts with systemd (systemctl) and without (a SysV init script, and a
 * boot hook that the host's start script runs: Vast.ai instances run /root/onstart.sh).
 */
export interface ServiceInputs extends BaseInputs {
  readonly name: string;
  readonly manager: "systemd" | "initd";
  readonly running?: boolean;
  readonly enabled?: boolean;
}

export interface ServiceObserved {
  readonly running: boolean;
  readonly enabled: boolean;
}

/** Hooks in this folder are run in order at container start (see BootScript in the duel stack). */
export const BOOT_DIR = "/etc/hostform/boot.d";
const SERVICE = /^[A-Za-z0-9@_.-]+$/;
// Debian's run-parts skips hook names holding `.` or `@`, so a boot-hook service would never start.
const BOOT_SERVICE = /^[A-Za-z0-9_-]+$/;

export function observeServiceScript(i: Pick<ServiceInputs, "name" | "manager">): string {
  if (i.manager === "systemd") {
    return strict(script`u=${i.name}
if systemctl is-active --quiet -- "$u"; then echo running=yes; else echo running=no; fi
if systemctl is-enabled --quiet -- "$u" 2>/dev/null; then echo enabled=yes; else echo enabled=no; fi
`);
  }
  return strict(script`s=/etc/init.d/${i.name}
if [ ! -x "$s" ]; then echo "no init script $s" >&2; exit 4; fi
if "$s" status >/dev/null 2>&1; then echo running=yes; else echo running=no; fi
if [ -x ${BOOT_DIR}/${`50-${i.name}`} ]; then echo enabled=yes; else echo enabled=no; fi
`);
}

export function parseService(stdout: string): ServiceObserved {
  return { running: /running=yes/.test(stdout), enabled: /enabled=yes/.test(stdout) };
}

export function convergeServiceScript(i: ServiceInputs, o: ServiceObserved): string {
  const running = i.running ?? true;
  const enabled = i.enabled ?? true;
  const lines: string[] = [];
  if (i.manager === "systemd") {
    if (enabled !== o.enabled) lines.push(script`systemctl ${enabled ? "enable" : "disable"} --quiet -- ${i.name}`);
    if (running !== o.running) lines.push(script`systemctl ${running ? "start" : "stop"} -- ${i.name}`);
  } else {
    const hook = `${BOOT_DIR}/50-${i.name}`;
    if (enabled && !o.enabled) {
      lines.push(script`mkdir -p ${BOOT_DIR}`, script`printf '#!/bin/sh\\nexec /etc/init.d/%s start\\n' ${i.name} > ${hook}`, script`chmod 0755 ${hook}`);
    }
    if (!enabled && o.enabled) lines.push(script`rm -f -- ${hook}`);
    if (running !== o.running) lines.push(script`/etc/init.d/${i.name} ${running ? "start" : "stop"}`);
  }
  return strict(lines.join("\n") + "\n");
}

export const service: Kind<ServiceInputs, ServiceObserved> = {
  identity: ["name", "manager"],
  managed: ["running", "enabled"],
  normalize: (i) => ({ ...i, running: i.running ?? true, enabled: i.enabled ?? true }),
  id: (i) => `${i.connection.host}:service:${i.name}`,
  validate(i) {
    const out: { property: string; reason: string }[] = [];
    if (!SERVICE.test(i.name ?? "")) out.push({ property: "name", reason: `must be a service name, got ${JSON.stringify(i.name)}` });
    else if (i.manager !== "systemd" && !BOOT_SERVICE.test(i.name)) {
      out.push({ property: "name", reason: `must be an init.d script name of [A-Za-z0-9_-] (run-parts skips a boot hook named with "." or "@"), got ${JSON.stringify(i.name)}` });
    }
    if (i.manager !== "systemd" && i.manager !== "initd") out.push({ property: "manager", reason: `must be "systemd" or "initd" (hosts without systemd), got ${JSON.stringify(i.manager)}` });
    return out;
  },
  async observe(s, i) {
    return parseService(await s.run(`read service ${i.name}`, observeServiceScript(i)));
  },
  drifted(i, o) {
    const out: string[] = [];
    if (o.running !== (i.running ?? true)) out.push("running");
    if (o.enabled !== (i.enabled ?? true)) out.push("enabled");
    return out;
  },
  async converge(s, i, o) {
    await s.run(`converge service ${i.name}`, convergeServiceScript(i, o));
  },
  async remove(s, i) {
    // Deleting the resource stops the service and takes it out of boot; the package stays.
    const now = await service.observe(s, i);
    await s.run(`stop service ${i.name}`, convergeServiceScript({ ...i, running: false, enabled: false }, now));
  },
  asInputs(i, o) {
    return { ...i, running: o.running, enabled: o.enabled };
  },
};
