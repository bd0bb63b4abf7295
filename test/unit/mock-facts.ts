/**
 * What a Facts resource reads on a Debian bookworm x86_64 host, for tests under mocks: components
 * choose downloads and the PostgreSQL cluster from it, and mocks echo only inputs.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Facts } from "../../components/host/kinds/facts";

export const BOOKWORM_FACTS: Facts = { id: "debian", version: "12", arch: "x86_64", systemd: true, memoryKiB: 4_000_000 };

/** A mock's state: the inputs, plus `observed` facts for a Facts resource. */
export function withFacts(type: string, inputs: Record<string, unknown>): Record<string, unknown> {
  return type.endsWith("host:Facts") ? { ...inputs, observed: BOOKWORM_FACTS } : inputs;
}

export interface Created { type: string; name: string; inputs: Record<string, unknown> }

/** Pulumi's mocks recording each resource into `created`; Facts resources get BOOKWORM_FACTS. */
export function recordMocks(created: Created[], stack: string): void {
  pulumi.runtime.setMocks({
    newResource: (args) => {
      created.push({ type: args.type, name: args.name, inputs: args.inputs });
      return { id: `${args.name}-id`, state: withFacts(args.type, args.inputs) };
    },
    call: () => ({}),
  }, "hostform", stack, false);
}
