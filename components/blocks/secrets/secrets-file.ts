import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { File } from "../../host/resources";
import type { Connection } from "../../host/ssh";
import { renderEnvFile } from "./envfile";

export interface SecretsFileArgs {
  readonly connection: pulumi.Input<Connection>;
  /** Where the env file lives on the host. */
  readonly path: string;
  /** KEY → value; treated as secret whether or not the inputs are marked so. */
  readonly values: pulumi.Input<Record<string, pulumi.Input<string>>>;
  readonly owner: string;
  readonly group?: string;
}

/** An env file of secrets: 0600, owned by the app user, content never shown or kept in state. */
export class SecretsFile extends pulumi.ComponentResource {
  readonly file: File;
  readonly path: string;
  /** sha256 of the file's content (secret): changes when a value changes, so what reads it can reload. */
  readonly sha256: pulumi.Output<string>;
  constructor(name: string, args: SecretsFileArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hostform:vm:SecretsFile", name, {}, opts);
    this.path = args.path;
    const content = pulumi.secret(pulumi.output(args.values).apply((v) => renderEnvFile(v as Record<string, string>)));
    this.sha256 = content.apply((text) => createHash("sha256").update(text, "utf8").digest("hex"));
    this.file = new File(`${name}-file`, {
      connection: args.connection, path: args.path, content, secret: true, mode: "0600", owner: args.owner, group: args.group ?? args.owner,
    }, { parent: this });
    this.registerOutputs({});
  }
}
