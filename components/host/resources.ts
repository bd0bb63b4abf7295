import * as pulumi from "@pulumi/pulumi";
import type { FileObserved } from "./kinds/file";
import { providerFor } from "./shim";
import type { Connection } from "./ssh";

type Args<T> = { readonly [K in keyof T]: pulumi.Input<T[K]> };

export interface ConnectionArgs {
  readonly connection: pulumi.Input<Connection>;
}

export interface FileArgs extends ConnectionArgs {
  /** Absolute path on the host. */
  readonly path: pulumi.Input<string>;
  /** The whole content. Pass a pulumi.secret() and set `secret: true` for secrets. */
  readonly content: pulumi.Input<string>;
  /** A secret file: content never read back or shown, default mode 0600. */
  readonly secret?: boolean;
  readonly mode?: pulumi.Input<string>;
  readonly owner?: pulumi.Input<string>;
  readonly group?: pulumi.Input<string>;
  /** Shell run after the new content is in place; on failure the old content is restored. */
  readonly verifyCommand?: pulumi.Input<string>;
  /** Shell run after the content changed (a reload). */
  readonly onChangeCommand?: pulumi.Input<string>;
}

/** A file on a host, written atomically, read back on refresh (content hash, mode, owner, group). */
export class File extends pulumi.dynamic.Resource {
  declare readonly observed: pulumi.Output<FileObserved>;
  constructor(name: string, args: FileArgs, opts?: pulumi.CustomResourceOptions) {
    const content = args.secret ? pulumi.secret(args.content) : args.content;
    super(providerFor("file"), name, { ...args, content, secret: args.secret ?? false, observed: undefined } satisfies Args<object>, opts, "host", "File");
  }
}
