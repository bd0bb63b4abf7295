import { connect } from "node:net";

/**
 * Pulumi starts each provider in a process group of its own, so a killed `pulumi up` (SIGKILL
 * after Ctrl-C, a cancelled CI job) leaves the dynamic provider running: it would go on changing
 * hosts for a run whose results nobody records, beside the next run. The provider's first
 * argument is the engine's address; once nothing answers there, `onGone` runs (it closes the SSH
 * connections, and each host's runner then kills what still runs) and the process exits.
 */
export function watchEngine(onGone: () => Promise<void>, address = process.argv[2], everyMs = 1000): void {
  const g = globalThis as { __hostformEngineWatch?: boolean };
  const m = /^(127\.0\.0\.1|localhost|\[::1\]):(\d+)$/.exec(address ?? "");
  if (!m || g.__hostformEngineWatch) return;
  g.__hostformEngineWatch = true;
  const host = m[1] === "[::1]" ? "::1" : m[1];
  const timer = setInterval(() => {
    const socket = connect({ host, port: Number(m[2]) });
    socket.setTimeout(1000, () => socket.destroy());
    socket.once("connect", () => socket.destroy());
    socket.once("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "ECONNREFUSED") return;
      clearInterval(timer);
      void onGone().finally(() => process.exit(1));
    });
  }, everyMs);
  timer.unref();
}
