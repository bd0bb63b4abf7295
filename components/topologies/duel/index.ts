import * as pulumi from "@pulumi/pulumi";
import type { Topology } from "../registry";
import { DuelHost } from "./host";
import { databasePassword, duelAppUser, type DuelSettings, duelSettings } from "./settings";

/** The Hyperscape duel stack (seeds/000, 003), role `duel`: with systemd, or without (Vast.ai). */
export const duel: Topology<DuelSettings> = {
  role: "duel",
  flavors: ["systemd", "container"],
  secrets: [{ key: "duelSecrets", fileKey: "duelSecretsFile", detect: true }],
  settings: (value, plain, p) => duelSettings(value, plain.duelSecrets ?? {}, p),
  appUser: (s, flavor) => duelAppUser(s, flavor),
  build(h, settings, secrets) {
    const values = secrets.duelSecrets;
    const host = new DuelHost(h.name, {
      connection: h.connection, flavor: h.flavor, address: h.address, privileges: h.privileges, settings, secrets: values,
      databasePassword: pulumi.secret(values.apply((m) => databasePassword(m.DATABASE_URL))),
    });
    return { resources: [host], outputs: { urls: host.urls, streamPlatforms: host.platforms } };
  },
};
