/**
 * A graceful restart through a duel without waiting out a fixed fight. The e2e tests give the
 * stand-ins long fights; `up` runs in the background until the server logs its restart request.
 * When that request waits for the duel, the test sees `up` still waiting during FIGHTING, then
 * decides the fight (the stand-ins' POST /admin/end-fight) and RESOLUTION runs its whole length
 * before the server restarts. A fight of a fixed length had to be long enough for any `up` to
 * reach its request in time, and every test then waited out the rest of it.
 */
import { expect } from "vitest";
import { hostExec, type Run, type TestStack } from "./harness";
import { interruptibleUp, waitOnHost } from "./runtime";

/** The PM2 and phase logs of a duel server run by root (the container hosts' user). */
const OUT_LOG = "/root/.pm2/logs/duel-arena-out.log";
const PHASE_LOG = "/root/hyperscape/duel-phases.log";

/** The server's "graceful restart requested in <PHASE>, after the duel|now" lines so far. */
async function requests(host: string): Promise<string[]> {
  const out = await hostExec(host, `grep -o 'graceful restart requested in [A-Z]*, [a-z ]*' ${OUT_LOG} || :`);
  return out.split("\n").filter((l) => l !== "");
}

/**
 * Ends the running server's fight, with the admin code of its own environment (read on the host
 * and sent on curl's stdin: never on a command line). The HTTP status: 200 ended, 409 not fighting.
 */
export async function endFight(host: string): Promise<string> {
  return (await hostExec(host, `pid=$(tail -n 1 ${PHASE_LOG} | cut -d' ' -f2)
tr '\\0' '\\n' < /proc/$pid/environ | sed -n 's/^ADMIN_CODE=/x-admin-code: /p' | curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST -H @- localhost:5555/admin/end-fight`)).trim();
}

/**
 * One `up` whose graceful restart may wait for a duel: the request line the server logged
 * (`graceful restart requested in FIGHTING, after the duel`, …) and up's result. A request made
 * in COUNTDOWN waits for its FIGHTING to begin; one made in RESOLUTION or with no duel active
 * needs nothing from the test.
 */
export async function upThroughDuel(stack: TestStack, host: string): Promise<{ up: Run; request: string }> {
  const before = (await requests(host)).length;
  const up = interruptibleUp(stack);
  let finished = false;
  void up.done.then(() => { finished = true; });
  let request = "";
  const deadline = Date.now() + 540_000;
  while (request === "" && !finished) {
    request = (await requests(host))[before] ?? "";
    if (request === "" && Date.now() > deadline) throw new Error(`${host}: up made no graceful restart request within 540 s`);
    if (request === "") await new Promise((r) => setTimeout(r, 1000));
  }
  if (/ in (COUNTDOWN|FIGHTING), after the duel$/.test(request)) {
    await waitOnHost(host, "curl -s localhost:5555/health | grep -q '\"phase\":\"FIGHTING\"'", 60);
    // The restart is pending during the fight: up has not finished, it waits for the duel.
    expect(finished, "up finished while the duel it must wait for was still in FIGHTING").toBe(false);
    expect(await endFight(host)).toBe("200");
  }
  return { up: await up.done, request };
}
