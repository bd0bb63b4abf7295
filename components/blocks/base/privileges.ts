/**
 * The app user without privileges (security review N1): the apps face the internet, so the user
 * they run as must not be root-equivalent. The scripts here read what makes it so (uid 0, a sudo
 * rule, membership of a group that is root in all but name), and either refuse or revoke it.
 * Pure functions, pinned by exact-text tests; `AppUserPrivileges` in vmhost.ts ships them as a Step.
 */
import { script } from "../../host/quote";

/** What hostform does about a privileged app user: the stack key hostform:appUserPrivileges.<role>. */
export type PrivilegePolicy = "refuse" | "revoke" | "accept";
export const PRIVILEGE_POLICIES: readonly PrivilegePolicy[] = ["refuse", "revoke", "accept"];

/** Groups whose members can become root without sudo (docker, lxd, disk) or through it (sudo, admin, wheel). */
export const PRIVILEGED_GROUPS = ["sudo", "admin", "wheel", "lxd", "docker", "disk"] as const;

/** Who a host's app user is, and what to do about its privileges. */
export interface AppUserPolicy {
  /** The host's name in the stack, for messages. */
  readonly host: string;
  /** The role whose app user it is (names the setting in messages). */
  readonly role: string;
  /** The user hostform logs in as: it keeps its sudo whatever is revoked. */
  readonly login: string;
  readonly policy: PrivilegePolicy;
}

/**
 * Prints one line per privilege the user holds, nothing when it holds none (or does not exist):
 * `uid 0`, `member of group sudo`, `sudo -l -U: (ALL) NOPASSWD: ALL`, and each sudoers line naming
 * the user as `FILE:LINE: TEXT`. Run as root.
 */
export function privilegesRead(user: string): string {
  return `${HF_PRIVILEGES}${script`u=${user}
`}`;
}

/** The reading as a shell function of the user name (see privilegesRead). */
const HF_PRIVILEGES = `hf_privileges() {
  local u="$1" g f out
  id -u "$u" >/dev/null 2>&1 || return 0
  if [ "$(id -u "$u")" = 0 ]; then echo "uid 0 (root)"; fi
  for g in $(id -nG "$u"); do
    case " ${PRIVILEGED_GROUPS.join(" ")} " in *" $g "*) echo "member of group $g" ;; esac
  done
  command -v sudo >/dev/null 2>&1 || return 0
  if ! out=$(LC_ALL=C sudo -n -l -U "$u" 2>&1); then
    case "$out" in *"is not allowed to run sudo"*) out="" ;; *) echo "sudo -l -U $u failed: $out"; out="" ;; esac
  fi
  printf '%s\\n' "$out" | sed -n '/may run the following commands/,$p' | sed '1d; s/^[[:space:]]*//; /^$/d; s/^/sudo -l -U: /'
  for f in /etc/sudoers /etc/sudoers.d/*; do
    [ -f "$f" ] || continue
    awk -v u="$u" '$1 == u { print FILENAME ":" FNR ": " $0 }' "$f"
  done
}
`;

/** The Step's check: exit 0 when the app user holds no privilege. */
export function privilegesCheck(user: string): string {
  return `${privilegesRead(user)}test -z "$(hf_privileges "$u")"\n`;
}

/** What to do by hand, per privilege line, for messages. */
export function privilegesFix(user: string): string {
  return script`gpasswd -d ${user} GROUP for each group; comment out the user's line in each sudoers file named (visudo -f FILE)`;
}

/** The Step's run when the policy is "refuse": explain and fail, changing nothing. */
export function privilegesRefuse(user: string, p: AppUserPolicy): string {
  const why = `hostform: on ${p.host}, the app user ${user} (role ${p.role}) is root-equivalent, which hostform refuses: an app compromise would own the host.`;
  const fix = `Fix: set hostform:appUserPrivileges.${p.role}: revoke (up removes these, keeping ${p.login}'s sudo), or as root on the host: ${privilegesFix(user)}; ` +
    `or accept the risk explicitly with hostform:appUserPrivileges.${p.role}: accept (docs/security.md).`;
  return `${privilegesRead(user)}found=$(hf_privileges "$u")
[ -n "$found" ] || exit 0
{
  echo ${script`${why}`}
  printf '%s\\n' "$found" | sed 's/^/  /'
  echo ${script`${fix}`}
} >&2
exit 1
`;
}

/**
 * The Step's run when the policy is "revoke": leaves the privileged groups (not a primary group),
 * comments out the sudoers lines that name the user (each file validated with visudo before it
 * moves into place), and checks that the login user's passwordless sudo works before and after;
 * if it stopped working, every change is put back. Anything still granting rights fails the run.
 */
export function privilegesRevoke(user: string, p: AppUserPolicy): string {
  return `${privilegesRead(user)}${script`login=${p.login}
host=${p.host}
`}fail() { echo "hostform: on $host, revoking the app user $u's privileges: $*" >&2; exit 1; }
login_ok() { [ "$login" = root ] || runuser -u "$login" -- sudo -n true >/dev/null 2>&1; }
[ -n "$(hf_privileges "$u")" ] || exit 0
[ "$u" != "$login" ] || fail "it is also the login user; log in as a separate deploy user (hostform:hosts[].user)"
[ "$(id -u "$u")" != 0 ] || fail "$u is root (uid 0); set the role's appUser to an unprivileged user"
login_ok || fail "the login user $login has no working passwordless sudo before any change; nothing changed"
primary=$(id -gn "$u")
backup=$(mktemp -d /var/lib/hostform/sudoers-backup.XXXXXX 2>/dev/null || mktemp -d)
left=""
for g in ${PRIVILEGED_GROUPS.join(" ")}; do
  case " $(id -nG "$u") " in *" $g "*) ;; *) continue ;; esac
  [ "$g" != "$primary" ] || fail "$g is $u's primary group; change it by hand: usermod -g $u $u"
  gpasswd -d "$u" "$g" >/dev/null
  left="$left $g"
done
for f in /etc/sudoers /etc/sudoers.d/*; do
  [ -f "$f" ] || continue
  awk -v u="$u" '$1 == u { found = 1 } END { exit !found }' "$f" || continue
  tmp=$(mktemp "$f.hostform.XXXXXX")
  awk -v u="$u" '$1 == u { print "# revoked by hostform (the app user holds no privileges): " $0; next } { print }' "$f" > "$tmp"
  chmod --reference="$f" "$tmp"
  chown --reference="$f" "$tmp"
  if ! visudo -cqf "$tmp" >/dev/null; then rm -f "$tmp"; fail "$f would not validate with the user's lines commented out (visudo -c); nothing moved"; fi
  cp -p "$f" "$backup/$(basename "$f")"
  mv "$tmp" "$f"
done
if ! login_ok; then
  for b in "$backup"/*; do [ -f "$b" ] || continue; n=$(basename "$b"); if [ "$n" = sudoers ]; then cp -p "$b" /etc/sudoers; else cp -p "$b" "/etc/sudoers.d/$n"; fi; done
  for g in $left; do gpasswd -a "$u" "$g" >/dev/null; done
  fail "the login user $login lost its passwordless sudo; every change was put back"
fi
rm -rf "$backup"
still=$(hf_privileges "$u")
[ -z "$still" ] || fail "still privileged after revoking; remove by hand (gpasswd -d $u GROUP, visudo -f FILE):
$still"
`;
}

/**
 * Sudoers lines that make sudo record a session's input or output (review N14): with them, the
 * secrets hostform sends on stdin would land under /var/log/sudo-io. Negated `!log_input` is fine.
 */
export const SUDO_IO_LOG_READ = `for f in /etc/sudoers /etc/sudoers.d/*; do
  [ -f "$f" ] || continue
  awk '/^[[:space:]]*#/ { next } /(^|[^!])(log_input|log_output)|LOG_INPUT|LOG_OUTPUT/ { print FILENAME ":" FNR ": " $0 }' "$f"
done
`;

/** `hosts check`'s read, one exec: the app user's privileges (if any app user), a separator, the sudo I/O logging lines. */
export function hostsCheckRead(appUser: string | undefined): string {
  const privileges = appUser === undefined ? "" : `${privilegesRead(appUser)}hf_privileges "$u"\n`;
  return `${privileges}echo '--- sudo io'\n${SUDO_IO_LOG_READ}`;
}

export function parseHostsCheckRead(stdout: string): { privileges: string[]; sudoIoLog: string[] } {
  const lines = stdout.split("\n").filter((l) => l.trim() !== "");
  const at = lines.indexOf("--- sudo io");
  return { privileges: at < 0 ? lines : lines.slice(0, at), sudoIoLog: at < 0 ? [] : lines.slice(at + 1) };
}
