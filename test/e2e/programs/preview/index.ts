import * as pulumi from "@pulumi/pulumi";
import { AptPackages, Directory, File, Health, SystemdUnit } from "../../../../components/host/resources";
import type { Connection } from "../../../../components/host/ssh";

// Each config key below is one kind of change a pull request can make; the test edits the host by
// hand for the corrective kind.
const config = new pulumi.Config("test");
const connection = config.requireObject<Connection>("connection");
const root = "/srv/hostform-preview";
const longLines = config.getNumber("longLines") ?? 0;
const port = config.get("webPort") ?? "8080";

const dir = new Directory("dir", { connection, path: root, mode: "0755" });
const opts = { dependsOn: [dir] };
new File("app-conf", { connection, path: config.get("appConfPath") ?? `${root}/app.conf`, content: config.get("appConf") ?? "listen 80\nworkers 4\n" }, opts);
new File("token", { connection, path: `${root}/token.env`, content: config.requireSecret("token").apply((t) => `API_TOKEN=${t}\n`), secret: true }, opts);
new File("long", {
  connection, path: `${root}/long.txt`,
  content: Array.from({ length: longLines }, (_, n) => `${n + 1}\n`).join(""),
}, opts);
const pkgs = new AptPackages("pkgs", { connection, packages: config.getObject<string[]>("packages") ?? ["busybox"] });
const web = new SystemdUnit("web", {
  connection,
  name: "hostform-preview-web.service",
  content: `[Unit]\nDescription=hostform preview test web server\n\n[Service]\nExecStart=/bin/busybox httpd -f -p 127.0.0.1:${port} -h ${root}\n\n[Install]\nWantedBy=multi-user.target\n`,
}, { dependsOn: [dir, pkgs] });
new Health("health", {
  connection,
  checks: [{ name: "web", url: `http://127.0.0.1:${port}/app.conf`, status: 200 }],
  generation: web.appliedAt,
  timeoutSeconds: 30,
});
