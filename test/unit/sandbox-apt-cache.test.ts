import { spawnSync } from "node:child_process";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { aptConf, cacheKey, detectScript, isImmutable } from "../../scripts/sandbox/apt-cache";

describe("sandbox apt cache", () => {
  it("keeps only files that never change under their URL", () => {
    expect(isImmutable("http://deb.debian.org/debian/pool/main/a/apache2/apache2_2.4.62-1~deb12u2_amd64.deb")).toBe(true);
    expect(isImmutable("http://archive.ubuntu.com/ubuntu/pool/main/d/debian-installer/x.udeb")).toBe(true);
    expect(isImmutable(`http://deb.debian.org/debian/dists/bookworm/main/binary-amd64/by-hash/SHA256/${"ab".repeat(32)}`)).toBe(true);
    // Indexes under their own names change with every archive update: always fetched.
    expect(isImmutable("http://deb.debian.org/debian/dists/bookworm/InRelease")).toBe(false);
    expect(isImmutable("http://deb.debian.org/debian/dists/bookworm/main/binary-amd64/Packages.xz")).toBe(false);
    expect(isImmutable("http://deb.debian.org/debian/dists/bookworm/main/binary-amd64/by-hash/SHA256/short")).toBe(false);
    // https is not proxied, a query makes it another resource, and a non-URL is nothing.
    expect(isImmutable("https://deb.debian.org/debian/pool/main/h/hello/hello_2.10-3_amd64.deb")).toBe(false);
    expect(isImmutable("http://deb.debian.org/debian/pool/main/h/hello/hello_2.10-3_amd64.deb?x=1")).toBe(false);
    expect(isImmutable("/debian/pool/main/h/hello/hello_2.10-3_amd64.deb")).toBe(false);
  });

  it("names a cached file by its host and path", () => {
    const deb = "http://deb.debian.org/debian/pool/main/h/hello/hello_2.10-3_amd64.deb";
    expect(cacheKey(deb)).toBe("21044a81b840f0d9498241957f565775-hello_2.10-3_amd64.deb");
    expect(cacheKey(deb.replace("deb.debian.org", "mirror.example"))).not.toBe(cacheKey(deb));
    expect(cacheKey("http://h/pool/main/x/a%20b;c.deb")).toMatch(/^[0-9a-f]{32}-a_20b_c\.deb$/);
  });

  it("points apt at a detect script that falls back to direct downloads", () => {
    expect(aptConf()).toBe(
      "// hostform sandbox: apt's http downloads go through the sandbox's cache when it runs.\n"
      + 'Acquire::http::Proxy-Auto-Detect "/usr/local/lib/hostform-sandbox/apt-cache";\n',
    );
    expect(detectScript("10.231.7.1", 3142)).toBe(`#!/bin/bash
# hostform sandbox: apt's Proxy-Auto-Detect. The cache on the machine when it answers, else direct.
if timeout 1 bash -c ': >/dev/tcp/10.231.7.1/3142' 2>/dev/null; then
  echo http://10.231.7.1:3142
else
  echo DIRECT
fi
`);
  });

  it("the detect script names the cache while it answers, and DIRECT once it is gone", async () => {
    const server = net.createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    const detect = () => spawnSync("bash", ["-c", detectScript("127.0.0.1", port)], { encoding: "utf8" }).stdout;
    expect(detect()).toBe(`http://127.0.0.1:${port}\n`);
    await new Promise((r) => server.close(r));
    expect(detect()).toBe("DIRECT\n");
  });
});
