import { describe, expect, it } from "vitest";
import {
  FIRST_DYNAMIC_INDEX, MAX_INDEX, allocateIndex, gatewayAddress, guestAddress, indexFromVeth, netnsName,
  parseNetnsList, preferredIndex, validateName, vethName,
} from "../../scripts/sandbox/naming";

describe("validateName", () => {
  it("accepts DNS-label style names", () => {
    for (const n of ["flatlogic", "duel", "a", "web-1", "e2e-3f9a"]) expect(validateName(n)).toBe(n);
  });

  it("rejects names that would break hostnames, netns or paths", () => {
    for (const n of ["", "Web", "1web", "web-", "a_b", "a/b", "../x", "a b", "x".repeat(33)]) {
      expect(() => validateName(n), n).toThrow(/invalid sandbox host name/);
    }
  });
});

describe("addresses and interface names", () => {
  it("maps an index to a /24 with gateway .1 and guest .2", () => {
    expect(gatewayAddress(1)).toBe("10.231.1.1");
    expect(guestAddress(1)).toBe("10.231.1.2");
    expect(guestAddress(254)).toBe("10.231.254.2");
  });

  it("refuses indexes that do not fit one octet", () => {
    for (const i of [0, 255, -1, 1.5, 1000]) expect(() => guestAddress(i)).toThrow(/out of range/);
  });

  it("keeps veth names within the kernel's 15 characters", () => {
    expect(vethName(7)).toBe("hfv7");
    expect(vethName(MAX_INDEX).length).toBeLessThanOrEqual(15);
    expect(indexFromVeth(vethName(42))).toBe(42);
    expect(indexFromVeth("eth0")).toBeUndefined();
    expect(indexFromVeth("hfv")).toBeUndefined();
  });

  it("names the netns after the host", () => {
    expect(netnsName("duel")).toBe("hf-duel");
  });
});

describe("allocateIndex", () => {
  it("gives the default hosts their fixed index when free", () => {
    expect(preferredIndex("flatlogic")).toBe(1);
    expect(preferredIndex("duel")).toBe(2);
    expect(preferredIndex("metahuman")).toBe(3);
    expect(preferredIndex("e2e-x")).toBeUndefined();
    expect(allocateIndex([], preferredIndex("duel"))).toBe(2);
  });

  it("puts other hosts at the lowest free index from 10 up", () => {
    expect(allocateIndex([])).toBe(FIRST_DYNAMIC_INDEX);
    expect(allocateIndex([1, 10, 11, 13])).toBe(12);
    expect(allocateIndex([10], 10)).toBe(11); // preferred but taken
  });

  it("falls back to the low indexes when the high ones are full", () => {
    const high = Array.from({ length: MAX_INDEX - FIRST_DYNAMIC_INDEX + 1 }, (_, i) => i + FIRST_DYNAMIC_INDEX);
    expect(allocateIndex([1, ...high])).toBe(2);
  });

  it("throws when all indexes are taken", () => {
    const all = Array.from({ length: MAX_INDEX }, (_, i) => i + 1);
    expect(() => allocateIndex(all)).toThrow(/no free sandbox host index/);
  });
});

describe("parseNetnsList", () => {
  it("keeps only our hf-* namespaces, without ids", () => {
    const out = "hf-web1 (id: 3)\nother\nhf-duel (id: 1)\nhf-flatlogic\n\n";
    expect(parseNetnsList(out)).toEqual(["web1", "duel", "flatlogic"]);
    expect(parseNetnsList("")).toEqual([]);
  });
});
