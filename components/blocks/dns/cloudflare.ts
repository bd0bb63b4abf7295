import type * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";

export interface CloudflareDnsArgs {
  /** The Cloudflare zone's id. */
  readonly zoneId: string;
  /** The record's name within the zone ("tbp" or the full name). */
  readonly name: string;
  /** The host's public IPv4 address. */
  readonly address: string;
  /** Through Cloudflare's proxy (orange cloud), as the runbook's topology has it. */
  readonly proxied?: boolean;
}

/** The public name of a host: an A record, proxied by Cloudflare by default. */
export class CloudflareDns extends pulumi.ComponentResource {
  readonly record: cloudflare.DnsRecord;
  constructor(name: string, args: CloudflareDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hostform:dns:CloudflareDns", name, {}, opts);
    // Loaded only here: the Cloudflare SDK takes long to load, and stacks without a zone never need it.
    const cf = require("@pulumi/cloudflare") as typeof cloudflare;
    this.record = new cf.DnsRecord(`${name}-a`, {
      zoneId: args.zoneId, name: args.name, type: "A", content: args.address, proxied: args.proxied ?? true, ttl: 1,
    }, { parent: this });
    this.registerOutputs({ hostname: this.record.name });
  }
}
