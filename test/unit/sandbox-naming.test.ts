import { describe, expect, it } from "vitest";
import {
  allocateIndex, gatewayAddress, guestAddress, indexFromVeth, MAX_INDEX, netnsName, parseNetnsList, validateName, vethName,
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
  it("takes the lowest free index", () => {
    expect(allocateIndex([])).toBe(1);
    expect(allocateIndex([1, 2, 4])).toBe(3);
    expect(allocateIndex(new Set([2, 3]))).toBe(1);
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
