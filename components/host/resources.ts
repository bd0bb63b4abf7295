import * as pulumi from "@pulumi/pulumi";
import type { DirectoryObserved } from "./kinds/directory";
import type { FileObserved } from "./kinds/file";
import type { KindName } from "./kinds";
import type { PackagesObserved } from "./kinds/packages";
import type { ServiceObserved } from "./kinds/service";
import type { UnitObserved } from "./kinds/unit";
import type { Facts } from "./kinds/facts";
import type { HealthInputs, HealthObserved } from "./kinds/health";
import type { Pm2AppsInputs, Pm2Observed } from "./kinds/pm2";
import type { StepObserved } from "./kinds/step";
import { sharedProvider } from "./provider-cache";
import type { Connection } from "./ssh";

export interface ConnectionArgs {
  /** How to reach the host; its host key is pinned. */
  readonly connection: pulumi.Input<Connection>;
}

/**
 * Base of hostform's host resources: type token pulumi-nodejs:dynamic/host:<Kind>. `managedBy`
 * names the resource on the host, so a delete can tell whether another resource of the stack now
 * manages the same thing (owners.ts).
 */
abstract class HostResource<O> extends pulumi.dynamic.Resource {
  /** What the last create, update or refresh found on the host. */
  declare readonly observed: pulumi.Output<O>;
  /** When hostform last changed this on the host: follows a change, stable otherwise. */
  declare readonly appliedAt: pulumi.Output<string>;
  protected constructor(kind: KindName, type: string, name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    const managedBy = `${pulumi.getProject()}/${pulumi.getStack()}/${type}/${name}`;
    super(sharedProvider(kind), name, { ...props, managedBy, observed: undefined, appliedAt: undefined }, opts, "host", type);
  }
}

/**
 * A secret placeholder the provider fills with a random key on first check and keeps after: the key
 * of this resource's hashes of secret material in state (keyed.ts). Secret, so state keeps it encrypted.
 */
const hashKey = () => pulumi.secret("");

export interface FileArgs extends ConnectionArgs {
  /** Absolute path on the host. */
  readonly path: pulumi.Input<string>;
  /** The whole content. With `secret: true` it is wrapped as a Pulumi secret. */
  readonly content: pulumi.Input<string>;
  /** A secret file: content never read back, never shown, in state only as ciphertext (outputs: a keyed hash); default mode 0600. */
  readonly secret?: boolean;
  readonly mode?: pulumi.Input<string>;
  readonly owner?: pulumi.Input<string>;
  readonly group?: pulumi.Input<string>;
  /** Shell run after the new content is in place; on failure the old content is restored. */
  readonly verifyCommand?: pulumi.Input<string>;
  /** Shell run after the content changed (a reload). */
  readonly onChangeCommand?: pulumi.Input<string>;
}

/** A file on a host, written atomically, read back on refresh (content, mode, owner, group). */
export class File extends HostResource<FileObserved> {
  constructor(name: string, args: FileArgs, opts?: pulumi.CustomResourceOptions) {
    const content = args.secret ? pulumi.secret(args.content) : args.content;
    super("file", "File", name, { ...args, content, secret: args.secret ?? false, ...(args.secret ? { hashKey: hashKey() } : {}) }, opts);
  }
}

export interface DirectoryArgs extends ConnectionArgs {
  readonly path: pulumi.Input<string>;
  readonly mode?: pulumi.Input<string>;
  readonly owner?: pulumi.Input<string>;
  readonly group?: pulumi.Input<string>;
}

/** A directory (parents created); removed on delete only when empty. */
export class Directory extends HostResource<DirectoryObserved> {
  constructor(name: string, args: DirectoryArgs, opts?: pulumi.CustomResourceOptions) {
    super("directory", "Directory", name, { ...args }, opts);
  }
}

export interface AptPackagesArgs extends ConnectionArgs {
  readonly packages: pulumi.Input<pulumi.Input<string>[]>;
  readonly recommends?: pulumi.Input<boolean>;
  /** How long to wait for an apt or dpkg lock another process holds (default 300 s). */
  readonly lockTimeoutSeconds?: pulumi.Input<number>;
}

/** Debian packages present (read with dpkg-query); delete removes only those hostform installed. */
export class AptPackages extends HostResource<PackagesObserved> {
  constructor(name: string, args: AptPackagesArgs, opts?: pulumi.CustomResourceOptions) {
    super("packages", "AptPackages", name, { ...args }, opts);
  }
}

export interface SystemdUnitArgs extends ConnectionArgs {
  readonly name: pulumi.Input<string>;
  readonly content: pulumi.Input<string>;
  readonly enabled?: pulumi.Input<boolean>;
  readonly active?: pulumi.Input<boolean>;
  /** Started, but a failure to run is reported (observed.active), never an error or drift. */
  readonly optional?: pulumi.Input<boolean>;
}

/** A unit file plus its enabled and active state; daemon-reload only when the text changed. */
export class SystemdUnit extends HostResource<UnitObserved> {
  constructor(name: string, args: SystemdUnitArgs, opts?: pulumi.CustomResourceOptions) {
    super("unit", "SystemdUnit", name, { ...args }, opts);
  }
}

export interface ServiceArgs extends ConnectionArgs {
  readonly name: pulumi.Input<string>;
  /** "systemd", or "initd" on hosts without systemd (SysV script plus a boot hook). */
  readonly manager: pulumi.Input<"systemd" | "initd">;
  readonly running?: pulumi.Input<boolean>;
  readonly enabled?: pulumi.Input<boolean>;
}

/** A service running and enabled (or not), on hosts with and without systemd. */
export class Service extends HostResource<ServiceObserved> {
  constructor(name: string, args: ServiceArgs, opts?: pulumi.CustomResourceOptions) {
    super("service", "Service", name, { ...args }, opts);
  }
}

export interface StepArgs extends ConnectionArgs {
  /** What the step ensures ("node 20 installed"); also its identity on the host. */
  readonly title: pulumi.Input<string>;
  /** Exits 0 when the effect is in place, 1 when not: refresh runs it, so undone steps show as drift. */
  readonly check: pulumi.Input<string>;
  readonly run: pulumi.Input<string>;
  /** Data for `run` on stdin; with `secret: true` it is a Pulumi secret, in state only as ciphertext. */
  readonly stdin?: pulumi.Input<string>;
  readonly secret?: boolean;
  /** Any value: a change reruns the step. */
  readonly triggers?: pulumi.Input<unknown>;
  readonly undo?: pulumi.Input<string>;
}

/** An imperative step with a read: its check shows on refresh whether the effect is still there. */
export class Step extends HostResource<StepObserved> {
  constructor(name: string, args: StepArgs, opts?: pulumi.CustomResourceOptions) {
    const stdin = args.secret && args.stdin !== undefined ? pulumi.secret(args.stdin) : args.stdin;
    super("step", "Step", name, { ...args, stdin, secret: args.secret ?? false, ...(args.secret ? { hashKey: hashKey() } : {}) }, opts);
  }
}

export type Pm2AppsArgs = { readonly [K in keyof Omit<Pm2AppsInputs, "connection" | "processes">]: pulumi.Input<Pm2AppsInputs[K]> } & ConnectionArgs;

/**
 * A user's PM2 process list: every instance of every app online with the script, cwd, environment
 * and code the ecosystem gives it, no other apps, ~/.pm2 0700 and dumps 0600; reloads and saves
 * when the ecosystem or its env files change.
 */
export class Pm2Apps extends HostResource<Pm2Observed> {
  constructor(name: string, args: Pm2AppsArgs, opts?: pulumi.CustomResourceOptions) {
    super("pm2Apps", "Pm2Apps", name, { ...args }, opts);
  }
}

export type HealthArgs = { readonly [K in keyof Omit<HealthInputs, "connection" | "health">]: pulumi.Input<HealthInputs[K]> } & ConnectionArgs;

/** Health checks as desired state: refresh checks, update waits for health or fails with logs (secret values masked). */
export class Health extends HostResource<HealthObserved> {
  constructor(name: string, args: HealthArgs, opts?: pulumi.CustomResourceOptions) {
    const secretValues = args.secretValues === undefined ? undefined : pulumi.secret(args.secretValues);
    super("health", "Health", name, { ...args, secretValues }, opts);
  }
}

export interface FactsArgs extends ConnectionArgs {
  readonly supported?: pulumi.Input<pulumi.Input<string>[]>;
}

/** OS facts in one exec (id, version, arch, systemd, memory); refuses an unsupported OS. */
export class HostFacts extends HostResource<Facts> {
  constructor(name: string, args: FactsArgs, opts?: pulumi.CustomResourceOptions) {
    super("facts", "Facts", name, { ...args }, opts);
  }
}
