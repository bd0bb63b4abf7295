// Preloaded with NODE_OPTIONS=--require by `npm run bench -- profile` in every Node.js process the
// CLI starts (the program, the dynamic provider): a CPU profile of the process, and counts of
// SSH connections and execs, written to $HOSTFORM_PROFILE_DIR when the process ends. Node 20 does
// not accept --cpu-prof in NODE_OPTIONS, and the engine stops its provider with a signal, so the
// profile is taken through the inspector and written from the signal handlers too.
"use strict";
const dir = process.env.HOSTFORM_PROFILE_DIR;
if (dir) {
  const fs = require("node:fs");
  const path = require("node:path");
  const inspector = require("node:inspector");
  const Module = require("node:module");
  const role = process.argv.some((a) => a.includes("dynamic-provider")) ? "provider"
    : process.argv.some((a) => a.includes(`cmd${path.sep}run`)) ? "program" : undefined;
  if (role) {
    const counts = { connects: 0, execs: 0, rpc: {} };
    const load = Module._load;
    Module._load = function (request, ...rest) {
      const m = load.call(this, request, ...rest);
      // Engine round trips: every gRPC method the process serves (the provider) or calls (the program).
      if (request === "@grpc/grpc-js" && m.Server && !m.Server.prototype.__counted) {
        const addService = m.Server.prototype.addService;
        m.Server.prototype.addService = function (service, impl) {
          const wrapped = {};
          for (const [key, attrs] of Object.entries(service)) {
            const name = impl[key] ? key : attrs.originalName;
            const fn = impl[name];
            if (typeof fn !== "function") continue;
            wrapped[name] = (...a) => { counts.rpc[name] = (counts.rpc[name] ?? 0) + 1; return fn.apply(impl, a); };
          }
          return addService.call(this, service, wrapped);
        };
        const makeUnary = m.Client.prototype.makeUnaryRequest;
        m.Client.prototype.makeUnaryRequest = function (method, ...a) {
          const name = String(method).split("/").pop();
          counts.rpc[name] = (counts.rpc[name] ?? 0) + 1;
          return makeUnary.call(this, method, ...a);
        };
        m.Server.prototype.__counted = true;
      }
      if (request === "ssh2" && m.Client && !m.Client.prototype.__counted) {
        const { connect, exec } = m.Client.prototype;
        m.Client.prototype.connect = function (...a) { counts.connects++; return connect.apply(this, a); };
        m.Client.prototype.exec = function (cmd, ...a) {
          counts.execs++;
          return exec.call(this, cmd, ...a);
        };
        m.Client.prototype.__counted = true;
      }
      return m;
    };
    // HOSTFORM_PROFILE_CPU_ONLY=1: only the counts and the process's CPU time, without the profiler's overhead.
    const profiling = !process.env.HOSTFORM_PROFILE_CPU_ONLY;
    const session = new inspector.Session();
    if (profiling) {
      session.connect();
      session.post("Profiler.enable");
      session.post("Profiler.setSamplingInterval", { interval: 1000 });
      session.post("Profiler.start");
    }
    let written = false;
    const write = () => {
      if (written) return;
      written = true;
      const base = path.join(dir, `${role}-${process.pid}`);
      const cpu = process.cpuUsage();
      fs.writeFileSync(`${base}.counts.json`, JSON.stringify({ ...counts, cpuMs: Math.round((cpu.user + cpu.system) / 1000), wallMs: Math.round(process.uptime() * 1000) }));
      if (profiling) {
        session.post("Profiler.stop", (err, r) => {
          if (!err) fs.writeFileSync(`${base}.cpuprofile`, JSON.stringify(r.profile));
        });
      }
    };
    process.on("exit", write);
    for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => { write(); process.exit(0); });
  }
}
