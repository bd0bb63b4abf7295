import { readFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAll } from "../../components/host/ssh";
import type { Report } from "../../scripts/preview-model";
import { connectionOf, hostExec, ROOT, run, sandbox, TestStack } from "./harness";

// Issue 22: `hostform up` on a terminal shows Pulumi's preview and asks before it changes anything.
// The command runs in a pseudo-terminal (python3's pty module: stdin and stdout are a terminal), as
// an operator types it; the answer is typed when the question appears.
const PROGRAM = path.join(__dirname, "programs/reach");
const HOST = "cl-prompt";
const DIR = "/srv/hostform-reach";
const QUESTION = "Apply these changes? [y/N]";

/** Runs argv in a pseudo-terminal of 160 columns, types `answer` and Enter once `QUESTION` is shown, and prints everything. */
const DRIVER = `
import fcntl, os, pty, select, struct, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))
out, answered, deadline = b"", False, time.time() + 400
while time.time() < deadline:
    if fd in select.select([fd], [], [], 1)[0]:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        out += data
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        if not answered and ${JSON.stringify(QUESTION)}.encode() in out:
            os.write(fd, sys.argv[1].encode() + b"\\r")
            answered = True
done, status = os.waitpid(pid, os.WNOHANG)
if done == 0:
    os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
`;

const plain = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");

describe("hostform up on a terminal", () => {
  const stack = new TestStack(PROGRAM);
  const env = () => ({ PULUMI_BACKEND_URL: `file://${stack.backend}`, PULUMI_CONFIG_PASSPHRASE: stack.passphrase, CI: "", TERM: "xterm" });
  let address = "";

  /** `hostform up --stack <the stack>` in a pseudo-terminal, outside CI, answering `answer`. */
  async function upOnTerminal(answer: string) {
    const r = await run("python3", ["-c", DRIVER, answer, path.join(ROOT, "bin/hostform"), "up", "--stack", stack.name, "--config-file", stack.configFile], { cwd: PROGRAM, env: env() });
    stack.output += r.all;
    return { code: r.code, out: plain(r.stdout) };
  }
  const present = () => hostExec(HOST, `if [ -e ${DIR} ]; then echo present; else echo absent; fi`);
  const resources = async () => {
    const exported = await stack.pulumi("stack", "export");
    expect(exported.code, exported.all).toBe(0);
    return ((JSON.parse(exported.stdout) as { deployment: { resources?: unknown[] } }).deployment.resources ?? []).length;
  };

  beforeAll(async () => {
    const [h] = await sandbox.up([{ name: HOST, flavor: "container" }]);
    address = h.address;
    await stack.init();
    stack.setConfig({ "test:content": "one\n", "test:hosts": [{ name: HOST, connection: { ...connectionOf(h), name: HOST } }] });
  });
  afterAll(async () => {
    await closeAll();
    stack.remove();
    await sandbox.down([HOST]);
  });

  it("shows the preview, asks, and changes nothing when the answer is no", async () => {
    const r = await upOnTerminal("n");
    expect(r.code, r.out).toBe(0);
    const asked = r.out.indexOf(QUESTION);
    expect(asked, r.out).toBeGreaterThan(0);
    // Pulumi's preview, before the question: the directory and five files it would create.
    expect(r.out.slice(0, asked)).toMatch(/Previewing update/);
    expect(r.out.slice(0, asked)).toMatch(/\+ 7 to create/);
    expect(r.out.slice(asked)).toContain("hostform: nothing was changed.");
    expect(r.out).not.toMatch(/Updating \(/);
    expect(await present()).toBe("absent\n");
    expect(await resources()).toBe(0);
  });

  it("converges the host when the answer is yes", async () => {
    const r = await upOnTerminal("y");
    expect(r.code, r.out).toBe(0);
    expect(r.out.indexOf(QUESTION), r.out).toBeGreaterThan(0);
    expect(r.out.slice(r.out.indexOf(QUESTION))).toMatch(/\+ 7 created/);
    expect(await present()).toBe("present\n");
    expect(await hostExec(HOST, `cat ${DIR}/0.txt`)).toBe("one\n");
  });

  it("drift on a terminal: a start line and each host's result on stderr, once; the JSON report on stdout", async () => {
    await hostExec(HOST, `echo 'by hand' >> ${DIR}/0.txt`);
    const json = path.join(stack.dir, "drift.json");
    // stdout to a file, stderr the terminal: the progress is for people, the report for the file.
    const drift = `'${path.join(ROOT, "bin/hostform")}' drift --stack ${stack.name} --config-file '${stack.configFile}' --format json > '${json}'`;
    const r = await run("python3", ["-c", DRIVER, "", "bash", "-c", drift], { cwd: PROGRAM, env: env() });
    stack.output += r.all;
    const lines = plain(r.stdout).split("\n");
    expect(r.code, r.stdout).toBe(7);
    expect(lines.filter((l) => l === `drift: reading the hosts of stack ${stack.name}`), r.stdout).toHaveLength(1);
    expect(lines.filter((l) => l === `drift: ${address}: done, 1 resource differs`), r.stdout).toHaveLength(1);
    const report = JSON.parse(readFileSync(json, "utf8")) as Report;
    expect(report.changes.map((c) => [c.name, c.op])).toEqual([[`${HOST}-file-0`, "update"]]);
    expect(report.errors).toEqual([]);
  });

  it("drift that fails prints the CLI's error once, and still JSON with --format json", async () => {
    const r = await run(path.join(ROOT, "bin/hostform"), ["drift", "--stack", "no-such-stack", "--config-file", stack.configFile, "--format", "json"], { cwd: PROGRAM, env: env() });
    expect(r.code, r.all).toBe(1);
    expect(r.stderr.split("\n").filter((l) => l.includes("no stack named 'no-such-stack' found")), r.stderr).toHaveLength(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report).toMatchObject({ stack: "no-such-stack", changes: [] });
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toContain("no stack named 'no-such-stack' found");
  });
});
