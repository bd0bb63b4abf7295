import * as pulumi from "@pulumi/pulumi";
import type { Connection } from "../../../../components/host/ssh";
import { Directory, File } from "../go-provider-kinds";

// Several Directories and Files on one host, read by a refresh in one exec (docs/go-provider.md,
// stage 3). Each depends on the directory it is in, so destroy empties a directory before removing it.
const config = new pulumi.Config("test");
const connection = config.requireObject<Connection>("connection");
const token = config.requireSecret("token");
const ROOT = "/srv/gb batch";
const root = new Directory("root", { connection, path: ROOT, mode: "0755" });
const dirs = Object.fromEntries(["a", "b", "c"].map((name) =>
  [name, new Directory(`dir-${name}`, { connection, path: `${ROOT}/${name}`, mode: "0750", group: "adm" }, { dependsOn: [root] })]));
new File("secret", { connection, path: `${ROOT}/a/secret.env`, content: pulumi.interpolate`TOKEN=${token}\n`, secret: true }, { dependsOn: [dirs.a] });
for (const name of ["b", "c"]) {
  new File(`conf-${name}`, { connection, path: `${ROOT}/${name}/app.conf`, content: `name ${name}\n`, mode: "0640" }, { dependsOn: [dirs[name]] });
}
