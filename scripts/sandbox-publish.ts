// npx tsx scripts/sandbox-publish.ts <host> <folder> <path-on-host>: publish a folder as a git
// repository on a sandbox host (the demo's stand-in for the app's forge). Prints the commit.
import { hostOf, publishRepo } from "./sandbox/index.js";

const [host, folder, remote] = process.argv.slice(2);
if (!host || !folder || !remote) {
  console.error("usage: npx tsx scripts/sandbox-publish.ts <host> <folder> <path-on-host>");
  process.exit(2);
}
console.log(publishRepo(hostOf(host), folder, remote).commit("publish"));
