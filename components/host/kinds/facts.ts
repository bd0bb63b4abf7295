import { strict } from "../quote";
import type { BaseInputs, Kind } from "./kind";

/** OS facts, read in one exec; a host outside the supported list fails before anything is changed. */
export interface FactsInputs extends BaseInputs {
  /** os-release IDs hostform supports on this host. */
  readonly supported?: readonly string[];
  /** Managed: "supported" in the code. */
  readonly os?: string;
}

export interface Facts {
  readonly id: string;
  readonly version: string;
  readonly arch: string;
  readonly systemd: boolean;
  readonly memoryKiB: number;
}

export const FACTS_SCRIPT = strict(`. /etc/os-release
echo "id=\${ID:-unknown}"
echo "version=\${VERSION_ID:-}"
echo "arch=$(uname -m)"
if [ -d /run/systemd/system ]; then echo systemd=yes; else echo systemd=no; fi
echo "mem=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)"
`);

export function parseFacts(stdout: string): Facts {
  const kv = Object.fromEntries(stdout.split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  return { id: kv.id ?? "unknown", version: kv.version ?? "", arch: kv.arch ?? "", systemd: kv.systemd === "yes", memoryKiB: Number(kv.mem ?? 0) };
}

const supportedOf = (i: FactsInputs) => i.supported ?? ["debian", "ubuntu"];

export const facts: Kind<FactsInputs, Facts> = {
  identity: [],
  managed: ["os"],
  normalize: (i) => ({ ...i, os: "supported" }),
  id: (i) => `${i.connection.host}:facts`,
  validate: () => [],
  async observe(s) {
    return parseFacts(await s.run("read OS facts", FACTS_SCRIPT));
  },
  drifted: (i, o) => (supportedOf(i).includes(o.id) ? [] : ["os"]),
  async converge(_s, i, o) {
    if (facts.drifted(i, o).length === 0) return;
    throw new Error(`${i.connection.host} runs ${o.id} ${o.version}; hostform supports ${supportedOf(i).join(", ")} here`);
  },
  async remove() {},
  asInputs: (i, o) => ({ ...i, os: `${o.id} ${o.version}` }),
};
