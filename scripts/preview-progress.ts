/**
 * What `drift` and `preview` show while they run: a line when the hosts start being read, and one
 * per host when the previews are done (this Pulumi CLI, 3.276, has no `preview --event-log` to
 * follow each host as it goes). And the CLI's own messages of the two previews side by side, each
 * shown once. Pure; unit tested.
 */
import { hostOf, isHostResource, type PreviewDigest, type Report } from "./preview-model";

/** The hosts a preview's steps are on, in order of first appearance. */
export function hostsOf(digest: PreviewDigest): string[] {
  return [...new Set((digest.steps ?? []).filter(isHostResource).map(hostOf))];
}

/** One line per host that was read: what differs on it, or that it could not be reached. */
export function hostsDone(r: Report, hosts: readonly string[]): string[] {
  const unreachable = new Map((r.unreachable ?? []).map((u) => [u.address.replace(/^.*@/, "").replace(/:\d+$/, ""), u.reason]));
  return hosts.map((h) => {
    if (unreachable.has(h)) return `${h}: ${unreachable.get(h) === "sudo" ? "sudo refused, not read" : "could not be reached"}`;
    const n = r.changes.filter((c) => c.host === h).length;
    return `${h}: done, ${n === 0 ? "nothing differs" : `${n} resource${n === 1 ? "" : "s"} differ${n === 1 ? "s" : ""}`}`;
  });
}

/**
 * Passes on the lines of several writers (the two previews' stderr), each line as many times as the
 * writer that printed it most did: the same error from both previews is shown once.
 */
export function onceAcross(write: (text: string) => void): (source: number) => { data: (chunk: string) => void; end: () => void } {
  const counts = new Map<string, number[]>();
  return (source) => {
    let partial = "";
    const line = (l: string) => {
      const c = counts.get(l) ?? [];
      c[source] = (c[source] ?? 0) + 1;
      counts.set(l, c);
      const others = Math.max(0, ...c.filter((_, i) => i !== source).map((n) => n ?? 0));
      if (c[source] > others) write(`${l}\n`);
    };
    return {
      data: (chunk) => {
        const lines = (partial + chunk).split("\n");
        partial = lines.pop() ?? "";
        lines.forEach(line);
      },
      end: () => {
        if (partial) line(partial);
        partial = "";
      },
    };
  };
}
