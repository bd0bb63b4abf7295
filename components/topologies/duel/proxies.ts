/**
 * The Vast.ai port proxies of seeds/000 ("Port Proxying", "Deployment Checklist: Port proxies
 * configured (35143, 35079, 35144)"). The received seed lost its code block; the guide it was taken
 * from (Hyperscape's PM2 Deployment Guide) gives what listens behind each:
 *   Game server: internal 5555 -> external 35143
 *   WebSocket:   internal 5555 -> external 35079
 *   CDN:         internal 8080 -> external 35144, with `curl -fsS http://127.0.0.1:8080/health`
 *                "(if using local CDN)".
 * Pure: the settings' validation, the URLs they give and what the doctor fetches through them.
 */
import type { Pm2App } from "../../blocks/pm2/render";
import { isPort, type Problems, show } from "../../blocks/validate";

/** Each proxy's role, and the guide's external port. */
export const PROXY_DEFAULTS = { server: 35143, websocket: 35079, cdn: 35144 } as const;
export type ProxyRole = keyof typeof PROXY_DEFAULTS;
const ROLES = Object.keys(PROXY_DEFAULTS) as ProxyRole[];

/** What a proxy reaches on the host: the game server (server, websocket), or the local CDN. */
export function proxyTarget(role: ProxyRole, ports: { readonly serverPort: number; readonly cdnPort: number }): number {
  return role === "cdn" ? ports.cdnPort : ports.serverPort;
}

/**
 * `hostform:duel.externalPorts`: role → the host's external port. Roles the stack leaves out are
 * not proxied (a host without a local CDN names no `cdn`). A port equal to its target is no proxy:
 * the host's own port, reached directly (the sandbox).
 */
export function proxySettings(value: unknown, key: string, ports: { readonly serverPort: number; readonly cdnPort: number }, p: Problems): Partial<Record<ProxyRole, number>> {
  const given = (value ?? PROXY_DEFAULTS) as Record<string, unknown>;
  if (typeof given !== "object" || given === null || Array.isArray(given)) {
    p.add(`${key} must be an object of role: port, like {server: 35143, websocket: 35079, cdn: 35144} (seeds/000), got ${show(value)}`);
    return {};
  }
  const out: Partial<Record<ProxyRole, number>> = {};
  const owner = new Map<number, ProxyRole>();
  for (const [name, value] of Object.entries(given)) {
    if (!(ROLES as string[]).includes(name)) {
      p.add(`${key}.${name} is not a proxy of seeds/000: the roles are server (35143 → the game server), websocket (35079 → the game server) and cdn (35144 → the local CDN)`);
      continue;
    }
    if (!isPort(value)) {
      p.add(`${key}.${name} must be a TCP port number, got ${show(value)}`);
      continue;
    }
    const port = value as number;
    const role = name as ProxyRole;
    const target = proxyTarget(role, ports);
    const other = owner.get(port);
    // Two proxies cannot listen on one port; server and websocket may share the server's own port (no proxy).
    if (other !== undefined && !(port === ports.serverPort && proxyTarget(other, ports) === target)) {
      p.add(`${key}.${name} is ${port}, as is ${key}.${other}: each proxy needs its own external port`);
    } else if (port !== target && (port === ports.serverPort || port === ports.cdnPort)) {
      p.add(`${key}.${name} is ${port}, the port of ${port === ports.serverPort ? "the game server (serverPort)" : "the local CDN (cdnPort)"}: give ${target} to reach it directly, or a free port for the proxy`);
    }
    owner.set(port, owner.get(port) ?? role);
    out[role] = port;
  }
  return out;
}

/** What a proxy carries, for outputs and the doctor's report. */
const WHAT: Readonly<Record<ProxyRole, string>> = { server: "the game server", websocket: "the game server's WebSocket", cdn: "the local CDN" };

/** The stack's URLs through the proxies: the server's health and streaming state, the WebSocket, the CDN. */
export function proxyUrls(address: string, proxies: Partial<Record<ProxyRole, number>>, serverPort: number): Record<string, string> {
  const server = proxies.server ?? serverPort;
  return {
    health: `http://${address}:${server}/health`,
    streaming: `http://${address}:${server}/streaming/state`,
    ...(proxies.websocket !== undefined ? { websocket: `ws://${address}:${proxies.websocket}/` } : {}),
    ...(proxies.cdn !== undefined ? { cdn: `http://${address}:${proxies.cdn}/` } : {}),
  };
}

/**
 * What the doctor fetches from where it runs, one per proxy: /health through it must answer 200
 * (the guide's health checks are /health on 5555 and on the CDN's 8080).
 */
export function proxyChecks(address: string, proxies: Partial<Record<ProxyRole, number>>, ports: { readonly serverPort: number; readonly cdnPort: number }) {
  const server = proxies.server ?? ports.serverPort;
  const all: [ProxyRole, number][] = [["server", server], ...(Object.entries(proxies) as [ProxyRole, number][]).filter(([r]) => r !== "server")];
  return all.map(([role, port]) => {
    const target = proxyTarget(role, ports);
    return {
      name: role,
      url: `http://${address}:${port}/health`,
      status: 200,
      via: port === target ? `the host's own port ${port} (${WHAT[role]})` : `the port proxy ${port} → ${target} (${WHAT[role]})`,
      proxy: { port, target },
    };
  });
}

/** A proxy's PM2 app name. */
export const proxyApp = (role: ProxyRole): string => `proxy-${role}`;

/** The proxies hostform runs: those whose external port is not their target's own. */
export function activeProxies(proxies: Partial<Record<ProxyRole, number>>, ports: { readonly serverPort: number; readonly cdnPort: number }): { role: ProxyRole; port: number; target: number }[] {
  return (Object.entries(proxies) as [ProxyRole, number][])
    .map(([role, port]) => ({ role, port, target: proxyTarget(role, ports) }))
    .filter((x) => x.port !== x.target);
}

/**
 * The guide's proxies (`socat TCP-LISTEN:35143,reuseaddr,fork TCP:127.0.0.1:5555`, started with
 * nohup by deploy-vast.sh) as PM2 apps: restarted when they die and brought back at boot with the
 * server, on either flavor.
 */
export function proxyApps(proxies: Partial<Record<ProxyRole, number>>, ports: { readonly serverPort: number; readonly cdnPort: number }, cwd: string): Pm2App[] {
  return activeProxies(proxies, ports).map(({ role, port, target }) => ({
    name: proxyApp(role),
    cwd,
    script: "socat",
    args: [`TCP-LISTEN:${port},reuseaddr,fork`, `TCP:127.0.0.1:${target}`],
    env: {},
    autorestart: true,
  }));
}
