import type { Topology } from "../registry";
import { FlatlogicHost } from "./host";
import { flatlogicMinimumMemory } from "./memory";
import { type FlatlogicSettings, flatlogicSettings } from "./settings";

/** The Flatlogic VM (seeds/001), role `flatlogic`. */
export const flatlogic: Topology<FlatlogicSettings> = {
  role: "flatlogic",
  flavors: ["systemd", "container"],
  secrets: [{ key: "flatlogicBackendEnv" }],
  settings: (value, _plain, p) => flatlogicSettings(value, p),
  appUser: (s) => s.appUser,
  minimumMemory: (s) => flatlogicMinimumMemory(s.memory),
  plugins: (s) => (s.cloudflare ? [{ name: "cloudflare", key: "hostform:flatlogic.cloudflare" }] : []),
  build(h, settings, secrets) {
    const host = new FlatlogicHost(h.name, { connection: h.connection, flavor: h.flavor, address: h.address, privileges: h.privileges, settings, backendEnv: secrets.flatlogicBackendEnv });
    return { resources: [host], outputs: { urls: host.urls } };
  },
};
