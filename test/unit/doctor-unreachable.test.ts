import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { unreachable } from "../../scripts/doctor/remedies";

// The doctor's `ssh` failure: the runbook's first steps with the host's own address, port, user and key.
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA400bpYgarO7hBQ5+HyZhTk26Wtle15Kn1cN4IF3aGw";

describe("the doctor's remedy for a host it cannot reach", () => {
  it("a silent host: is it running, then the port, the key it presents, the login key", () => {
    expect(unreachable({ host: "203.0.113.7", port: 2222, user: "ubuntu", hostKey: KEY, privateKeyPath: "~/.ssh/gpu key" }, "timeout")).toEqual({
      say: "Nothing answers on 203.0.113.7:2222: the machine is down, or a firewall drops the port. Check that it runs (the provider's console) and that the address and port are its current ones.",
      run: [
        "nc -vz -w 5 203.0.113.7 2222   # does the port answer?",
        "ssh-keyscan -p 2222 203.0.113.7   # the key it presents: compare with the stack's pinned hostKey",
        "ssh -i ~/'.ssh/gpu key' -p 2222 ubuntu@203.0.113.7 true   # does the login key work?",
        "npm run sandbox -- status   # sandbox hosts",
      ],
      from: "hostform",
    });
  });

  it("a refusing host: sshd is down or the port is wrong; a key kept as a secret is named, never shown", () => {
    const r = unreachable({ host: "web.example", hostKey: KEY, privateKey: generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString() }, "refused");
    expect(r.say).toBe("web.example answers but refuses port 22: sshd is not running there (start it from the provider's console), or the stack names the wrong port.");
    expect(r.run[2]).toBe("ssh -p 22 root@web.example true   # does the login key work? (the key is the stack's secret hostform:sshPrivateKey)");
    expect(JSON.stringify(r)).not.toContain("BEGIN");
  });

  it("a login whose sudo refuses: check sudo -n as that login, then the NOPASSWD rule (quoted) to add as root", () => {
    expect(unreachable({ host: "203.0.113.9", user: "deploy", hostKey: KEY, privateKeyPath: "/k" }, "sudo")).toEqual({
      say: "deploy logs in, but sudo -n refuses to run commands as root for it (it wants a password, or deploy is not in sudoers): give it a NOPASSWD rule, or log in as root.",
      run: [
        "ssh -i /k -p 22 deploy@203.0.113.9 sudo -n true   # does sudo run without a password?",
        "echo 'deploy ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/hostform && chmod 0440 /etc/sudoers.d/hostform   # as root on the host",
      ],
      from: "hostform",
    });
  });

  it("any other SSH failure (auth, host key) keeps the general advice", () => {
    expect(unreachable({ host: "203.0.113.7", hostKey: KEY, privateKeyPath: "/k" }).say)
      .toBe("The doctor reads hosts over SSH with the pinned key: check the address, the port, that sshd runs, and the key.");
  });
});
