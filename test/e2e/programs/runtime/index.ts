// Issue 9: a cluster-mode PM2 app, a unit that crash-loops without its file, apt with a short
// lock wait, and a check that cuts its own SSH connection once.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { AptPackages, Directory, File, Pm2Apps, Step, SystemdUnit } from "../../../../components/host/resources";
import type { Connection } from "../../../../components/host/ssh";

const config = new pulumi.Config("test");
const connection = config.requireObject<Connection>("connection");
const nodeBinDir = config.require("nodeBinDir");
const pm2Bin = config.require("pm2Bin");
const user = "rtc";
const home = `/home/${user}`;
const web = "/srv/rt/web";

new AptPackages("pkgs", { connection, packages: ["tree"], lockTimeoutSeconds: 5 });
const rt = new Directory("rt", { connection, path: "/srv/rt", mode: "0755" });

// Without /srv/rt/ok the unit exits at once and systemd restarts it every 60 s, over and over: a read
// sees it waiting to restart. The wait is long so that a read lands in it on a loaded machine too
// (CI, three e2e files at a time: a start command that takes a while is read as active while it runs).
const ok = new File("loop-ok", { connection, path: "/srv/rt/ok", content: "ok\n" }, { dependsOn: [rt] });
new SystemdUnit("loop", {
  connection,
  name: "rt-loop.service",
  content: "[Unit]\nDescription=runs while /srv/rt/ok exists\nStartLimitIntervalSec=0\n\n[Service]\nExecStart=/bin/sh -c 'test -f /srv/rt/ok || exit 1; exec sleep infinity'\nRestart=always\nRestartSec=60\n\n[Install]\nWantedBy=multi-user.target\n",
}, { dependsOn: [ok] });

// Two cluster instances; instance 1 exits at start while /srv/rt/web/crash-1 exists.
const account = new Step("user", {
  connection, title: `user ${user}`,
  check: `id -u ${user} >/dev/null 2>&1`,
  run: `useradd --create-home --shell /bin/bash ${user}`,
});
const dir = new Directory("web", { connection, path: web, owner: user, group: user, mode: "0755" }, { dependsOn: [account, rt] });
const server = new File("server", {
  connection, path: `${web}/server.js`, owner: user,
  content: `if (process.env.NODE_APP_INSTANCE === "1" && require("fs").existsSync(${JSON.stringify(`${web}/crash-1`)})) process.exit(1);
require("http").createServer((q, s) => s.end(process.env.GREETING)).listen(4100);
`,
}, { dependsOn: [dir] });
const ecosystemText = `module.exports = { apps: [{ name: "web", cwd: ${JSON.stringify(web)}, script: "server.js", instances: 2, exec_mode: "cluster", max_restarts: 2, min_uptime: 5000, env: { GREETING: "hi" } }] };\n`;
const ecosystem = new File("ecosystem", { connection, path: `${web}/ecosystem.config.js`, content: ecosystemText, owner: user }, { dependsOn: [dir] });
new Pm2Apps("apps", {
  connection, user, home, pm2Bin, nodeBinDir, ecosystemPath: `${web}/ecosystem.config.js`, apps: ["web"], manager: "none",
  ecosystemSha256: createHash("sha256").update(ecosystemText).digest("hex"),
}, { dependsOn: [server, ecosystem] });

// While /srv/rt/cut-now exists, its read removes it and kills the SSH connection it came in on
// (the nearest sshd ancestor, "sshd: root@notty"): a cut connection in the middle of a run.
new Step("cut", {
  connection, title: "connection cut on demand",
  check: `if [ -e /srv/rt/cut-now ]; then
  rm -f /srv/rt/cut-now
  p=$PPID; while [ "$p" -gt 1 ] && [ "$(cat /proc/$p/comm)" != sshd ]; do p=$(awk '{print $4}' /proc/$p/stat); done
  kill -9 "$p"; sleep 5
fi
exit 0`,
  run: "true",
}, { dependsOn: [ok] });
