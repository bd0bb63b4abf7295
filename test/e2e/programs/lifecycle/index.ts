import * as pulumi from "@pulumi/pulumi";
import { Directory, File, Step } from "../../../../components/host/resources";

// The hosts as `npm run hosts -- pin` writes them: each entry's address, port and pinned key.
interface HostEntry { name: string; address: string; port?: number; user?: string; hostKey: string; privateKeyPath: string }
const hosts = new pulumi.Config("hostform").requireObject<HostEntry[]>("hosts");
// A resource whose creation takes this long (a step that sleeps), for a run to be killed in the middle of.
const slow = new pulumi.Config("test").getNumber("slowSeconds") ?? 0;
const root = "/srv/hostform-lifecycle";

for (const h of hosts) {
  const connection = { host: h.address, port: h.port ?? 22, user: h.user ?? "root", hostKey: h.hostKey, privateKeyPath: h.privateKeyPath };
  const dir = new Directory(`${h.name}-dir`, { connection, path: root });
  new File(`${h.name}-file`, { connection, path: `${root}/host.txt`, content: `${h.name}\n` }, { dependsOn: [dir] });
  if (slow > 0) {
    new Step(`${h.name}-slow`, { connection, title: `a change of ${slow} s`, check: `test -e ${root}/slow`, run: `sleep ${slow} && touch ${root}/slow` }, { dependsOn: [dir] });
  }
}
