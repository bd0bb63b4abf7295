import { describe, expect, it } from "vitest";
import { buildReport, type PreviewDigest, type PreviewStep, propChanges, SECRET } from "../../scripts/preview-model";

// Issue 10 changed what hostform keeps: keyed hashes (contentHmac, stdinHmac, observed.hmac), a
// secret hashKey, who manages a resource (managedBy) and what Health masks (secretValues). A PR
// comment shows none of them, and still sees a secret change through the keyed hashes.
const URN = "urn:pulumi:prod::hostform::pulumi-nodejs:dynamic/host:";
const connection = { host: "10.0.0.1", hostKey: "ssh-ed25519 AAAA" };

function step(op: string, kind: string, name: string, inputs: { old?: Record<string, unknown>; new?: Record<string, unknown> }, observed?: { old?: unknown; new?: unknown }): PreviewStep {
  const urn = `${URN}${kind}::${name}`;
  const state = (i: Record<string, unknown> | undefined, o: unknown) => (i ? { urn, type: `pulumi-nodejs:dynamic/host:${kind}`, inputs: { connection, ...i }, outputs: { observed: o } } : undefined);
  return { op, urn, oldState: state(inputs.old, observed?.old), newState: state(inputs.new, observed?.new) };
}
const digest = (...steps: PreviewStep[]): PreviewDigest => ({ steps });

describe("preview comments with keyed hashes", () => {
  it("never show the keyed hashes, the key, the manager or the masked values", () => {
    const after = { title: "db", stdin: "[secret]", secret: true, stdinHmac: "ab".repeat(32), hashKey: "[secret]", managedBy: "hostform/prod/Step/db", secretValues: "[secret]" };
    expect(propChanges(undefined, after, true)).toEqual([{ key: "title", after: "db" }]);
  });

  it("a secret step whose stdin changed shows as a secret change, found through stdinHmac", () => {
    const base = { title: "db", stdin: "[secret]", secret: true, hashKey: "[secret]", managedBy: "m" };
    const changed = step("update", "Step", "db", { old: { ...base, stdinHmac: "aa" }, new: { ...base, stdinHmac: "bb" } });
    const same = step("update", "Step", "db", { old: { ...base, stdinHmac: "aa" }, new: { ...base, stdinHmac: "aa", title: "db2" } });
    expect(buildReport("prod", digest(changed), digest(changed)).changes[0].intentional).toEqual([{ key: "stdin", before: SECRET, after: SECRET }]);
    expect(buildReport("prod", digest(same), digest(same)).changes[0].intentional).toEqual([{ key: "title", before: "db", after: "db2" }]);
  });

  it("a secret file changed on the host is found through its observed keyed hash", () => {
    const inputs = { path: "/etc/app.env", content: "[secret]", secret: true };
    const deployed = step("same", "File", "env", { old: inputs, new: inputs }, { old: { exists: true, hmac: "aa" } });
    const live = step("update", "File", "env", { old: inputs, new: inputs }, { old: { exists: true, hmac: "bb" } });
    expect(buildReport("prod", digest(deployed), digest(live)).changes[0].corrective).toEqual([{ key: "content", before: SECRET, after: SECRET }]);
  });
});
