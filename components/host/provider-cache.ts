import type * as pulumi from "@pulumi/pulumi";
import type { KindName } from "./kinds";
import { providerFor } from "./shim";

const providers = new Map<KindName, pulumi.dynamic.ResourceProvider>();

/**
 * One provider object per kind for the whole program. Pulumi serializes a dynamic provider once
 * per object (its cache is keyed by identity), and serializing reads every captured function
 * through the inspector: with a new object per resource, a host of 18 resources paid that 18
 * times and a fleet of 10 hosts 180 times. The serialized text is the same either way.
 */
export function sharedProvider(kind: KindName): pulumi.dynamic.ResourceProvider {
  let p = providers.get(kind);
  if (!p) providers.set(kind, (p = providerFor(kind)));
  return p;
}
