/**
 * What `npm run up` says at the end when some hosts could not be reached, or their sudo refused the
 * login: one line per host, and what to do. Pure; pinned by an exact-text test.
 */
import { allUnreached, describeUnreachable, type Unreachable } from "../components/host/reach";

/** `up` exits with this when a host could not be reached or acted on, like drift (README.md, "Commands"). */
export const UNREACHABLE_EXIT = 3;

export function upUnreachable(list: readonly Unreachable[], stack: string | undefined): string {
  const n = list.length;
  const again = `npm run up${stack ? ` -- --stack ${stack}` : ""}`;
  const once = allUnreached(list)
    ? `Once ${n === 1 ? "it answers" : "they answer"} on SSH again`
    : list.every((u) => u.reason === "sudo") ? `Once sudo lets the login run commands` : `Once ${n === 1 ? "it answers" : "they answer"} and sudo lets the login run commands`;
  return [
    `hostform: up could not ${allUnreached(list) ? "reach" : "act on"} ${n} host${n === 1 ? "" : "s"}; the other hosts were converged (see above for anything else that failed):`,
    ...list.map((u) => `  ${describeUnreachable(u)}`),
    `Nothing was changed on ${n === 1 ? "it" : "them"}. ${once}, \`${again}\` converges ${n === 1 ? "it" : "them"}.`,
  ].join("\n");
}
