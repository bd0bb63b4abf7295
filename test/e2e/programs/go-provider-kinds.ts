import * as pulumi from "@pulumi/pulumi";
import type { Connection } from "../../../components/host/ssh";

// The Go provider's kinds, declared by their type tokens as components/host/resources.ts declares
// the dynamic ones: the engine loads the plugin pulumi-resource-hostform-ssh from the plugin cache
// (scripts/install-pulumi.sh puts it there). No topology uses them yet (docs/go-provider.md).

/** Who manages a resource on the host (its owner record): project, stack, kind and name. */
const managedBy = (kind: string, name: string) => `${pulumi.getProject()}/${pulumi.getStack()}/${kind}/${name}`;

export class Directory extends pulumi.CustomResource {
  declare readonly observed: pulumi.Output<unknown>;
  constructor(name: string, args: { connection: pulumi.Input<Connection>; path: string; mode?: string; owner?: string; group?: string }, opts?: pulumi.CustomResourceOptions) {
    super("hostform-ssh:host:Directory", name, { ...args, managedBy: managedBy("Directory", name), observed: undefined, appliedAt: undefined }, opts);
  }
}

export interface FileArgs {
  connection: pulumi.Input<Connection>;
  path: string;
  content: pulumi.Input<string>;
  secret?: boolean;
  mode?: string;
  verifyCommand?: string;
  onChangeCommand?: string;
}

/** A secret file's content is a Pulumi secret, and `hashKey` a secret placeholder the provider
 * fills with the key of its hash in state. */
export class File extends pulumi.CustomResource {
  declare readonly observed: pulumi.Output<unknown>;
  constructor(name: string, args: FileArgs, opts?: pulumi.CustomResourceOptions) {
    const content = args.secret ? pulumi.secret(args.content) : args.content;
    const hashKey = args.secret ? { hashKey: pulumi.secret("") } : {};
    super("hostform-ssh:host:File", name, {
      ...args, content, secret: args.secret ?? false, ...hashKey, managedBy: managedBy("File", name), observed: undefined, appliedAt: undefined,
    }, opts);
  }
}
