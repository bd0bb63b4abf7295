import type { Topology } from "../registry";
import { metahumanDoctor } from "./doctor";
import { MetahumanHost } from "./host";
import { type MetahumanSettings, metahumanSettings } from "./settings";

/** MetaHuman OS (seeds/002), role `metahuman`: its agents are systemd units, so systemd hosts only. */
export const metahuman: Topology<MetahumanSettings> = {
  role: "metahuman",
  flavors: ["systemd"],
  secrets: [{ key: "metahumanEnv" }],
  settings: (value, _plain, p) => metahumanSettings(value, p),
  appUser: (s) => s.appUser,
  doctor: metahumanDoctor,
  build(h, settings, secrets) {
    const host = new MetahumanHost(h.name, { connection: h.connection, flavor: "systemd", address: h.address, privileges: h.privileges, settings, env: secrets.metahumanEnv });
    return { resources: [host], outputs: { urls: host.urls, agents: host.agents } };
  },
};
