import * as pulumi from "@pulumi/pulumi";
import { File } from "../components/host/resources";
import type { Connection } from "../components/host/ssh";
import { TOPOLOGIES } from "../components/topologies/registry";
import type { HostConfig, StackConfig } from "./config";

/** A private key from config travels as a secret; a key path is plain. The host's name is for messages (ssh.ts). */
export function connectionInput(h: HostConfig): pulumi.Input<Connection> {
  const named: Connection = { ...h.connection, name: h.name };
  if (h.privateKeySecret === undefined) return named;
  return pulumi.secret(pulumi.output(h.privateKeySecret as pulumi.Input<string>).apply((privateKey) => ({ ...named, privateKey })));
}

/** A secret config object (Pulumi hands it over as JSON text) as a secret map; none is an empty map. */
function secretMap(value: unknown): pulumi.Output<Record<string, string>> {
  if (value === undefined) return pulumi.output({} as Record<string, string>);
  return pulumi.secret(pulumi.output(value as pulumi.Input<string>).apply((text) => (typeof text === "string" ? JSON.parse(text) : text) as Record<string, string>));
}

/** Each host's top-level resources (for identity tests) and its stack outputs. */
export function buildHostResources(config: StackConfig, stack: string) {
  return config.hosts.map((h) => {
    const connection = connectionInput(h);
    const resources: pulumi.Resource[] = [];
    let built: Record<string, unknown> = {};
    const topology = TOPOLOGIES[h.role];
    const role = config.roles[h.role];
    if (topology && role) {
      const secrets = Object.fromEntries(Object.entries(role.secrets).map(([k, v]) => [k, secretMap(v)]));
      const privileges = { host: h.name, role: h.role, login: h.connection.user ?? "root", policy: h.appUserPrivileges };
      const b = topology.build({ name: h.name, connection, flavor: h.flavor, address: h.connection.host, privileges }, role.settings, secrets);
      resources.push(...b.resources);
      built = b.outputs;
    }
    const marker = new File(`${h.name}-marker`, {
      connection,
      path: "/etc/hostform/host.json",
      content: `${JSON.stringify({ managedBy: "hostform", stack, host: h.name, flavor: h.flavor }, null, 2)}\n`,
      mode: "0644",
    });
    resources.push(marker);
    return { name: h.name, resources, outputs: { address: h.connection.host, flavor: h.flavor, role: h.role, marker: marker.id, ...built } };
  });
}

export function buildHosts(config: StackConfig, stack: string) {
  return Object.fromEntries(buildHostResources(config, stack).map((h) => [h.name, h.outputs]));
}
