// The apt cache's process (started detached by ensureAptCache): `tsx apt-cache-server.ts <dir> <port>`.
// An HTTP forward proxy for sandbox hosts only. Immutable archive files are served from <dir> or
// fetched once and kept (written to a temporary file, renamed into place when complete, so
// concurrent requests and a crash never leave a partial file under a cached name).
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { cacheKey, isImmutable } from "./apt-cache.js";

const [dir, portArg] = process.argv.slice(2);
if (!dir || !portArg) throw new Error("usage: apt-cache-server.ts <dir> <port>");
const port = Number(portArg);
const HOP = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"]);

/** Sandbox hosts (10.231.0.0/16) and the machine itself; nobody else may use the proxy. */
const allowed = (addr = "") => /^(::ffff:)?(10\.231\.\d+\.\d+|127\.0\.0\.1)$/.test(addr) || addr === "::1";

function headersOf(h: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(h).filter(([k]) => !HOP.has(k.toLowerCase())));
}

function fromCache(file: string, res: http.ServerResponse, head: boolean): void {
  const size = fs.statSync(file).size;
  res.writeHead(200, { "content-length": size, "content-type": "application/octet-stream", "x-hostform-cache": "hit" });
  if (head) res.end();
  else fs.createReadStream(file).pipe(res);
}

function forward(req: http.IncomingMessage, res: http.ServerResponse, url: URL, keep?: string): void {
  const headers = headersOf(req.headers);
  if (keep) for (const k of ["range", "if-range", "if-modified-since", "if-none-match"]) delete headers[k]; // the whole file, to keep
  const up = http.request(url, { method: req.method, headers: { ...headers, host: url.host } }, (upRes) => {
    res.writeHead(upRes.statusCode ?? 502, headersOf(upRes.headers));
    const complete = keep !== undefined && req.method === "GET" && upRes.statusCode === 200;
    if (!complete) {
      upRes.pipe(res);
      return;
    }
    const tmp = `${keep}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.part`;
    const out = fs.createWriteStream(tmp);
    let bytes = 0;
    upRes.on("data", (d: Buffer) => { bytes += d.length; out.write(d); res.write(d); });
    upRes.on("end", () => {
      res.end();
      out.end(() => {
        const expected = Number(upRes.headers["content-length"] ?? bytes);
        if (upRes.complete && bytes === expected) fs.renameSync(tmp, keep);
        else fs.rmSync(tmp, { force: true });
      });
    });
    upRes.on("error", () => { out.destroy(); fs.rmSync(tmp, { force: true }); res.destroy(); });
  });
  up.on("error", (e) => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
    res.end(`hostform sandbox apt cache: ${e.message}\n`);
  });
  req.pipe(up);
}

const server = http.createServer((req, res) => {
  let url: URL;
  try {
    url = new URL(req.url ?? "");
  } catch {
    res.writeHead(400).end("absolute http URL expected (this is a proxy)\n");
    return;
  }
  if (!allowed(req.socket.remoteAddress) || url.protocol !== "http:" || !["GET", "HEAD"].includes(req.method ?? "")) {
    res.writeHead(403).end("sandbox hosts' http GET only\n");
    return;
  }
  if (!isImmutable(url.href)) {
    forward(req, res, url);
    return;
  }
  const file = path.join(dir, cacheKey(url.href));
  if (fs.existsSync(file)) fromCache(file, res, req.method === "HEAD");
  else forward(req, res, url, file);
});
server.on("connect", (_req, socket) => socket.end("HTTP/1.1 405 Method Not Allowed\r\n\r\n"));
fs.mkdirSync(dir, { recursive: true });
server.listen(port, "0.0.0.0", () => console.log(`${new Date().toISOString()} apt cache on :${port}, files in ${dir}`));
server.on("error", (e) => {
  console.error(`${new Date().toISOString()} apt cache: ${e.message}`);
  process.exit(1);
});
