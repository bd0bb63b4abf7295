/**
 * A cluster app's workers, counted per instance: PM2 names every worker of a cluster after the
 * app, so "the app is online" can hide a stopped or errored worker behind a healthy one, and
 * `startOrReload` with a changed `instances` keeps the old count. This reads each instance's state
 * and closes the gap: instances not online are restarted, then the app is scaled to the count.
 */
import * as pulumi from "@pulumi/pulumi";
import { type Pm2Home, pm2As } from "../../host/kinds/pm2";
import { readPm2Pid } from "../../host/kinds/pm2-observe";
import { script } from "../../host/quote";
import { Step } from "../../host/resources";
import type { VmHost } from "../base/vmhost";

export interface WorkersArgs extends Pm2Home {
  /** The cluster app. */
  readonly app: string;
  /** Workers wanted; "max" is one per CPU, as PM2 counts them (os.cpus()). */
  readonly instances: number | "max";
}

// Prints "<pm_id> <status>" for each instance of the app named by argv[1]; nothing else of jlist.
const INSTANCES_JS = `let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>{for(const p of JSON.parse(s))if(p.name===process.argv[1])console.log(p.pm_id+" "+p.pm2_env.status)})`;

function prelude(a: WorkersArgs): string {
  const node = `${a.nodeBinDir}/node`;
  const want = a.instances === "max" ? script`$(${node} -p 'require("os").cpus().length')` : String(a.instances);
  return script`app=${a.app}; ph=${`${a.home}/.pm2`}
want=` + want + `
instances() { ${pm2As(a, "jlist")} | ${script`${node} -e ${INSTANCES_JS}`} "$app"; }
` + readPm2Pid(a, "pid");
}

/** Exits 0 when exactly the wanted number of instances run, all online; else 1 and one line saying which are not. */
export function workersCheck(a: WorkersArgs): string {
  return prelude(a) + `if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then echo "$app: PM2 is not running"; exit 1; fi
online=0; bad=""
while read -r id st; do
  if [ "$st" = online ]; then online=$((online + 1)); else bad="$bad, pm_id $id $st"; fi
done < <(instances)
if [ "$online" -eq "$want" ] && [ -z "$bad" ]; then exit 0; fi
echo "$app: $online of $want workers online\${bad:+ (\${bad#, })}"
exit 1
`;
}

/** Restarts each instance that is not online, scales the app to the wanted count if it has another, saves the list. */
export function workersRun(a: WorkersArgs): string {
  return prelude(a) + `while read -r id st; do
  if [ "$st" != online ]; then ${pm2As(a, '"restart" "$id"')} >/dev/null; fi
done < <(instances)
# PM2 refuses a scale to the count it already has ("Nothing to do", exit 1).
if [ "$(instances | wc -l)" -ne "$want" ]; then ${pm2As(a, 'scale "$app" "$want"')} >/dev/null; fi
${pm2As(a, "save --force")} >/dev/null
`;
}

/** `<name>-workers`: the app's instances online and as many as wanted, read back per instance. */
export function pm2Workers(name: string, a: { host: VmHost; pm2Bin: string; app: string; instances: number | "max" }, opts: pulumi.CustomResourceOptions): Step {
  const h = a.host;
  const args: WorkersArgs = { user: h.appUser, home: h.home, pm2Bin: a.pm2Bin, nodeBinDir: h.nodeBinDir, app: a.app, instances: a.instances };
  return new Step(`${name}-workers`, {
    connection: h.connection,
    title: `${a.app}: ${a.instances} workers online`,
    check: workersCheck(args),
    run: workersRun(args),
  }, opts);
}
