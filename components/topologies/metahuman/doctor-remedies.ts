/**
 * What to do about each failing MetaHuman OS check, in seeds/002's words where it has some (its
 * start-pm2 and stop-pm2, its migration steps and testing checklist); `from` names the section.
 * The plan runs pm2 as the user who started it: on a hostform host that is the app user.
 */
import type { DoctorRemedy } from "../doctor";
import { LOGROTATE_CONFIG, START_COMMAND, WEB_APP } from "./render";

/** What every remedy needs to know of the host. */
export interface RemedyHost {
  readonly stack: string;
  readonly appUser: string;
  readonly pm2Unit: string;
  readonly port: number;
}

const up = (h: RemedyHost) => `npm run up -- --stack ${h.stack}`;
const asUser = (h: RemedyHost) => `pm2 runs as ${h.appUser} (PM2_HOME=${h.appUser === "root" ? "/root" : `/home/${h.appUser}`}/.pm2).`;
const short = (unit: string) => unit.replace(/\.service$/, "");

/** PM2's daemon is down: no worker runs. */
export function pm2Down(h: RemedyHost): DoctorRemedy {
  return {
    say: `PM2 is not running, so no worker of ${WEB_APP} is. Start its unit (it resurrects the saved list, the plan's pm2 startup and pm2 save), or start MetaHuman OS again with ${START_COMMAND} (the plan's bin/start-pm2). ${asUser(h)}`,
    run: [`sudo systemctl restart ${short(h.pm2Unit)}`, `sudo ${START_COMMAND}`, "pm2 list"],
    from: "seeds/002, bin/start-pm2; Step 4: Configure Auto-Start on Boot",
  };
}

/** Workers not online, too few or too many, or restarting. */
export function workers(h: RemedyHost, notOnline: readonly number[], want: number): DoctorRemedy {
  return {
    say: `All workers must start and stay up (the plan's cluster checks): ${want} wanted. Read the logs of the ones that are not online and restart them; an up restarts them and scales the cluster to the count. ${asUser(h)}`,
    run: ["pm2 list", `pm2 logs ${WEB_APP} --lines 100`, `pm2 restart ${notOnline.length ? notOnline.join(" ") : WEB_APP}`, up(h)],
    from: "seeds/002, Step 3: Verify Cluster Mode; Testing Checklist (All workers start successfully)",
  };
}

/** A required agent's unit that is stopped, failed or crash-looping; an optional one that does not run. */
export function agent(h: RemedyHost, unit: string, optional: boolean, installed: boolean): DoctorRemedy {
  if (!installed) return { say: `${unit} is not installed: hostform writes and enables it.`, run: [up(h)], from: "hostform" };
  const u = short(unit);
  return {
    say: (optional ? "An optional agent (the plan's start-pm2 starts it with || true): the rest runs without it. " : "")
      + "The agents run outside PM2, one unit each (file locks, single instance). Read why it stopped; an agent that crashed can leave a stale lock or pid file that keeps it from starting (start-pm2 cleans those up first): remove it, then start the unit.",
    run: [`sudo systemctl status ${u} --no-pager`, `sudo journalctl -u ${u} -b -n 100 --no-pager`, `sudo systemctl reset-failed ${u}`, `sudo systemctl restart ${u}`],
    from: "seeds/002, Why Partial Integration?; bin/start-pm2 (clean up stale files, start background agents)",
  };
}

/** The web app's port does not answer 200. */
export function web(h: RemedyHost): DoctorRemedy {
  return {
    say: `The web app must answer on :${h.port} (the plan's curl http://localhost:${h.port}). If nothing listens, see the workers check; if another process holds the port (a server start.sh started), stop it (the plan's ./stop.sh), then reload the app. ${asUser(h)}`,
    run: [`curl -I http://localhost:${h.port}`, `sudo ss -ltnp 'sport = :${h.port}'`, `pm2 logs ${WEB_APP} --lines 100`, `pm2 reload ${WEB_APP}`],
    from: "seeds/002, Step 2: Test Alongside Existing Setup",
  };
}

/** The web app wrote to its error log lately, or the log is not where the ecosystem puts it. */
export function errorLog(h: RemedyHost, path: string): DoctorRemedy {
  return {
    say: `Read what the web app wrote to its error log (the plan's centralized logging) and fix the cause; an up restores the log paths the ecosystem names. ${asUser(h)}`,
    run: [`pm2 logs ${WEB_APP} --err --lines 100`, `sudo tail -n 100 ${path}`, "pm2 monit"],
    from: "seeds/002, Easy monitoring (pm2 logs, pm2 monit)",
  };
}

export function logrotate(h: RemedyHost): DoctorRemedy {
  return {
    say: `PM2's logs under ~/.pm2 and logs/pm2 grow until rotated (the plan's "Logs rotate correctly"): hostform writes ${LOGROTATE_CONFIG}, checked with logrotate -d, and Debian's daily logrotate.timer runs it; an up restores both.`,
    run: [`sudo logrotate -d ${LOGROTATE_CONFIG}`, "systemctl status logrotate.timer --no-pager", up(h)],
    from: "seeds/002, Testing Checklist (Logs rotate correctly); the rotation is hostform's",
  };
}
