// Input validation of the Directory and Service kinds: what the engine refuses before any host is touched.
import { describe, expect, it } from "vitest";
import { directory } from "../../components/host/kinds/directory";
import { service } from "../../components/host/kinds/service";
import { createDatabaseSql, sqlLiteral } from "../../components/blocks/postgres/local";

const connection = { host: "10.0.0.1", port: 22, user: "root", hostKey: "ssh-ed25519 AAAA" };
const dirProblems = (path: string) => directory.validate!({ connection, path } as never).map((p) => p.property);
const serviceProblems = (name: string, manager: "systemd" | "initd") => service.validate!({ connection, name, manager } as never);

describe("directory paths (review 3, previous 26)", () => {
  it("refuses /, empty, . and .. segments and a trailing slash, which would land a chmod on a parent", () => {
    for (const bad of ["/", "//", "/.", "/./", "/srv//app", "/srv/./app", "/srv/app/", "/srv/../etc", "srv/app"]) {
      expect(dirProblems(bad), bad).toEqual(["path"]);
    }
  });

  it("accepts plain absolute paths", () => {
    for (const good of ["/srv", "/srv/app", "/opt/hostform/.cache", "/var/lib/hostform"]) expect(dirProblems(good), good).toEqual([]);
  });
});

describe("service names (review 3, previous 23)", () => {
  it("lets systemd units carry . and @", () => {
    expect(serviceProblems("postgresql@15-main.service", "systemd")).toEqual([]);
  });

  it("refuses . and @ in a boot-hook service, which run-parts would skip", () => {
    for (const bad of ["postgresql@15-main", "cron.d", "x.sh"]) {
      expect(serviceProblems(bad, "initd").map((p) => p.reason).join(), bad).toMatch(/run-parts skips/);
    }
    expect(serviceProblems("apache2", "initd")).toEqual([]);
  });
});

describe("PostgreSQL names in SQL (review 3, previous 28)", () => {
  it("doubles quotes so a name cannot end its literal", () => {
    expect(sqlLiteral("o'brien")).toBe("'o''brien'");
    expect(createDatabaseSql("a'b", "d", "pw")).toContain("WHERE rolname = 'a''b'");
  });
});
