import * as pulumi from "@pulumi/pulumi";
import { script } from "../../host/quote";
import { AptPackages, HostFacts, Step } from "../../host/resources";
import type { Connection } from "../../host/ssh";
import { type MinimumMemory, smallHostWarning } from "./memory";
import { NODE_DEFAULTS, type NodeRuntime, nodeBinDir, nodeCheck, nodeInstall } from "./node";
import { type AppUserPolicy, privilegesCheck, privilegesRefuse, privilegesRevoke } from "./privileges";

/** Where a topology's component lands: the host, its init flavor, the address outputs point at. */
export interface HostTarget {
  /** How to reach the host (host key pinned). */
  readonly connection: pulumi.Input<Connection>;
  /** "systemd", or "container": no init system (Vast.ai). */
  readonly flavor: "systemd" | "container";
  /** The address the public name points at, and where the exported URLs go. */
  readonly address: string;
  /** What to do about a privileged app user (hostform:appUserPrivileges); unset: refuse. */
  readonly privileges?: AppUserPolicy;
}

export interface VmHostArgs {
  /** How to reach the host (host key pinned). */
  readonly connection: pulumi.Input<Connection>;
  /** "systemd", or "container": no init system (Vast.ai). */
  readonly flavor: "systemd" | "container";
  /** Debian packages every host gets. */
  readonly basePackages?: string[];
  /** The user the apps run as. */
  readonly appUser?: string;
  /** The Node.js runtime the apps need (the runbook: 20.x). */
  readonly node?: Partial<NodeRuntime>;
  /** What to do about a privileged app user; unset: refuse, with the host and role unnamed. */
  readonly privileges?: AppUserPolicy;
  /** The memory the role asks for: a host whose facts show less gets a warning (never a failure), naming `hostName`. */
  readonly minimumMemory?: MinimumMemory;
  /** The host's name in the stack, for messages; unset: the component's name. */
  readonly hostName?: string;
}

export const BASE_PACKAGES = ["ca-certificates", "curl", "git", "gnupg", "jq", "rsync", "xz-utils"];

/** A host: pinned connection, OS facts, base packages, the app user and Node.js. */
export class VmHost extends pulumi.ComponentResource {
  readonly connection: pulumi.Input<Connection>;
  readonly flavor: "systemd" | "container";
  readonly appUser: string;
  readonly home: string;
  readonly node: NodeRuntime;
  readonly nodeBinDir: string;
  readonly facts: HostFacts;
  /** What later resources of this host wait for: packages, user and node in place. */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: VmHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hostform:vm:VmHost", name, {}, opts);
    const connection = args.connection;
    this.connection = connection;
    this.flavor = args.flavor;
    this.appUser = args.appUser ?? "ubuntu";
    this.home = this.appUser === "root" ? "/root" : `/home/${this.appUser}`;
    this.node = { ...NODE_DEFAULTS, ...args.node };
    this.nodeBinDir = nodeBinDir(this.node);
    const parent = { parent: this };

    this.facts = new HostFacts(`${name}-facts`, { connection }, parent);
    this.facts.observed.apply((f) => {
      const warning = smallHostWarning(args.hostName ?? name, f.memoryKiB, args.minimumMemory);
      if (warning) void pulumi.log.warn(warning, this);
    });
    const base = new AptPackages(`${name}-base-packages`, { connection, packages: args.basePackages ?? BASE_PACKAGES }, { ...parent, dependsOn: [this.facts] });
    const user = new Step(`${name}-user`, {
      connection,
      title: `user ${this.appUser}`,
      check: script`id -u ${this.appUser} >/dev/null 2>&1 && test -d ${this.home}`,
      run: script`id -u ${this.appUser} >/dev/null 2>&1 || useradd --create-home --shell /bin/bash ${this.appUser}
mkdir -p ${this.home} && chown ${this.appUser}: ${this.home}`,
    }, { ...parent, dependsOn: [this.facts] });
    const node = new Step(`${name}-node`, {
      connection,
      title: `node ${this.node.source === "npm-registry" ? this.node.version : `${this.node.version.split(".")[0]}.x`}`,
      check: nodeCheck(this.node),
      run: this.facts.observed.apply((f) => nodeInstall(this.node, f.arch)),
      triggers: { version: this.node.version, source: this.node.source },
    }, { ...parent, dependsOn: [base] });
    const privileges = appUserPrivileges(name, this.appUser, this.flavor, connection, args.privileges, { ...parent, dependsOn: [user] });
    this.ready = [base, user, node, ...privileges];
    this.registerOutputs({ facts: this.facts.observed });
  }
}

/**
 * The app user holds no privilege, read back on every refresh: refused, or revoked (policy
 * "revoke"), after the user step so the user exists. "accept", and root on a container host
 * (Vast.ai: the accepted risk docs/security.md states), create nothing and warn on every run.
 */
function appUserPrivileges(name: string, user: string, flavor: string, connection: pulumi.Input<Connection>, given: AppUserPolicy | undefined,
  opts: pulumi.CustomResourceOptions): Step[] {
  const p: AppUserPolicy = given ?? { host: name, role: "?", login: "root", policy: "refuse" };
  if (p.policy === "accept") {
    pulumi.log.warn(`${p.host}: the app user ${user} of role ${p.role} may hold root-equivalent privileges: hostform:appUserPrivileges.${p.role} is "accept", so nothing is checked`);
    return [];
  }
  if (user === "root" && flavor === "container") {
    pulumi.log.warn(`${p.host}: the apps of role ${p.role} run as root on a container host (no init system, e.g. Vast.ai): the accepted risk of the security model (docs/security.md)`);
    return [];
  }
  return [new Step(`${name}-app-user-privileges`, {
    connection,
    title: `app user ${user} without privileges`,
    check: privilegesCheck(user),
    run: p.policy === "revoke" ? privilegesRevoke(user, p) : privilegesRefuse(user, p),
    triggers: { policy: p.policy, login: p.login },
  }, opts)];
}
