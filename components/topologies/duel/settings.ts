/**
 * The Hyperscape duel stack's settings (stack key `hostform:duel`): one DEFAULTS object with the
 * guides' values (seeds/000 and 003), and the validation that turns a stack's object, and what
 * its secrets imply (database mode, pool size, stream platforms), into settings. Secret values
 * are read only to detect those; problems name the key and never show a value.
 */
import { NODE_DEFAULTS, type NodeRuntime, nodeSettings } from "../../blocks/base/node";
import { ANGLE_BACKENDS, type AngleBackend, GOOGLE_PACKAGES } from "../../blocks/browser/flags";
import { PM2_VERSION } from "../../blocks/pm2/pm2";
import { checkKnownKeys, isPlainPath, type Problems, settingsReader, show } from "../../blocks/validate";
import { APP_DEFAULTS, type DuelAppSettings, duelAppSettings } from "./app";
import { PROXY_DEFAULTS, type ProxyRole, proxySettings } from "./proxies";
import { type DatabaseMode, databaseMode, DuelConfigError, enabledPlatforms, type Platform, poolMax } from "./detect";

/** Every setting of the duel stack. */
export interface DuelSettings {
  readonly repo: string;
  readonly ref: string;
  /** The stack's app user; unset, the host's flavor picks it (duelAppUser: DEFAULTS.appUser). */
  readonly appUser: string | undefined;
  readonly node: NodeRuntime;
  /** The app's runtime, commands and ecosystem file (app.ts). */
  readonly app: DuelAppSettings;
  readonly pm2Version: string;
  readonly secretsPath: string;
  readonly secretsCanonical: string;
  readonly display: string;
  readonly screen: string;
  /** Chrome Beta from Google's repository, or a Debian package (the sandbox: chromium). */
  readonly browser: { readonly package: string; readonly source: "google" | "debian" };
  /** The server's STREAM_CAPTURE_ANGLE (seeds/000). */
  readonly angle: AngleBackend;
  readonly serverPort: number;
  /** The Vast.ai port proxies (proxies.ts): role → external port; what outputs and the doctor use. */
  readonly externalPorts: Readonly<Partial<Record<ProxyRole, number>>>;
  /** The local CDN the `cdn` proxy reaches (hostform does not run it). */
  readonly cdnPort: number;
  readonly database: DatabaseMode;
  readonly poolMax: number;
  readonly platforms: readonly Platform[];
  readonly gracefulTimeoutSeconds: number;
  readonly healthTimeoutSeconds: number;
}

/** The guides' values; `repo` has none (required). */
export const DEFAULTS = {
  ref: "main",
  /**
   * By init flavor. systemd hosts: a dedicated unprivileged user hostform creates. Containers
   * (Vast.ai) run everything as root: root in a container that is the whole instance is the
   * accepted risk of docs/security.md (and this folder's README.md).
   */
  appUser: { systemd: "hyperscape", container: "root" },
  node: NODE_DEFAULTS,
  /** bun, `bun install`/`bun run build`/`bun run migrate`/`bun run start`, the repository's ecosystem.config.cjs (seeds/000, 003). */
  app: APP_DEFAULTS,
  pm2Version: PM2_VERSION,
  /** Where the guide's ecosystem reads the secrets, and the copy kept outside /tmp. */
  secretsPath: "/tmp/hyperscape-secrets.env",
  secretsCanonical: "/etc/hostform/hyperscape-secrets.env",
  /** Xvfb :99 at 1920x1080x24 (seeds/000). */
  display: ":99",
  screen: "1920x1080x24",
  browser: { package: "google-chrome-beta", source: "google" },
  /** ANGLE picks the WebGPU backend (the guide's recommendation, STREAM_CAPTURE_ANGLE=default); "vulkan" and "opengl" are opt-in. */
  angle: "default",
  serverPort: 5555,
  /** The Vast.ai port proxies of seeds/000: server and websocket reach the game server, cdn the local CDN. */
  externalPorts: PROXY_DEFAULTS,
  /** The guide's CDN port ("CDN: internal 8080 -> external 35144"). */
  cdnPort: 8080,
  /** How long a graceful restart may wait for the duel to end (seeds/003). */
  gracefulTimeoutSeconds: 900,
  healthTimeoutSeconds: 120,
} as const;

/** Every key hostform:duel has; any other is a typo. */
const KEYS = ["repo", "ref", "appUser", "node", "pm2Version", "secretsPath", "secretsCanonical", "display", "screen", "browser", "angle",
  "serverPort", "externalPorts", "cdnPort", "gracefulTimeoutSeconds", "healthTimeoutSeconds", "app"] as const;

/** browser.source ("google" or "debian", never a silent default for a typo) and a Debian package name. */
function browserSettings(value: unknown, key: string, p: Problems): DuelSettings["browser"] {
  checkKnownKeys(p, key, value, ["source", "package"]);
  const b = { ...DEFAULTS.browser, ...(value && typeof value === "object" ? value : {}) } as Record<string, unknown>;
  if (b.source !== "google" && b.source !== "debian") p.add(`${key}.source must be "google" (Google's repository) or "debian" (a Debian package), got ${show(b.source)}`);
  if (typeof b.package !== "string" || !/^[a-z0-9][a-z0-9+.-]+$/.test(b.package)) p.add(`${key}.package must be a Debian package name like google-chrome-beta, got ${show(b.package)}`);
  // The server is told its capture channel (STREAM_CAPTURE_CHANNEL): the guide names one for these alone.
  else if (b.source === "google" && !GOOGLE_PACKAGES.includes(b.package)) p.add(`${key}.package from Google must be ${GOOGLE_PACKAGES.join(" or ")} (the capture channels chrome-beta, chrome-dev of seeds/000), got ${show(b.package)}`);
  return { package: String(b.package), source: b.source === "debian" ? "debian" : "google" };
}

/** Where the app's copy of the secrets may live: folders for temporary files, and the app user's home. */
const APP_TREES = (home: string) => ["/tmp", "/var/tmp", "/dev/shm", home];

/**
 * The password of a DATABASE_URL, %-decoded as the app's driver decodes it; a DuelConfigError
 * naming the key (never the value) when it is not valid %-encoding, such as a bare "50%off".
 */
export function databasePassword(databaseUrl: string): string {
  try {
    return decodeURIComponent(new URL(databaseUrl.trim()).password);
  } catch {
    throw new DuelConfigError("DATABASE_URL", "has a password that is not valid %-encoding (value not shown): a % must start an escape such as %25, so write a literal % as %25 (encodeURIComponent gives the right form)");
  }
}

/** hostform:duel, every key defaulting to DEFAULTS, with what `secrets` (plain, never shown) implies. */
export function duelSettings(v: Record<string, unknown>, secrets: Readonly<Record<string, string>>, p: Problems): DuelSettings {
  const { k, str, int, repo, ref } = settingsReader("hostform:duel", v, p);
  const path = (name: "secretsPath" | "secretsCanonical", fallback: string, what: string): string => {
    const value = v[name] ?? fallback;
    if (!isPlainPath(value) || String(value).endsWith("/")) p.add(`${k(name)} must be ${what}, got ${show(value)}`);
    return String(value);
  };
  const detected = (() => {
    try {
      const database = databaseMode(secrets);
      if (!/^[a-z_][a-z0-9_]*$/.test(database.user) || !/^[a-z_][a-z0-9_]*$/.test(database.database)) {
        p.add("hostform:duelSecrets.DATABASE_URL: user and database names must be lowercase letters, digits and _ (value not shown)");
      }
      databasePassword(secrets.DATABASE_URL ?? "");
      return { database, poolMax: poolMax(secrets), platforms: enabledPlatforms(secrets) };
    } catch (e) {
      if (e instanceof DuelConfigError) p.add(`hostform:duelSecrets.${e.message}`);
      else throw e;
      return undefined;
    }
  })();
  if (!secrets.ADMIN_CODE) p.add("hostform:duelSecrets.ADMIN_CODE is missing: graceful restarts need it (pulumi config set --secret --path 'duelSecrets.ADMIN_CODE' …)");
  checkKnownKeys(p, "hostform:duel", v, KEYS);
  const node = nodeSettings(v.node, k("node"), p, { re: /^(1[89]|[2-9]\d)\.\d+\.\d+$/, what: "an exact Node.js version, 18 or newer (like 20.20.2)" });
  const browser = browserSettings(v.browser, k("browser"), p);
  const ports = { serverPort: int("serverPort", DEFAULTS.serverPort, 1, 65535), cdnPort: int("cdnPort", DEFAULTS.cdnPort, 1, 65535) };
  const externalPorts = proxySettings(v.externalPorts, k("externalPorts"), ports, p);
  const settings: DuelSettings = {
    repo: repo("repo", "the duel server's git remote"),
    ref: ref("ref", DEFAULTS.ref),
    appUser: v.appUser === undefined ? undefined : str("appUser", undefined, /^[a-z_][a-z0-9_-]{0,31}$/, "a user name"),
    node,
    app: duelAppSettings(v.app, p),
    pm2Version: str("pm2Version", DEFAULTS.pm2Version, /^\d+\.\d+\.\d+$/, "an exact pm2 version"),
    secretsPath: path("secretsPath", DEFAULTS.secretsPath, "an absolute file path of [A-Za-z0-9._+@/-]"),
    secretsCanonical: path("secretsCanonical", DEFAULTS.secretsCanonical, "an absolute file path of [A-Za-z0-9._+@/-] outside /tmp"),
    display: str("display", DEFAULTS.display, /^:\d+$/, 'an X display like ":99"'),
    screen: str("screen", DEFAULTS.screen, /^\d+x\d+x\d+$/, 'a WIDTHxHEIGHTxDEPTH screen like "1920x1080x24"'),
    browser,
    angle: str("angle", DEFAULTS.angle, new RegExp(`^(${ANGLE_BACKENDS.join("|")})$`), `the server's STREAM_CAPTURE_ANGLE: "default" (recommended: ANGLE picks Vulkan, then OpenGL), "vulkan" or "opengl"`) as AngleBackend,
    ...ports,
    externalPorts,
    database: detected?.database ?? { mode: "remote", host: "", port: 5432, database: "", user: "", useLocalPostgres: false },
    poolMax: detected?.poolMax ?? 20,
    platforms: detected?.platforms ?? [],
    gracefulTimeoutSeconds: int("gracefulTimeoutSeconds", DEFAULTS.gracefulTimeoutSeconds, 10, 7200),
    healthTimeoutSeconds: int("healthTimeoutSeconds", DEFAULTS.healthTimeoutSeconds, 5, 1800),
  };
  // The kept copy is root's (root reads the secrets from it): nowhere another user can write or empties at boot.
  if (/^\/(tmp|var\/tmp|dev\/shm|run\/user|home)\//.test(settings.secretsCanonical)) {
    p.add(`${k("secretsCanonical")} must be in a folder only root writes, like /etc/hostform (not /tmp, /var/tmp, /dev/shm or a home), got ${show(settings.secretsCanonical)}`);
  }
  if (settings.secretsPath === settings.secretsCanonical) p.add(`${k("secretsPath")} must differ from secretsCanonical: one is the app's copy, the other root's`);
  // The app's copy is the app user's file: anywhere else (/etc/passwd) the first up would replace a system file with it.
  // Without an appUser the user depends on the host's flavor: either default user's home will do.
  const users = settings.appUser !== undefined ? [settings.appUser] : [...new Set(Object.values(DEFAULTS.appUser))];
  const trees = [...new Set(users.flatMap((u) => APP_TREES(u === "root" ? "/root" : `/home/${u}`)))];
  if (isPlainPath(settings.secretsPath) && !trees.some((t) => settings.secretsPath.startsWith(`${t}/`))) {
    p.add(`${k("secretsPath")} must be a file in ${trees.join(", ")} (the app user's copy of the secrets, owned by it; elsewhere it would replace a system file), got ${show(settings.secretsPath)}: keep the default ${DEFAULTS.secretsPath} or pick a path under the app user's home`);
  }
  return settings;
}

/** The user the duel stack runs as on a host of `flavor`: the stack's appUser, else the flavor's default. */
export function duelAppUser(s: Pick<DuelSettings, "appUser">, flavor: "systemd" | "container"): string {
  return s.appUser ?? DEFAULTS.appUser[flavor];
}
