import * as pulumi from "@pulumi/pulumi";
import { AptPackages, Directory, File, Service, SystemdUnit } from "../../../../components/host/resources";
import type { Connection } from "../../../../components/host/ssh";

const config = new pulumi.Config("test");
const connection = config.requireObject<Connection>("connection");
const flavor = config.require("flavor");
const bulk = config.getNumber("bulk") ?? 0;
const root = "/srv/hostform-test";

const dir = new Directory("dir", { connection, path: root, mode: "0750", owner: "root", group: "adm" });
const opts = { dependsOn: [dir] };
new File("plain", { connection, path: `${root}/plain.conf`, content: config.get("plainContent") ?? "listen 80\nworkers 4\n" }, opts);
new File("other", { connection, path: `${root}/other.txt`, content: "delete me by hand\n", mode: "0640" }, opts);
new File("secret", { connection, path: `${root}/secret.env`, content: config.requireSecret("token").apply((t) => `API_TOKEN=${t}\n`), secret: true }, opts);
new File("hostile", { connection, path: `${root}/it's $(whoami); whoami.txt`, content: "$(id) `id` ; whoami 'q' \"qq\"\n" }, opts);
const bulkDir = new Directory("bulk", { connection, path: `${root}/bulk` }, opts);
for (let n = 0; n < bulk; n++) {
  new File(`bulk-${n}`, { connection, path: `${root}/bulk/${n}.txt`, content: `${n}\n` }, { dependsOn: [bulkDir] });
}
const pkgs = new AptPackages("pkgs", { connection, packages: ["cron", "tree"] });
new Service("cron", { connection, name: "cron", manager: flavor === "systemd" ? "systemd" : "initd" }, { dependsOn: [pkgs] });
if (flavor === "systemd") {
  new SystemdUnit("unit", {
    connection,
    name: "hostform-test.service",
    content: "[Unit]\nDescription=hostform test unit\n\n[Service]\nExecStart=/bin/sleep infinity\n\n[Install]\nWantedBy=multi-user.target\n",
  });
}
