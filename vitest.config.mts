import { defineConfig } from "vitest/config";

/**
 * How many e2e files run at once: HOSTFORM_E2E_FILES (default 3; 1 runs one file at a time). Each file
 * starts hosts of its own names (test/unit/sandbox-e2e-hosts.test.ts keeps them apart), the sandbox
 * serializes what hosts share (locks, the base image, the apt cache), so files do not wait for each
 * other; 2-3 suits a 2-core machine (the work is mostly hosts installing and waiting on the network).
 */
function e2eFiles(): number {
  const raw = process.env.HOSTFORM_E2E_FILES ?? "3";
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 8) throw new Error(`HOSTFORM_E2E_FILES=${raw}: use a whole number of files from 1 to 8`);
  return n;
}
const files = e2eFiles();

export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], testTimeout: 20_000 } },
      {
        // Real CLI against real sandbox hosts; after the unit tests when both projects run (groupOrder).
        test: {
          name: "e2e", include: ["test/e2e/**/*.test.ts"], testTimeout: 600_000, hookTimeout: 600_000,
          fileParallelism: files > 1, maxWorkers: files, sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
