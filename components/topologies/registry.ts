/**
 * The topologies a host's `role` can name. infra/config.ts validates each role's settings through
 * its entry and infra/hosts.ts builds it: adding a topology is its folder and one line here.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { MinimumMemory } from "../blocks/base/memory";
import type { AppUserPolicy } from "../blocks/base/privileges";
import type { Problems } from "../blocks/validate";
import type { Connection } from "../host/ssh";
import type { DoctorHost, DoctorPlan } from "./doctor";
import { duel } from "./duel";
import { flatlogic } from "./flatlogic";
import { metahuman } from "./metahuman";

export type Flavor = "systemd" | "container";

/** What a topology gets to build one host. */
export interface HostContext {
  readonly name: string;
  readonly connection: pulumi.Input<Connection>;
  readonly flavor: Flavor;
  /** The address outputs and DNS records point at. */
  readonly address: string;
  /** What to do about a privileged app user (hostform:appUserPrivileges). */
  readonly privileges: AppUserPolicy;
}

/** A secret stack key holding a KEY → value map (hostform:<key>). */
export interface SecretSpec {
  readonly key: string;
  /** A plain config key naming a 0600 file with the same JSON, for the sandbox (hostform:<fileKey>). */
  readonly fileKey?: string;
  /** The values are needed in plain text while validating (to detect modes); never shown. */
  readonly detect?: boolean;
}

export interface Topology<S = unknown> {
  /** The role hosts name, and the settings key hostform:<role>. */
  readonly role: string;
  /** Init flavors it runs on; config refuses a host of another flavor before any SSH. */
  readonly flavors: readonly Flavor[];
  readonly secrets: readonly SecretSpec[];
  /** The user its apps run as on a host of `flavor` (the default may depend on the flavor). */
  appUser(settings: S, flavor: Flavor): string;
  /** The memory its hosts should have: below it, hosts check and the doctor warn (up warns from the host's facts). */
  minimumMemory?(settings: S): MinimumMemory | undefined;
  /** What `npm run doctor` checks on its hosts beyond disk, memory and OOM kills (its `doctor.ts`). */
  doctor?(settings: S, host: DoctorHost): DoctorPlan;
  /** Pulumi resource plugins (beyond hostform's own) these settings need, with the settings key that needs each. */
  plugins?(settings: S): readonly { readonly name: string; readonly key: string }[];
  /** Settings from the stack's object (defaults filled in); `plain` holds detect secrets' values. */
  settings(value: Record<string, unknown>, plain: Readonly<Record<string, Readonly<Record<string, string>>>>, p: Problems): S;
  /** The host's resources (top-level ones returned) and its stack outputs. */
  build(host: HostContext, settings: S, secrets: Readonly<Record<string, pulumi.Output<Record<string, string>>>>): {
    readonly resources: pulumi.Resource[];
    readonly outputs: Record<string, unknown>;
  };
}

export const TOPOLOGIES: Readonly<Record<string, Topology>> = {
  flatlogic: flatlogic as Topology,
  duel: duel as Topology,
  metahuman: metahuman as Topology,
};
