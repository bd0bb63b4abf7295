import { describe, expect, it } from "vitest";
import { sharedProvider } from "../../components/host/provider-cache";

// Pulumi serializes a dynamic provider once per provider object: resources of a kind must share one.
describe("sharedProvider", () => {
  it("gives every resource of a kind the same provider object, and each kind its own", () => {
    const file = sharedProvider("file");
    expect(sharedProvider("file")).toBe(file);
    expect(sharedProvider("step")).not.toBe(file);
    expect(Object.keys(file).sort()).toEqual(["check", "create", "delete", "diff", "read", "update"]);
  });
});
