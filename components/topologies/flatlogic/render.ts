/**
 * Pure renderers for the Flatlogic VM topology (the VM deployment runbook): the text of every
 * file hostform ships there, and the release naming. No I/O; each value is validated first and
 * every problem of a call is reported in one RenderError.
 */
export { apacheModules, CLOUDFLARE_IP_RANGES, renderApacheVhost } from "../../blocks/apache/render";
export type { ApacheVhostArgs } from "../../blocks/apache/render";
export { pm2UnitName, renderEcosystem, renderPm2SystemdUnit } from "../../blocks/pm2/render";
export type { Pm2App, Pm2UnitArgs } from "../../blocks/pm2/render";
export { FFMPEG_GUARDRAIL_DEFAULTS, flatlogicApps, TELEMETRY } from "./apps";
export type { FfmpegGuardrails, FlatlogicAppsArgs } from "./apps";
export { RenderError } from "../../blocks/validate";
