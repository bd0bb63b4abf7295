import * as pulumi from "@pulumi/pulumi";
import type { Connection } from "../../../../components/host/ssh";

// The Go provider's Directory, declared by its type token: the engine loads the plugin
// pulumi-resource-hostform-ssh from the plugin cache (scripts/install-pulumi.sh puts it there).
// No topology uses it yet (docs/go-provider.md, stage 1).
class Directory extends pulumi.CustomResource {
  declare readonly observed: pulumi.Output<unknown>;
  constructor(name: string, args: { connection: pulumi.Input<Connection>; path: string; mode?: string; owner?: string; group?: string }) {
    const managedBy = `${pulumi.getProject()}/${pulumi.getStack()}/Directory/${name}`;
    super("hostform-ssh:host:Directory", name, { ...args, managedBy, observed: undefined, appliedAt: undefined });
  }
}

const config = new pulumi.Config("test");
const given = config.requireObject<Connection>("connection");
// A private key given as a secret (test:privateKey) instead of a path: it must stay a secret.
const privateKey = config.getSecret("privateKey");
const connection = privateKey ? pulumi.all([privateKey]).apply(([k]) => ({ ...given, privateKey: k })) : given;
const dir = new Directory("dir", { connection, path: "/srv/gp dir", mode: "0750", owner: "root", group: "adm" });
export const observed = dir.observed;
