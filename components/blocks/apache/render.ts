/** The Apache reverse proxy in front of the Flatlogic frontend and backend (runbook: Runtime Topology). */
import { isCidr, isDnsName, isPort, Problems, show } from "../validate";

/**
 * Cloudflare's published edge ranges, from https://www.cloudflare.com/ips-v4 and
 * https://www.cloudflare.com/ips-v6. Cloudflare changes them rarely; this is only the default:
 * pass `cloudflareRanges` to renderApacheVhost to use another list.
 */
export const CLOUDFLARE_IP_RANGES: readonly string[] = [
  "173.245.48.0/20", "103.21.244.0/22", "103.22.200.0/22", "103.31.4.0/22", "141.101.64.0/18",
  "108.162.192.0/18", "190.93.240.0/20", "188.114.96.0/20", "197.234.240.0/22", "198.41.128.0/17",
  "162.158.0.0/15", "104.16.0.0/13", "104.24.0.0/14", "172.64.0.0/13", "131.0.72.0/22",
  "2400:cb00::/32", "2606:4700::/32", "2803:f800::/32", "2405:b500::/32", "2405:8100::/32",
  "2a06:98c0::/29", "2c0f:f248::/32",
];

export interface ApacheVhostArgs {
  /** The public DNS name, e.g. "tbp.flatlogic.app". */
  readonly serverName: string;
  /** Other names served by this vhost; `*.example.com` wildcards are allowed. */
  readonly serverAliases?: readonly string[];
  /** The vhost's port (80). A port other than 80 also needs a `Listen` line in ports.conf. */
  readonly listenPort?: number;
  /** The Next.js production server on 127.0.0.1 (3001). */
  readonly frontendPort?: number;
  /** The backend API on 127.0.0.1 (3000). */
  readonly backendPort?: number;
  /** The URL path proxied to the backend, kept as is (/api). */
  readonly apiPath?: string;
  /** Take the client address from CF-Connecting-IP, trusted only from Cloudflare's ranges. */
  readonly behindCloudflare?: boolean;
  /** The ranges trusted to set CF-Connecting-IP (CLOUDFLARE_IP_RANGES). */
  readonly cloudflareRanges?: readonly string[];
}

interface Resolved {
  serverName: string; serverAliases: readonly string[]; listenPort: number; frontendPort: number;
  backendPort: number; apiPath: string; cloudflareRanges: readonly string[] | undefined;
}

function resolve(a: ApacheVhostArgs): Resolved {
  const r: Resolved = {
    serverName: a.serverName,
    serverAliases: a.serverAliases ?? [],
    listenPort: a.listenPort ?? 80,
    frontendPort: a.frontendPort ?? 3001,
    backendPort: a.backendPort ?? 3000,
    apiPath: a.apiPath ?? "/api",
    cloudflareRanges: a.behindCloudflare ? (a.cloudflareRanges ?? CLOUDFLARE_IP_RANGES) : undefined,
  };
  const p = new Problems();
  p.check(isDnsName(r.serverName), `serverName ${show(r.serverName)} is not a DNS name: give a name like "app.example.com"`);
  for (const alias of r.serverAliases) {
    p.check(isDnsName(alias, true), `serverAliases: ${show(alias)} is not a DNS name: give names like "www.example.com" or "*.example.com"`);
  }
  for (const key of ["listenPort", "frontendPort", "backendPort"] as const) {
    p.check(isPort(r[key]), `${key} ${show(r[key])} is not a port: give an integer from 1 to 65535`);
  }
  p.check(r.frontendPort !== r.backendPort, `frontendPort and backendPort are both ${r.frontendPort}: give the frontend and the backend their own ports`);
  p.check(
    typeof r.apiPath === "string" && /^(\/[A-Za-z0-9_-]+)+$/.test(r.apiPath),
    `apiPath ${show(r.apiPath)} must be a path like "/api": "/" then segments of [A-Za-z0-9_-], no trailing "/"`,
  );
  if (a.cloudflareRanges !== undefined && !a.behindCloudflare) {
    p.add("cloudflareRanges is set but behindCloudflare is not: set behindCloudflare: true, or drop cloudflareRanges");
  }
  if (r.cloudflareRanges !== undefined) {
    // mod_remoteip trusts every peer when no trusted proxy is listed: an empty list is never meant.
    p.check(r.cloudflareRanges.length > 0, "cloudflareRanges is empty: list Cloudflare's ranges, or leave it unset for CLOUDFLARE_IP_RANGES");
    for (const range of r.cloudflareRanges) {
      p.check(isCidr(range), `cloudflareRanges: ${show(range)} is not a CIDR range: give ranges like "173.245.48.0/20" or "2400:cb00::/32"`);
    }
  }
  p.done("renderApacheVhost");
  return r;
}

/** The Apache modules renderApacheVhost's output needs, for `a2enmod`. */
export function apacheModules(a: Pick<ApacheVhostArgs, "behindCloudflare">): string[] {
  return ["proxy", "proxy_http", "proxy_wstunnel", "rewrite", "headers", ...(a.behindCloudflare ? ["remoteip"] : [])];
}

/**
 * The site's vhost: `apiPath` to the backend, everything else to the frontend, websocket
 * upgrades of both proxied over ws:// (mod_proxy_wstunnel), the API first because ProxyPass
 * takes the first match.
 */
export function renderApacheVhost(a: ApacheVhostArgs): string {
  const r = resolve(a);
  const backend = `127.0.0.1:${r.backendPort}`;
  const frontend = `127.0.0.1:${r.frontendPort}`;
  const websocket = ["    RewriteCond %{HTTP:Upgrade} websocket [NC]", "    RewriteCond %{HTTP:Connection} upgrade [NC]"];
  const lines = [
    `<VirtualHost *:${r.listenPort}>`,
    `    ServerName ${r.serverName}`,
    ...(r.serverAliases.length > 0 ? [`    ServerAlias ${r.serverAliases.join(" ")}`] : []),
    "",
    ...(r.cloudflareRanges !== undefined
      ? ["    RemoteIPHeader CF-Connecting-IP", ...r.cloudflareRanges.map((range) => `    RemoteIPTrustedProxy ${range}`), ""]
      : []),
    "    ProxyRequests Off",
    "    ProxyPreserveHost On",
    // Keeps the scheme Cloudflare reports (https) and tells the apps "http" on a direct request.
    '    RequestHeader setifempty X-Forwarded-Proto "http"',
    "",
    "    RewriteEngine On",
    ...websocket,
    `    RewriteRule ^${r.apiPath}(/.*)?$ ws://${backend}${r.apiPath}$1 [P,L]`,
    ...websocket,
    `    RewriteRule ^/(.*)$ ws://${frontend}/$1 [P,L]`,
    "",
    `    ProxyPass ${r.apiPath} http://${backend}${r.apiPath}`,
    `    ProxyPassReverse ${r.apiPath} http://${backend}${r.apiPath}`,
    `    ProxyPass / http://${frontend}/`,
    `    ProxyPassReverse / http://${frontend}/`,
    "",
    // The runbook reads /var/log/apache2/error.log: keep Debian's default file names.
    "    ErrorLog ${APACHE_LOG_DIR}/error.log",
    // "combined" logs %h, the peer (a Cloudflare edge); %a is the client mod_remoteip found.
    r.cloudflareRanges !== undefined
      ? '    CustomLog ${APACHE_LOG_DIR}/access.log "%a %l %u %t \\"%r\\" %>s %O \\"%{Referer}i\\" \\"%{User-Agent}i\\""'
      : "    CustomLog ${APACHE_LOG_DIR}/access.log combined",
    "</VirtualHost>",
  ];
  return lines.join("\n") + "\n";
}
