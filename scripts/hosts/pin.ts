// `npm run hosts -- pin <address>`: the host's keys read over the network, shown as the host's
// console shows them, and one pinned in the stack file only after the operator says so.
import { readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { Command } from "./args";
import { chooseKey, consoleFile, fingerprintLine, hostKeyText, scanName } from "./keys";
import { scanHostKeys } from "./scan";
import { stackFile } from "./stack";
import { pinInStackFile, PinRefused } from "./stackfile";

type PinCommand = Extract<Command, { cmd: "pin" }>;

function writeKeepingMode(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, text, { mode: statSync(file).mode & 0o777 });
  renameSync(tmp, file);
}

/** How much of the fingerprint the operator types back: read off the console, not "yes" by habit (review N13). */
export const CONFIRM_CHARS = 8;

/** Whether the operator's answer is the fingerprint's tail (case matters: base64). */
export function confirmsFingerprint(answer: string, fingerprint: string): boolean {
  return answer.trim().length === CONFIRM_CHARS && fingerprint.endsWith(answer.trim());
}

export async function pin(c: PinCommand, ask: (question: string) => Promise<string>): Promise<number> {
  const file = stackFile(c);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new PinRefused(`no stack file ${file}: start from the template (docs/production.md), e.g. cp Pulumi.prod.yaml ${path.basename(file)}`);
  }
  const keys = await scanHostKeys(c.address, c.port);
  console.log(`${scanName(c.address, c.port)} presents ${keys.length} host key${keys.length === 1 ? "" : "s"}:`);
  for (const k of keys) console.log(`  ${fingerprintLine(k, scanName(c.address, c.port))}`);
  const key = chooseKey(keys, c.expectFingerprint);
  const result = pinInStackFile(text, file, { ...(c.host ? { host: c.host } : {}), address: c.address, port: c.port }, hostKeyText(key), c.replace);
  if (!result.changed) {
    console.log(`${result.host} already pins ${key.fingerprint} at ${c.address}:${c.port} in ${file}: nothing to do`);
    return 0;
  }
  if (!c.yes) {
    console.log(`On the host's console, \`ssh-keygen -lf ${consoleFile(key)}\` must print ${key.bits} ${key.fingerprint}.`);
    const answer = await ask(`Pin ${key.label} ${key.fingerprint} for ${result.host} in ${file}? Type the last ${CONFIRM_CHARS} characters of the fingerprint as the console prints it (anything else declines): `);
    if (!confirmsFingerprint(answer, key.fingerprint)) {
      console.error(`not confirmed (the answer is not the last ${CONFIRM_CHARS} characters of ${key.fingerprint}): nothing was written`);
      return 1;
    }
  }
  writeKeepingMode(file, result.text);
  const replaced = result.previous && result.previous !== hostKeyText(key) ? " (replacing the key pinned before)" : "";
  console.log(`pinned ${key.type} ${key.fingerprint} for ${result.host} (hostform:hosts[${result.index}]) in ${file}${replaced}`);
  return 0;
}
