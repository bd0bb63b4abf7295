import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { formatDrift, parseDrift } from "../../scripts/drift-report";

// Recorded from a real `preview --refresh --diff` after drift was injected on a sandbox host.
const recorded = readFileSync(path.join(__dirname, "../fixtures/drift-preview.txt"), "utf8");

describe("drift report", () => {
  it("lists each drifted resource per host with the properties that differ", () => {
    expect(formatDrift(parseDrift(recorded))).toBe(`hostform: drift on 1 host (npm run up -- --stack <stack> repairs it):
  10.231.10.2
    apt:cron,tree: update (packages)
    unit:hostform-test.service: update (active, enabled)
    service:cron: update (running)
    /srv/hostform-test/other.txt: update (content)
    /srv/hostform-test/plain.conf: update (content, mode, owner)`);
  });

  it("says so when nothing drifted", () => {
    expect(formatDrift(parseDrift("Previewing update (dev):\nResources:\n    3 unchanged\n"))).toBe("hostform: no drift: every host matches the code");
  });
});
