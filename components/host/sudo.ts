/**
 * A login that is not root runs every script through `sudo -n` (ssh.ts). When sudo refuses (it
 * wants a password, or the login is not in sudoers), that is a fact of the host, like an
 * unreachable one (reach.ts): told in full for the first script, in one line for every later
 * resource of the host, and listed by drift and up. Pure.
 */

/** What sudo says when it will not run the command; other lines starting "sudo: " are sudo's too. */
const REFUSALS = [
  /a password is required/,
  /a terminal is required/,
  /is not in the sudoers file/,
  /is not allowed to (?:run sudo|execute)/,
  /may not run sudo/,
  /you must have a tty/,
  /no tty present/,
  /account validation failure/,
];

/** sudo's lines that do not start with "sudo: ". */
const OWN_LINES = [/^\S+ is not in the sudoers file/, /^Sorry, user \S+ /];

/** Longest line of sudo's kept: "Sorry, user … is not allowed to execute '<the whole script>' …" quotes the script. */
const MAX_LINE = 160;

/**
 * sudo's own words when it refused to run the script: exit 1, nothing on stdout, stderr starting with
 * a line of sudo's, and one of sudo's lines a refusal. A script that failed is not: sudo ran it, so
 * what it printed is the script's (hostform's scripts run as root and never call sudo themselves).
 */
export function sudoRefusal(r: { readonly code: number; readonly stdout: string; readonly stderr: string }): string | undefined {
  if (r.code !== 1 || r.stdout.trim() !== "") return undefined;
  const sudos = (l: string) => l.startsWith("sudo: ") || OWN_LINES.some((re) => re.test(l));
  const refusal = (l: string) => sudos(l) && REFUSALS.some((re) => re.test(l));
  const lines = r.stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  if (!lines.length || !sudos(lines[0]) || !lines.some(refusal)) return undefined;
  return lines.filter(sudos).map((l) => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE)}…` : l)).join(" ");
}

/** The fix `npm run hosts -- check` gives (scripts/hosts/report.ts). */
export function sudoFix(user: string): string {
  return `as root on the host, echo '${user} ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/hostform && chmod 0440 /etc/sudoers.d/hostform, or log in as root`;
}

/** The login user of an address "user@host:port". */
export const loginOf = (address: string): string => address.slice(0, Math.max(0, address.indexOf("@"))) || "root";

/** The full message, for the first resource of the host that meets the refusal. */
export function sudoRefusedMessage(label: string, user: string, said: string): string {
  return `host ${label}: sudo refused to run hostform's scripts as root for ${user} (${said}). `
    + "Every resource of this host is skipped in this run; the other hosts go on. "
    + `hostform logs in as ${user} and runs every command through sudo -n, which cannot ask for a password: `
    + `give ${user} a NOPASSWD rule (${sudoFix(user)}; npm run hosts -- check says the same).`;
}
