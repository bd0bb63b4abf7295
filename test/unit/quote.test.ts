import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { script, sh } from "../../components/host/quote";

const echoed = (word: string) => execFileSync("sh", ["-c", `printf %s ${sh(word)}`]).toString();

describe("sh", () => {
  it("leaves plain words alone", () => {
    expect(sh("/etc/apache2/sites-available/000-default.conf")).toBe("/etc/apache2/sites-available/000-default.conf");
    expect(sh(3001)).toBe("3001");
  });

  it("quotes hostile values so the shell sees one literal word", () => {
    expect(sh("a b")).toBe("'a b'");
    expect(sh("x; whoami")).toBe("'x; whoami'");
    expect(sh("it's")).toBe(`'it'\\''s'`);
    for (const hostile of ["x; whoami", "$(whoami)", "`id`", "a b  c", "it's \"quoted\"", "*", "~root", "-n", ""]) {
      expect(echoed(hostile)).toBe(hostile);
    }
  });

  it("refuses NUL and newlines", () => {
    expect(() => sh("a\nb")).toThrow(/newline/);
    expect(() => sh("a\0b")).toThrow(/NUL/);
  });
});

describe("script", () => {
  it("quotes every interpolated value and expands arrays to words", () => {
    expect(script`rm -f ${"/tmp/a b"} && apt-get install ${["nginx", "x; id"]}`).toBe(
      "rm -f '/tmp/a b' && apt-get install nginx 'x; id'",
    );
  });
});

describe("script refuses what is not a word (review 3, previous 27)", () => {
  it("throws on undefined, null, objects and NaN instead of writing 'undefined' or '[object Object]'", () => {
    const missing: { path?: string } = {};
    expect(() => script`rm -f ${missing.path}`).toThrow(/refusing to put undefined/);
    expect(() => script`rm -f ${null}`).toThrow(/refusing to put null/);
    expect(() => script`echo ${{ a: 1 }}`).toThrow(/refusing to put object/);
    expect(() => script`sleep ${Number.NaN}`).toThrow(/refusing to put number/);
    expect(() => script`install ${["ok", undefined]}`).toThrow(/refusing to put undefined/);
  });

  it("keeps numbers and booleans as their words", () => {
    expect(script`sleep ${5} && echo ${true}`).toBe("sleep 5 && echo true");
  });
});
