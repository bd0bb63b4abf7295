/** The four PM2 apps of the standard Flatlogic VM (runbook: Process Manager, FFmpeg guardrails). */
import type { Pm2App } from "../../blocks/pm2/render";
import { isPlainPath, isPort, isPositiveInt, isUserName, Problems, show } from "../../blocks/validate";

/** Backend settings that keep reverse-video generation from taking the VM down (June 2026 OOM). */
export interface FfmpegGuardrails {
  /** FFMPEG_REVERSE_TIMEOUT_MS: the reversal's ffmpeg is killed after this long. */
  readonly reverseTimeoutMs: number;
  /** FFPROBE_TIMEOUT_MS: limit for metadata extraction. */
  readonly ffprobeTimeoutMs: number;
  /** FFMPEG_BREAKER_FAILURE_THRESHOLD: consecutive failures that open the circuit breaker. */
  readonly breakerFailureThreshold: number;
  /** FFMPEG_BREAKER_COOLDOWN_MS: how long an open breaker refuses new jobs. */
  readonly breakerCooldownMs: number;
  /** FFMPEG_BREAKER_SUCCESS_THRESHOLD: successes in half-open state that close it again. */
  readonly breakerSuccessThreshold: number;
}

/**
 * The two timeouts are the runbook's defaults. The runbook names the breaker settings without
 * values; these are hostform's choice, overridable through `ffmpeg`: open after 3 consecutive
 * failures (a 3.8 GiB VM cannot afford many failed heavy jobs), refuse new jobs for 60 s, close
 * again after 1 successful trial.
 */
export const FFMPEG_GUARDRAIL_DEFAULTS: FfmpegGuardrails = {
  reverseTimeoutMs: 600_000,
  ffprobeTimeoutMs: 30_000,
  breakerFailureThreshold: 3,
  breakerCooldownMs: 60_000,
  breakerSuccessThreshold: 1,
};

const FFMPEG_ENV: Record<keyof FfmpegGuardrails, string> = {
  reverseTimeoutMs: "FFMPEG_REVERSE_TIMEOUT_MS",
  ffprobeTimeoutMs: "FFPROBE_TIMEOUT_MS",
  breakerFailureThreshold: "FFMPEG_BREAKER_FAILURE_THRESHOLD",
  breakerCooldownMs: "FFMPEG_BREAKER_COOLDOWN_MS",
  breakerSuccessThreshold: "FFMPEG_BREAKER_SUCCESS_THRESHOLD",
};

export interface FlatlogicAppsArgs {
  /** The user owning ~/executor ("ubuntu"). */
  readonly user: string;
  /** The executor's git workspace ("/home/ubuntu/executor/workspace"). */
  readonly workspace: string;
  /** The active release's frontend, ".../frontend-releases/<release-id>/frontend". */
  readonly frontendDir: string;
  readonly frontendPort?: number;
  readonly backendPort?: number;
  /** The backend's secrets (DB password, tokens…) as KEY=VALUE lines, read by PM2 at start. */
  readonly backendEnvFile: string;
  readonly ffmpeg?: Partial<FfmpegGuardrails>;
  /** The folder of the executor and its telemetry daemon: the VM image's /home/<user>/executor by default. */
  readonly executorDir?: string;
  /** FRONTEND_RELEASES_KEEP for the executor's own pulls: the same number hostform keeps (2). */
  readonly releasesKeep?: number;
}

/**
 * The executor's telemetry daemon (runbook: "fl-telemetry 4317/4318 Executor telemetry daemon"): a
 * daemon of the VM image, beside executor.js in ~/executor, not part of the app's repository. The
 * runbook names neither its file nor a setting for its ports: hostform takes `telemetry.js` beside
 * `executor.js`, and gives it no environment, so it listens where the image's daemon does on its own:
 * OTLP's gRPC and HTTP ports, which the doctor checks.
 */
export const TELEMETRY = { script: "telemetry.js", ports: [4317, 4318] } as const;

const npmStart = { script: "npm", args: ["run", "start"] } as const;

/** frontend-dev, backend-dev, fl-telemetry and fl-executor, named as the runbook and the VM image expect. */
export function flatlogicApps(a: FlatlogicAppsArgs): Pm2App[] {
  const frontendPort = a.frontendPort ?? 3001;
  const backendPort = a.backendPort ?? 3000;
  const releasesKeep = a.releasesKeep ?? 2;
  const ffmpeg: FfmpegGuardrails = { ...FFMPEG_GUARDRAIL_DEFAULTS, ...a.ffmpeg };
  const p = new Problems();
  p.check(isUserName(a.user), `user ${show(a.user)} is not a user name: give a Debian user name like "ubuntu"`);
  for (const key of ["workspace", "frontendDir", "backendEnvFile"] as const) {
    p.check(isPlainPath(a[key]), `${key} ${show(a[key])} must be an absolute path of [A-Za-z0-9._+@/-]`);
  }
  p.check(isPort(frontendPort), `frontendPort ${show(frontendPort)} is not a port: give an integer from 1 to 65535`);
  p.check(isPort(backendPort), `backendPort ${show(backendPort)} is not a port: give an integer from 1 to 65535`);
  p.check(isPositiveInt(releasesKeep), `releasesKeep ${show(releasesKeep)} must be a positive integer`);
  for (const key of Object.keys(FFMPEG_ENV) as (keyof FfmpegGuardrails)[]) {
    p.check(isPositiveInt(ffmpeg[key]), `ffmpeg.${key} ${show(ffmpeg[key])} must be a positive integer`);
  }
  p.done("flatlogicApps");
  const workspace = a.workspace.replace(/\/+$/, "");
  const executorDir = a.executorDir ?? `/home/${a.user}/executor`;
  return [
    // The production server (`next start`), never `next dev`: the dev server shows its indicator.
    { name: "frontend-dev", cwd: a.frontendDir, ...npmStart, env: { FRONT_PORT: String(frontendPort) } },
    {
      name: "backend-dev",
      cwd: `${workspace}/backend`,
      ...npmStart,
      env: {
        NODE_ENV: "dev_stage",
        PORT: String(backendPort),
        ...Object.fromEntries((Object.keys(FFMPEG_ENV) as (keyof FfmpegGuardrails)[]).map((k) => [FFMPEG_ENV[k], String(ffmpeg[k])])),
      },
      envFile: a.backendEnvFile,
    },
    { name: "fl-telemetry", cwd: executorDir, script: TELEMETRY.script, env: {} },
    // The runbook: "override it by setting FRONTEND_RELEASES_KEEP for the executor process", so the
    // executor's own pulls prune to the number hostform's releases keep (README: two deployers).
    { name: "fl-executor", cwd: executorDir, script: "executor.js", env: { FRONTEND_RELEASES_KEEP: String(releasesKeep) } },
  ];
}
