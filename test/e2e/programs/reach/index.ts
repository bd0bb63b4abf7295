import * as pulumi from "@pulumi/pulumi";
import { Directory, File } from "../../../../components/host/resources";
import type { Connection } from "../../../../components/host/ssh";

// Per host: a directory and FILES files, so an unreachable host has several resources to fail.
const config = new pulumi.Config("test");
const hosts = config.requireObject<{ name: string; connection: Connection }[]>("hosts");
const content = config.get("content") ?? "one\n";
const FILES = 5;
const root = "/srv/hostform-reach";

for (const { name, connection } of hosts) {
  const dir = new Directory(`${name}-dir`, { connection, path: root });
  for (let n = 0; n < FILES; n++) {
    new File(`${name}-file-${n}`, { connection, path: `${root}/${n}.txt`, content }, { dependsOn: [dir] });
  }
}
