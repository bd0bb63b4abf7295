import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionOf, hostExec, sandbox, TestStack } from "./harness";

// Security review 14(a): package lists that name a .deb the repository no longer serves (a mirror
// that replaced it), made for real: an HTTP repository on the host itself publishes hf-ar-demo 1.0,
// the host runs apt-get update, then the repository replaces it with 2.0. The lists are minutes old,
// so AptPackages does not refresh them before its install, and apt gets a real 404.
const PROGRAM = path.join(__dirname, "programs/apt-stale");
const HOST = "ar-stale";
const REPO = "/srv/ar-repo";
const PORT = 8719;

/** An HTTP/1.1 file server in python3-minimal's standard library: 200 with the file, else 404; one request per connection. */
const SERVER = `import os, socket, sys
root, port = sys.argv[1], int(sys.argv[2])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(16)
while True:
    c, _ = s.accept()
    with c:
        req = b""
        while b"\\r\\n\\r\\n" not in req:
            d = c.recv(4096)
            if not d:
                break
            req += d
        words = req.split(b" ")
        f = os.path.join(root, os.path.normpath(words[1].decode()).lstrip("/")) if len(words) > 2 else ""
        ok = os.path.isfile(f) and os.path.realpath(f).startswith(root + "/")
        body = open(f, "rb").read() if ok else b"not here\\n"
        head = "200 OK" if ok else "404 Not Found"
        c.sendall(("HTTP/1.1 %s\\r\\nContent-Length: %d\\r\\nConnection: close\\r\\n\\r\\n" % (head, len(body))).encode() + (b"" if words[0] == b"HEAD" else body))
`;

/** `publish <version>`: the repository holds hf-ar-demo at that version only (a flat repository apt trusts). */
const PUBLISH = `publish() {
  local v=$1 d="hf-ar-demo_$1_all.deb"
  rm -rf /tmp/ar-pkg ${REPO}/*.deb; mkdir -p /tmp/ar-pkg/DEBIAN
  printf 'Package: hf-ar-demo\\nVersion: %s\\nArchitecture: all\\nMaintainer: hostform tests <tests@example.invalid>\\nDescription: a package whose old .deb goes away\\n' "$v" > /tmp/ar-pkg/DEBIAN/control
  dpkg-deb -Zgzip -b /tmp/ar-pkg ${REPO}/"$d" >/dev/null
  cd ${REPO}
  { dpkg-deb -f "$d"; printf 'Filename: ./%s\\nSize: %s\\nSHA256: %s\\n\\n' "$d" "$(stat -c %s "$d")" "$(sha256sum "$d" | cut -d' ' -f1)"; } > Packages
  printf 'Date: %s\\nSHA256:\\n %s %s Packages\\n' "$(date -Ru)" "$(sha256sum Packages | cut -d' ' -f1)" "$(stat -c %s Packages)" > Release
}
`;

describe("AptPackages when the package lists are stale", () => {
  const stack = new TestStack(PROGRAM);

  beforeAll(async () => {
    const [h] = await sandbox.up([{ name: HOST, flavor: "container" }]);
    await stack.init();
    stack.setConfig({ "test:connection": connectionOf(h), "test:package": "hf-ar-demo" });
    await hostExec(HOST, `mkdir -p ${REPO} && cat > /usr/local/lib/ar-repo.py <<'PY'\n${SERVER}PY
{ setsid python3 /usr/local/lib/ar-repo.py ${REPO} ${PORT} >/var/log/ar-repo.log 2>&1 </dev/null & }
echo 'deb [trusted=yes] http://127.0.0.1:${PORT}/ ./' > /etc/apt/sources.list.d/ar-repo.list
# The sandbox's apt cache runs on the machine: the host's own repository is fetched directly.
echo 'Acquire::http::Proxy::127.0.0.1 "DIRECT";' > /etc/apt/apt.conf.d/50ar-repo
${PUBLISH}publish 1.0
apt-get update -qq
publish 2.0`);
  });
  afterAll(async () => {
    await sandbox.down([HOST]);
    stack.remove();
  });

  it("apt fails with a 404 on the stale lists; one up updates them and installs the package", async () => {
    // Stale for real: the lists are fresh enough that AptPackages does not refresh them, and apt 404s.
    expect(await hostExec(HOST, "find /var/lib/apt/lists -maxdepth 1 -name '*_Packages' -mmin -1440 | grep -c 127.0.0.1:8719")).toBe("1\n");
    const plain = await hostExec(HOST, "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hf-ar-demo 2>&1 >/dev/null; echo \"exit $?\"");
    expect(plain).toContain(`E: Failed to fetch http://127.0.0.1:${PORT}/./hf-ar-demo_1.0_all.deb  404  Not Found`);
    expect(plain).toContain("E: Unable to fetch some archives, maybe run apt-get update or try with --fix-missing?");
    expect(plain).toMatch(/exit 100\n$/);

    const up = await stack.up();
    expect(up.code, up.all).toBe(0);
    expect(await hostExec(HOST, "dpkg-query -W -f='${Version} ${db:Status-Status}\\n' hf-ar-demo; ls /var/lib/hostform/packages")).toBe("2.0 installed\nhf-ar-demo\n");
    expect((await stack.drift()).code).toBe(0);
  });

  it("a repository that does not serve the package even after the update: up fails with apt's 404, after one retry", async () => {
    // The lists name 2.0; the repository now lists 3.0 but has lost its .deb too. apt-get kept the
    // 2.0 .deb it fetched in the first test: without it, apt must fetch 2.0 again.
    await hostExec(HOST, `DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq hf-ar-demo >/dev/null
rm -f /var/cache/apt/archives/hf-ar-demo_*.deb
${PUBLISH}publish 3.0
rm ${REPO}/hf-ar-demo_3.0_all.deb`);
    const up = await stack.up();
    expect(up.code, up.all).not.toBe(0);
    expect(up.all).toContain(`E: Failed to fetch http://127.0.0.1:${PORT}/./hf-ar-demo_2.0_all.deb  404  Not Found`);
    expect(up.all).toContain("hostform: apt could not fetch a package, its lists are stale: updating them, then one more try");
    expect(up.all).toContain(`E: Failed to fetch http://127.0.0.1:${PORT}/./hf-ar-demo_3.0_all.deb  404  Not Found`);
    expect(await hostExec(HOST, "dpkg-query -W -f='${db:Status-Status}' hf-ar-demo 2>/dev/null || echo absent")).toMatch(/^(absent|not-installed)/);
  });
});
