// A host composed from hostform's blocks: a user and Node.js (VmHost), a secrets file, a small app
// under PM2, Apache in front, and a health check through Apache. `hostTarget` checks the host as a
// hostform:hosts entry is checked (pinned host key, address, flavor…) before any resource exists.
import * as pulumi from "@pulumi/pulumi";
import { ApacheReverseProxy, File, Health, hostTarget, Pm2SystemdUnit, SecretsFile, VmHost } from "hostform";
import type { HostInput, NodeRuntime } from "hostform";

const config = new pulumi.Config();
const host = config.requireObject<HostInput>("host");
const greeting = config.get("greeting") ?? "hello from hostform";
// Where Node.js comes from: NodeSource's apt repository by default, or { source: "npm-registry" }.
const node = config.getObject<Partial<NodeRuntime>>("node");

const target = hostTarget(host);
const name = host.name;
const vm = new VmHost(`${name}-vm`, { connection: target.connection, flavor: target.flavor, appUser: "web", node, privileges: target.privileges });
const app = `${vm.home}/app`;

const env = new SecretsFile(`${name}-env`, {
  connection: target.connection, path: `${app}/app.env`, owner: vm.appUser,
  values: { API_TOKEN: config.requireSecret("apiToken") },
}, { dependsOn: vm.ready });
const server = new File(`${name}-server`, {
  connection: target.connection, path: `${app}/server.js`, owner: vm.appUser, mode: "0644",
  content: `const http = require("node:http");
http.createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/plain" });
  res.end(process.env.GREETING + (process.env.API_TOKEN ? " (token set)" : "") + "\\n");
}).listen(Number(process.env.PORT), "127.0.0.1");
`,
}, { dependsOn: [env] });
const pm2 = new Pm2SystemdUnit(`${name}-pm2`, {
  host: vm,
  apps: [{ name: "hello", cwd: app, script: "server.js", env: { PORT: "3001", GREETING: greeting }, envFile: env.path }],
  environment: env.sha256,
  dependsOn: [server],
});
const apache = new ApacheReverseProxy(`${name}-apache`, { host: vm, vhost: { serverName: "hello.example.com", frontendPort: 3001, backendPort: 3002 } });
new Health(`${name}-health`, {
  connection: target.connection, timeoutSeconds: 60,
  checks: [{ name: "apache", url: "http://127.0.0.1:80/", status: 200 }],
}, { dependsOn: [pm2, apache] });

export const url = `http://${target.address}/`;
