/**
 * The Flatlogic VM's memory bound and the size below which a VM is warned about (runbook: OOM-Kill
 * Diagnosis, FFmpeg guardrails; seed-coverage F49, F57).
 *
 * The June 2026 incident: ffmpeg, a child of backend-dev reversing a video, reached 3.3 GiB RSS on a
 * 3.8 GiB VM. The kernel killed it, and systemd then stopped pm2-ubuntu (`Result: oom-kill`: the
 * default OOMPolicy=stop), taking frontend-dev, backend-dev, fl-telemetry and fl-executor with it.
 *
 * The bound is systemd's, on the pm2 unit, because that is what the story needs:
 * - `MemoryMax=` is a cgroup limit: the kernel counts every process under PM2, ffmpeg included, and
 *   kills inside the unit when the limit is reached, before the VM runs out: Apache, sshd and the
 *   kernel keep the rest.
 * - `OOMPolicy=continue`: such a kill takes one process (the largest, ffmpeg) and the unit keeps
 *   running, so the other apps stay up and the backend sees one failed reversal (which its circuit
 *   breaker counts) instead of all four apps stopping.
 * Not PM2's `max_memory_restart`: PM2 measures only the pid it started, every 30 s (pm2 6.0.7
 * lib/Worker.js, God.getMonitorData: pidusage of that pid). For backend-dev that is `npm`, whose node
 * and ffmpeg are children: PM2 would never see the 3.3 GiB.
 * A container host has no pm2 unit: its bound is the container's own limit (the doctor shows it).
 */
import type { MinimumMemory } from "../../blocks/base/memory";
import { checkKnownKeys, type Problems, show } from "../../blocks/validate";

export interface MemorySettings {
  /** MemoryMax of pm2-<appUser>.service: a share of the host's RAM ("80%"), a size ("3G", "3072M") or "infinity" (no bound). */
  readonly pm2MemoryMax: string;
  /** A VM whose MemTotal is below this many MiB is warned about by up, hosts check and the doctor. */
  readonly hostMinimumMiB: number;
}

/**
 * 80 %: on the incident's 3.8 GiB VM the apps get 3.0 GiB and Apache, sshd and the kernel 0.8 GiB; a
 * share follows the VM's size. 7168 MiB: an 8 GiB VM (MemTotal about 7.7 GiB) holds one 3.3 GiB
 * reversal beside the four apps (about 1.5 GiB) and the system; a 4 GiB VM, the incident's, does not.
 */
export const MEMORY_DEFAULTS: MemorySettings = { pm2MemoryMax: "80%", hostMinimumMiB: 7168 };

/** systemd's MemoryMax= forms that make sense for a whole VM's apps: 1–100 %, a size with K/M/G/T, or infinity. */
const MEMORY_MAX = /^((100|[1-9][0-9]?)%|[1-9][0-9]*[KMGT]|infinity)$/;

/** hostform:flatlogic.memory: known keys only, each checked, problems naming the key. */
export function memorySettings(value: unknown, key: string, p: Problems): MemorySettings {
  checkKnownKeys(p, key, value, Object.keys(MEMORY_DEFAULTS));
  const m = { ...MEMORY_DEFAULTS, ...(value && typeof value === "object" ? value : {}) } as MemorySettings;
  if (typeof m.pm2MemoryMax !== "string" || !MEMORY_MAX.test(m.pm2MemoryMax)) {
    p.add(`${key}.pm2MemoryMax must be a share of the host's memory like "80%", a size like "3G" or "3072M", or "infinity" (no bound), got ${show(m.pm2MemoryMax)}`);
  }
  if (!Number.isInteger(m.hostMinimumMiB) || m.hostMinimumMiB < 256 || m.hostMinimumMiB > 1_048_576) {
    p.add(`${key}.hostMinimumMiB must be a whole number of MiB from 256 to 1048576, got ${show(m.hostMinimumMiB)}`);
  }
  return { pm2MemoryMax: m.pm2MemoryMax, hostMinimumMiB: m.hostMinimumMiB };
}

/** What up, hosts check and the doctor compare a Flatlogic VM's MemTotal with. */
export function flatlogicMinimumMemory(m: MemorySettings): MinimumMemory {
  return {
    mib: m.hostMinimumMiB,
    key: "hostform:flatlogic.memory.hostMinimumMiB",
    why: "the June 2026 OOM kill was ffmpeg at 3.3 GiB on a 3.8 GiB VM; treat large source videos as risky here (runbook, FFmpeg guardrails), or give the VM more memory",
  };
}
