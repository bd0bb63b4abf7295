import type * as pulumi from "@pulumi/pulumi";
import type { KindName } from "./kinds";

type Impl = typeof import("./provider");

/**
 * The provider object Pulumi serializes into each resource's state. It carries no logic: every
 * call loads hostform's implementation by package name (@hostform/provider, see runtime.js) in
 * the provider process, so a refresh or destroy of state written by an older hostform runs the
 * code installed now, not a frozen copy. Keep this function's text stable.
 */
export function providerFor(kind: KindName): pulumi.dynamic.ResourceProvider {
  const impl = (): Impl => {
    const g = globalThis as { __hostformProvider?: Impl };
    return (g.__hostformProvider ??= require("@hostform/provider") as Impl);
  };
  return {
    check: (olds, news) => impl().check(kind, olds, news),
    create: (inputs) => impl().create(kind, inputs),
    read: (id, props) => impl().read(kind, id, props),
    diff: (id, olds, news) => impl().diff(kind, id, olds, news),
    update: (id, olds, news) => impl().update(kind, id, olds, news),
    delete: (id, props) => impl().remove(kind, id, props),
  };
}
