import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ENV_VALUE_SH, LOAD_ENV_JS, renderEnvFile } from "../../components/host/envfile";
import { renderEcosystem } from "../../components/blocks/pm2/render";

// Values that broke the old loader ('\'' arrived as is) and the characters a shell would touch.
const HARD = {
  QUOTE: "it's",
  QUOTES: `a'b"c'd`,
  DOLLAR: "$HOME $(id) `id` ${X}",
  SPACES: "  two leading, two trailing  ",
  HASH: "#not a comment # either",
  MIXED: `p@ss w'rd "x" $y #z \\n \\ end`,
  EQUALS: "a=b==c",
  EMPTY: "",
  UNICODE: "héllo ✓",
};

const dir = fs.mkdtempSync(path.join(tmpdir(), "hostform-envfile-"));
const envPath = path.join(dir, "app.env");
fs.writeFileSync(envPath, renderEnvFile(HARD));

describe("env file: the writer and the loaders agree byte for byte", () => {
  it("renders sorted KEY='value' lines", () => {
    expect(renderEnvFile({ B: "it's", A: "x y" })).toBe("A='x y'\nB='it'\\''s'\n");
    expect(() => renderEnvFile({ A: "two\nlines" })).toThrow("env file values cannot span lines: A");
  });

  it("the ecosystem's loader reads every value back exactly", () => {
    const loadEnv = new Function("fs", `${LOAD_ENV_JS}\nreturn loadEnv;`)(fs) as (file: string) => Record<string, string>;
    expect(loadEnv(envPath)).toEqual(HARD);
  });

  it("a hand-written file keeps working: export, comments, blanks and double quotes", () => {
    const loadEnv = new Function("fs", `${LOAD_ENV_JS}\nreturn loadEnv;`)(fs) as (file: string) => Record<string, string>;
    const hand = path.join(dir, "hand.env");
    fs.writeFileSync(hand, '# comment\n\nexport A="x y"\n  B = plain value  \nnot a line\n');
    expect(loadEnv(hand)).toEqual({ A: "x y", B: "plain value" });
  });

  it("the rendered ecosystem file, loaded by node as PM2 loads it, gives each app the exact values", () => {
    const eco = path.join(dir, "ecosystem.config.js");
    fs.writeFileSync(eco, renderEcosystem([{ name: "app", cwd: dir, script: "server.js", env: { PLAIN: "1" }, envFile: envPath }]));
    const r = spawnSync(process.execPath, ["-e", "process.stdout.write(JSON.stringify(require(process.argv[1]).apps[0].env))", eco], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ PLAIN: "1", ...HARD });
  });

  it("env_value reads one value in bash without evaluating the file", () => {
    for (const [key, value] of Object.entries(HARD)) {
      const r = spawnSync("bash", ["-c", `set -euo pipefail\n${ENV_VALUE_SH}env_value "$1" "$2"`, "bash", envPath, key], { encoding: "utf8" });
      expect([key, r.status, r.stdout]).toEqual([key, 0, value]);
    }
    const missing = spawnSync("bash", ["-c", `${ENV_VALUE_SH}env_value "$1" NOPE`, "bash", envPath], { encoding: "utf8" });
    expect(missing.status).toBe(1);
  });
});
