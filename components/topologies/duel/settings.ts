/**
 * The Hyperscape duel stack's settings (stack key `hostform:duel`): one DEFAULTS object with the
 * guides' values (seeds/000 and 003), and the validation that turns a stack's object, and what
 * its secrets imply (database mode, pool size, stream platforms), into settings. Secret values
 * are read only to detect those; problems name the key and never show a value.
 */
import { NODE_DEFAULTS, type NodeRuntime } from "../../blocks/base/node";
import { PM2_VERSION } from "../../blocks/pm2/pm2";
import { type Problems, settingsReader } from "../../blocks/validate";
import { type DatabaseMode, databaseMode, DuelConfigError, enabledPlatforms, type Platform, poolMax } from "./detect";

/** Every setting of the duel stack. */
export interface DuelSettings {
  readonly repo: string;
  readonly ref: string;
  readonly appUser: string;
  readonly node: NodeRuntime;
  readonly pm2Version: string;
  readonly secretsPath: string;
  readonly secretsCanonical: string;
  readonly display: string;
  readonly screen: string;
  /** Chrome Beta from Google's repository, or a Debian package (the sandbox: chromium). */
  readonly browser: { readonly package: string; readonly source: "google" | "debian" };
  readonly angle: "angle" | "vulkan";
  readonly serverPort: number;
  /** The host's externally reachable ports (Vast.ai port proxies): what outputs point at. */
  readonly externalPorts: Readonly<Record<string, number>>;
  readonly database: DatabaseMode;
  readonly poolMax: number;
  readonly platforms: readonly Platform[];
  readonly gracefulTimeoutSeconds: number;
  readonly healthTimeoutSeconds: number;
}

/** The guides' values; `repo` has none (required). */
export const DEFAULTS = {
  ref: "main",
  /** Vast.ai instances run everything as root. */
  appUser: "root",
  node: NODE_DEFAULTS,
  pm2Version: PM2_VERSION,
  /** Where the guide's ecosystem reads the secrets, and the copy kept outside /tmp. */
  secretsPath: "/tmp/hyperscape-secrets.env",
  secretsCanonical: "/etc/hostform/hyperscape-secrets.env",
  /** Xvfb :99 at 1920x1080x24 (seeds/000). */
  display: ":99",
  screen: "1920x1080x24",
  browser: { package: "google-chrome-beta", source: "google" },
  /** ANGLE picks the WebGPU backend (the guide's recommendation); "vulkan" is opt-in. */
  angle: "angle",
  serverPort: 5555,
  /** The Vast.ai port proxies of seeds/000. */
  externalPorts: { server: 35143, stream: 35079, admin: 35144 },
  /** How long a graceful restart may wait for the duel to end (seeds/003). */
  gracefulTimeoutSeconds: 900,
  healthTimeoutSeconds: 120,
} as const;

/** hostform:duel, every key defaulting to DEFAULTS, with what `secrets` (plain, never shown) implies. */
export function duelSettings(v: Record<string, unknown>, secrets: Readonly<Record<string, string>>, p: Problems): DuelSettings {
  const { k, str, int } = settingsReader("hostform:duel", v, p);
  const detected = (() => {
    try {
      const database = databaseMode(secrets);
      if (!/^[a-z_][a-z0-9_]*$/.test(database.user) || !/^[a-z_][a-z0-9_]*$/.test(database.database)) {
        p.add("hostform:duelSecrets.DATABASE_URL: user and database names must be lowercase letters, digits and _ (value not shown)");
      }
      return { database, poolMax: poolMax(secrets), platforms: enabledPlatforms(secrets) };
    } catch (e) {
      if (e instanceof DuelConfigError) p.add(`hostform:duelSecrets.${e.message}`);
      else throw e;
      return undefined;
    }
  })();
  if (!secrets.ADMIN_CODE) p.add("hostform:duelSecrets.ADMIN_CODE is missing: graceful restarts need it (pulumi config set --secret --path 'duelSecrets.ADMIN_CODE' …)");
  const browser = (v.browser ?? {}) as Record<string, unknown>;
  const node = (v.node ?? {}) as Record<string, unknown>;
  const ports = (v.externalPorts ?? DEFAULTS.externalPorts) as Record<string, number>;
  const settings: DuelSettings = {
    repo: str("repo", undefined, /^(\/|https:\/\/|ssh:\/\/|git@)[^\s'"]+$/, "the duel server's git remote"),
    ref: str("ref", DEFAULTS.ref, /^[A-Za-z0-9._\/-]+$/, "a branch or tag name"),
    appUser: str("appUser", DEFAULTS.appUser, /^[a-z_][a-z0-9_-]*$/, "a user name"),
    node: { ...DEFAULTS.node, ...(node as Partial<NodeRuntime>) },
    pm2Version: str("pm2Version", DEFAULTS.pm2Version, /^\d+\.\d+\.\d+$/, "an exact pm2 version"),
    secretsPath: str("secretsPath", DEFAULTS.secretsPath, /^\/[A-Za-z0-9._\/-]+$/, "an absolute path"),
    secretsCanonical: str("secretsCanonical", DEFAULTS.secretsCanonical, /^\/[A-Za-z0-9._\/-]+$/, "an absolute path outside /tmp"),
    display: str("display", DEFAULTS.display, /^:\d+$/, 'an X display like ":99"'),
    screen: str("screen", DEFAULTS.screen, /^\d+x\d+x\d+$/, 'a WIDTHxHEIGHTxDEPTH screen like "1920x1080x24"'),
    browser: { package: String(browser.package ?? DEFAULTS.browser.package), source: browser.source === "debian" ? "debian" : "google" },
    angle: str("angle", DEFAULTS.angle, /^(angle|vulkan)$/, '"angle" (default) or "vulkan" (opt-in)') as "angle" | "vulkan",
    serverPort: int("serverPort", DEFAULTS.serverPort, 1, 65535),
    externalPorts: ports,
    database: detected?.database ?? { mode: "remote", host: "", port: 5432, database: "", user: "", useLocalPostgres: false },
    poolMax: detected?.poolMax ?? 20,
    platforms: detected?.platforms ?? [],
    gracefulTimeoutSeconds: int("gracefulTimeoutSeconds", DEFAULTS.gracefulTimeoutSeconds, 10, 7200),
    healthTimeoutSeconds: int("healthTimeoutSeconds", DEFAULTS.healthTimeoutSeconds, 5, 1800),
  };
  if (settings.secretsCanonical.startsWith("/tmp/")) p.add(`${k("secretsCanonical")} must be outside /tmp: /tmp is emptied at boot`);
  return settings;
}
