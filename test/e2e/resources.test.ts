import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionOf, hostExec, sandbox, summary, TestStack } from "./harness";

// Issue 3: every host resource kind, drift injected by hand, repaired by up, secrets kept out of
// output, state, process lists and world-readable files.
const PROGRAM = path.join(__dirname, "programs/resources");
const HOST = "e2e-res";
const OTHER = "e2e-res-other";
const TOKEN = `tok-${Math.random().toString(36).slice(2)}-SECRET`;
const ROOT = "/srv/hostform-test";
const BULK = 50;

const accepted = async () => Number((await hostExec(HOST, "journalctl -u ssh --no-pager -o cat | grep -c 'Accepted publickey' || :")).trim());

describe("host resources on a systemd host", () => {
  const stack = new TestStack(PROGRAM);
  let h: sandbox.SandboxHost;
  let other: sandbox.SandboxHost;

  beforeAll(async () => {
    [h, other] = await sandbox.up([{ name: HOST, flavor: "systemd" }, { name: OTHER, flavor: "container" }]);
    await stack.init();
    stack.setConfig({ "test:connection": connectionOf(h), "test:flavor": "systemd", "test:bulk": BULK });
    const set = await stack.pulumi("config", "set", "--secret", "test:token", TOKEN);
    expect(set.code, set.all).toBe(0);
  });
  afterAll(async () => {
    await sandbox.down([HOST, OTHER]);
    stack.remove();
  });

  it("converges every kind; a second up and drift find nothing to do", async () => {
    const first = await stack.up();
    expect(first.code, first.all).toBe(0);
    expect(await hostExec(HOST, `stat -c '%a %U %G' ${ROOT} ${ROOT}/plain.conf ${ROOT}/secret.env`)).toBe("750 root adm\n644 root root\n600 root root\n");
    expect(await hostExec(HOST, "systemctl is-enabled hostform-test.service; systemctl is-active hostform-test.service cron")).toBe("enabled\nactive\nactive\n");
    expect(await hostExec(HOST, `cat ${ROOT}/"it's \\$(whoami); whoami.txt"`)).toBe("$(id) `id` ; whoami 'q' \"qq\"\n");

    const second = await stack.up();
    expect(second.code, second.all).toBe(0);
    expect(summary(second.all)).toEqual({ unchanged: BULK + 10 });
    const drift = await stack.drift();
    expect(drift.code, drift.all).toBe(0);
  });

  it("refreshing all resources of a host opens one SSH connection", async () => {
    const before = await accepted();
    const r = await stack.refresh();
    expect(r.code, r.all).toBe(0);
    // +1 for the refresh, +1 for the ssh session that runs this very count.
    expect(await accepted()).toBe(before + 2);
  });

  it("sees hand-made drift of every kind, and up repairs all of it", async () => {
    await hostExec(HOST, [
      `echo 'workers 64' >> ${ROOT}/plain.conf`,
      `chmod 0666 ${ROOT}/plain.conf`,
      `chown nobody ${ROOT}/plain.conf`,
      `rm ${ROOT}/other.txt`,
      "systemctl stop hostform-test.service",
      "systemctl disable --quiet hostform-test.service",
      "systemctl stop cron",
      "DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq tree >/dev/null",
    ].join(" && "));
    const drift = await stack.drift();
    expect(drift.code).toBe(7); // Pulumi's exit code for --expect-no-changes when changes are proposed
    // The refreshed state on the left, the code on the right, for each kind of drift.
    for (const needle of ["- workers 64", `~ mode      : "0666" => "0644"`, `~ owner     : "nobody" => "root"`, "- (missing on the host)",
      "~ active    : false => true", "~ enabled   : false => true", `+ [1]: "tree"`, "~ running   : false => true", "~ 5 to update"]) {
      expect(drift.all).toContain(needle);
    }

    const repair = await stack.up();
    expect(repair.code, repair.all).toBe(0);
    expect(await hostExec(HOST, `stat -c '%a %U' ${ROOT}/plain.conf; cat ${ROOT}/plain.conf; cat ${ROOT}/other.txt`)).toBe("644 root\nlisten 80\nworkers 4\ndelete me by hand\n");
    expect(await hostExec(HOST, "systemctl is-enabled hostform-test.service; systemctl is-active hostform-test.service cron; dpkg-query -W -f='${db:Status-Status}' tree")).toBe("enabled\nactive\nactive\ninstalled");
    const clean = await stack.drift();
    expect(clean.code, clean.all).toBe(0);
  });

  it("never leaks the secret: not in output, state, process list or a world-readable file", async () => {
    // Change the secret and watch the host's process list while up rewrites it.
    const NEW = `${TOKEN}-2`;
    const set = await stack.pulumi("config", "set", "--secret", "test:token", NEW);
    expect(set.code).toBe(0);
    let watching = true;
    const seen: string[] = [];
    const watch = (async () => {
      while (watching) seen.push(await hostExec(HOST, "ps -eo args"));
    })();
    const up = await stack.up("--diff");
    watching = false;
    await watch;
    expect(up.code, up.all).toBe(0);
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.join("\n")).not.toContain("SECRET");
    expect(await hostExec(HOST, `cat ${ROOT}/secret.env`)).toBe(`API_TOKEN=${NEW}\n`);

    expect(stack.output).not.toContain("SECRET");
    const grep = spawnSync("grep", ["-rlF", "SECRET", stack.backend], { encoding: "utf8" });
    expect(grep.status, grep.stdout).toBe(1); // 1: no match anywhere in the state backend
  });

  it("finds the secret on the host only in its 0600 file", async () => {
    const files = (await hostExec(HOST, `grep -rlF SECRET /etc /srv /tmp /var/tmp /var/lib/hostform /root /run 2>/dev/null || :`)).trim().split("\n");
    expect(files).toEqual([`${ROOT}/secret.env`]);
    expect(await hostExec(HOST, `stat -c '%a %U' ${ROOT}/secret.env`)).toBe("600 root\n");
  });

  it("refuses a host presenting another key, naming both fingerprints, and changes nothing", async () => {
    const wrong = new TestStack(PROGRAM);
    try {
      await wrong.init();
      // The other host's key pinned for this host: as if the host had been swapped.
      wrong.setConfig({ "test:connection": { ...connectionOf(h), hostKey: other.hostPublicKey }, "test:flavor": "container", "test:token": "x" });
      await hostExec(HOST, `rm -rf /srv/wrongkey-probe; touch /srv/wrongkey-probe`);
      const before = await hostExec(HOST, `find ${ROOT} -newer /srv/wrongkey-probe | wc -l`);
      const r = await wrong.up();
      expect(r.code).not.toBe(0);
      expect(r.all).toContain(`host key mismatch for root@${h.address}:22`);
      expect(r.all).toContain(h.hostKeyFingerprint);
      expect(r.all).toContain(other.hostKeyFingerprint);
      expect(await hostExec(HOST, `find ${ROOT} -newer /srv/wrongkey-probe | wc -l`)).toBe(before);
    } finally {
      wrong.remove();
    }
  });

  it("destroy puts the host back", async () => {
    const r = await stack.destroy();
    expect(r.code, r.all).toBe(0);
    expect(await hostExec(HOST, `test -e ${ROOT} && echo dir || echo nodir; test -e /etc/systemd/system/hostform-test.service && echo unit || echo nounit; dpkg -l tree cron 2>/dev/null | grep -c ^ii || :`))
      .toBe("nodir\nnounit\n0\n");
  });
});
