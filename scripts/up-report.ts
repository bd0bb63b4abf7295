/**
 * What `npm run up` says at the end when some hosts could not be reached: one line per host, and
 * what to do. Pure; pinned by an exact-text test.
 */
import { describeUnreachable, type Unreachable } from "../components/host/reach";

/** `up` exits with this when a host could not be reached, like drift (README.md, "Commands"). */
export const UNREACHABLE_EXIT = 3;

export function upUnreachable(list: readonly Unreachable[], stack: string | undefined): string {
  const n = list.length;
  const again = `npm run up${stack ? ` -- --stack ${stack}` : ""}`;
  return [
    `hostform: up could not reach ${n} host${n === 1 ? "" : "s"}; the other hosts were converged (see above for anything else that failed):`,
    ...list.map((u) => `  ${describeUnreachable(u)}`),
    `Nothing was changed on ${n === 1 ? "it" : "them"}. Once ${n === 1 ? "it answers" : "they answer"} on SSH again, \`${again}\` converges ${n === 1 ? "it" : "them"}.`,
  ].join("\n");
}
