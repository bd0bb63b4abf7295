/**
 * The commands of `hostform`: each one's flags, help and exit codes (docs/cli.md has the same table),
 * and where its implementation is, loaded only when it runs (the config module and @pulumi/pulumi
 * take seconds to load, `--help` takes none of that).
 */
import { DEFAULT_HOSTS, RELEASES } from "../sandbox/naming.js";
import { type CommandSpec, type Flag, type Parsed, PULUMI_FLAGS } from "./options";

export interface Command extends CommandSpec {
  readonly load: () => Promise<{ run: (p: Parsed) => Promise<number> }>;
}

const JSON_ALIAS: Flag = { name: "json", help: "--format json (the older spelling)" };
const CONFIG_FILE = PULUMI_FLAGS.find((f) => f.name === "config-file")!;

export const UP: Command = {
  name: "up",
  summary: "read the hosts, show what changes, ask, then converge them",
  synopsis: "--stack <name> [--yes] [pulumi options] [-- <more pulumi up options>]",
  about: [
    "`pulumi up --refresh --continue-on-error`. On a terminal it shows Pulumi's preview and asks before",
    "changing anything; --yes, a non-terminal (a pipe, a CI job) or CI=true skip the question. A host that",
    "cannot be reached does not stop the others: the run ends naming it.",
  ],
  stack: "optional",
  flags: [
    { name: "yes", short: "y", help: "change the hosts without asking" },
    { name: "continue-on-error", help: "always on: a failed resource does not stop the others" },
    { name: "refresh", help: "always on: the hosts are read first" },
    ...PULUMI_FLAGS,
  ],
  rest: true,
  exits: "0 converged (or answered no), 3 some host could not be reached, otherwise Pulumi's code (1 failed)",
  load: () => import("../up.js"),
};

export const PREVIEW: Command = {
  name: "preview",
  summary: "the pull request comment: what deploying would change per host (npm run preview:pr)",
  synopsis: "--stack <name> [--format markdown|json] [--limit <characters>] [pulumi options]",
  about: ["Intentional changes (the code) and corrective ones (drift on the hosts), as Markdown for a comment."],
  stack: "required",
  formats: ["markdown", "json"],
  flags: [{ name: "limit", value: "characters", help: "longest comment, at least 1000 (default GitHub's 65536)" }, JSON_ALIAS, ...PULUMI_FLAGS],
  rest: true,
  exits: "0 rendered, 1 the preview failed (the comment says why)",
  load: () => import("../preview-pr.js"),
};

export const DRIFT: Command = {
  name: "drift",
  summary: "does every host still match the last deployment and the code?",
  synopsis: "--stack <name> [--format text|markdown|json] [pulumi options]",
  about: ["Two previews (without and with refresh): what changed on each host, and code not deployed yet."],
  stack: "required",
  formats: ["text", "markdown", "json"],
  flags: [JSON_ALIAS, ...PULUMI_FLAGS],
  rest: true,
  exits: "0 hosts match, 7 something differs, 3 some host could not be reached, 1 failed",
  load: () => import("../drift.js"),
};

export const DOCTOR: Command = {
  name: "doctor",
  summary: "why is a host unwell? each runbook check with evidence and remedy (read-only)",
  synopsis: "--stack <name> [--host <name>]... [--format text|json]",
  stack: "required",
  host: "check only this host (repeatable)",
  formats: ["text", "json"],
  flags: [JSON_ALIAS, CONFIG_FILE],
  exits: "0 all ok, 1 warnings, 2 failures, 3 the doctor could not run (config, unknown host)",
  load: () => import("../doctor.js"),
};

export const HOSTS: Command = {
  name: "hosts",
  summary: "pin a host's SSH key, check that hosts are ready",
  synopsis: "pin <address> | check   --stack <name> [flags]",
  about: [
    "pin <address>   read the host's keys over the network, print their fingerprints as ssh-keygen -lf",
    "                does, and after you confirm, pin one as the host's hostKey in Pulumi.<stack>.yaml",
    "                (with that address and port); --host names the host in the stack",
    "check           for each host of the stack: connection, pinned key, passwordless sudo, init",
    "                system, OS and architecture against the stack; a table",
  ],
  // Required by both subcommands, which say so themselves (`hostform hosts` alone is its help).
  stack: "optional",
  host: "pin: the host's name in the stack (default: the one with that address)",
  positionals: true,
  flags: [
    { name: "port", value: "n", help: "pin: the host's SSH port (default 22)" },
    { name: "yes", short: "y", help: "pin: no question; needs --expect-fingerprint" },
    { name: "expect-fingerprint", value: "SHA256:…", help: "pin: the key's fingerprint, read on the host's console" },
    { name: "replace", help: "pin: the stack pins another key (a rebuilt host): replace it" },
    CONFIG_FILE,
  ],
  exits: "0 pinned / every host ready, 1 a host is not ready or the pin was refused",
  load: () => import("../hosts.js"),
};

export const SANDBOX: Command = {
  name: "sandbox",
  summary: "the local sandbox hosts: up, down, status, restart, rebuild, exec",
  synopsis: "<up|down|status|restart|rebuild|exec> ...",
  about: [
    "up [name:flavor[:release] ...]",
    `                              start hosts (default: ${DEFAULT_HOSTS.map((h) => `${h.name}:${h.flavor}`).join(" ")}); flavor is systemd|container,`,
    `                              release ${RELEASES.join("|")} (default bookworm; noble is Ubuntu 24.04)`,
    "down [name ...]             stop and remove hosts (default: all and leftovers of crashed runs,",
    "                              except hosts a still-running test process brought up)",
    "down --all                  really all hosts, including those of running tests",
    "status                      one line per host: name flavor state address port fingerprint",
    "restart <name>              reboot a host on the same root, keys and address",
    "rebuild <name>              a rebuilt instance: same address, empty root, new host and client keys",
    "exec <name> -- <command...> run a command in the host over ssh, exit with its code",
  ],
  positionals: true,
  rest: true,
  flags: [{ name: "all", help: "down: really all hosts" }],
  exits: "0 done, 1 failed; exec: the command's code",
  load: () => import("../sandbox.js"),
};

export const BENCH: Command = {
  name: "bench",
  summary: "speed as ratios measured side by side on sandbox hosts pf-1 … pf-10",
  synopsis: "[single|fleet|connections ...] [--runs <n>] [--prefix <p>]",
  about: ["Prints Markdown for bench/README.md (the first run starts and converges the hosts: minutes)."],
  positionals: true,
  flags: [
    { name: "runs", value: "n", help: "rounds per measurement (default 5)" },
    { name: "prefix", value: "p", help: "hosts p-1 … p-10 instead of pf-…, beside another bench (sandbox hosts are machine-wide)" },
  ],
  exits: "0 measured, 1 failed",
  load: () => import("../../bench/suite.js"),
};

export const COMMANDS: readonly Command[] = [UP, PREVIEW, DRIFT, DOCTOR, HOSTS, SANDBOX, BENCH];
