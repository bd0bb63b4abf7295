// `hosts pin` is confirmed with the fingerprint's tail as the console prints it, not "yes" (security review 3, N13).
import { describe, expect, it } from "vitest";
import { confirmsFingerprint } from "../../scripts/hosts/pin";

const FP = "SHA256:6tVh0cGzv1mQ0rB3nP9xKqJc8dLw2YbT5eRfA7uHs4Q";

describe("hosts pin confirmation", () => {
  it("takes the last 8 characters of the fingerprint, exactly (base64 is case-sensitive)", () => {
    expect(confirmsFingerprint("fA7uHs4Q", FP)).toBe(true);
    expect(confirmsFingerprint("  fA7uHs4Q\n", FP)).toBe(true);
    expect(confirmsFingerprint("FA7UHS4Q", FP)).toBe(false);
  });

  it("declines yes, an empty answer, a shorter or longer tail and another key's", () => {
    for (const answer of ["yes", "y", "", "Hs4Q", "RfA7uHs4Q", "aaaaaaaa"]) expect(confirmsFingerprint(answer, FP), answer).toBe(false);
  });
});
