/**
 * hostform as a library (`import { FlatlogicHost, flatlogicArgs } from "hostform"`): the topologies'
 * host components, the blocks they are built from, the host resources beneath, and typed arguments
 * checked by the stack config's own module (./settings). docs/library.md shows a program.
 */

// Typed arguments, validated as the stack config is; SettingsError lists every bad key with its fix.
export {
  duelArgs, SettingsError, type DuelSettingsInput, flatlogicArgs, type FlatlogicSettingsInput, type HostInput, hostTarget, metahumanArgs,
  type MetahumanSettingsInput,
} from "./settings";

// Topologies: one component per host.
export { FlatlogicHost, type FlatlogicHostArgs, type FlatlogicSettings } from "../components/topologies/flatlogic/host";
export { DEFAULTS as FLATLOGIC_DEFAULTS } from "../components/topologies/flatlogic/settings";
export { DuelHost, type DuelHostArgs } from "../components/topologies/duel/host";
export { DEFAULTS as DUEL_DEFAULTS, type DuelSettings } from "../components/topologies/duel/settings";
export { MetahumanHost, type MetahumanHostArgs } from "../components/topologies/metahuman/host";
export { DEFAULTS as METAHUMAN_DEFAULTS, type MetahumanSettings } from "../components/topologies/metahuman/settings";

// Blocks.
export { BASE_PACKAGES, type HostTarget, VmHost, type VmHostArgs } from "../components/blocks/base/vmhost";
export { NODE_DEFAULTS, type NodeRuntime } from "../components/blocks/base/node";
export type { AppUserPolicy, PrivilegePolicy } from "../components/blocks/base/privileges";
export { ApacheReverseProxy, type ApacheReverseProxyArgs } from "../components/blocks/apache/proxy";
export { type ApacheVhostArgs, renderApacheVhost } from "../components/blocks/apache/render";
export { PM2_VERSION, type Pm2Args, Pm2SystemdUnit } from "../components/blocks/pm2/pm2";
export { PM2_BIN, type Pm2App, renderEcosystem } from "../components/blocks/pm2/render";
export { SecretsFile, type SecretsFileArgs } from "../components/blocks/secrets/secrets-file";
export { renderEnvFile } from "../components/blocks/secrets/envfile";
export { CloudflareDns, type CloudflareDnsArgs } from "../components/blocks/dns/cloudflare";
export { logrotate } from "../components/blocks/logrotate/logrotate";
export { bootResources } from "../components/blocks/init/boot";

// Host resources (each reads the host back on refresh).
export {
  AptPackages, type AptPackagesArgs, Directory, type DirectoryArgs, File, type FileArgs, Health, type HealthArgs, HostFacts,
  Pm2Apps, type Pm2AppsArgs, Service, type ServiceArgs, Step, type StepArgs, SystemdUnit, type SystemdUnitArgs,
} from "../components/host/resources";
export type { Connection } from "../components/host/ssh";
export { script, sh } from "../components/host/quote";
