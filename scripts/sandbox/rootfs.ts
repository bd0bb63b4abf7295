// The shared, read-only base image: Debian bookworm from debootstrap, tuned
// to boot quietly under systemd-nspawn. Built once, then every host mounts it
// as the lower layer of its own overlay.
import fs from "node:fs";
import path from "node:path";
import { withLock } from "./lock.js";
import { unmountAll } from "./mounts.js";
import { rootfsDir } from "./paths.js";
import { log, pidAlive, run } from "./run.js";

export const MIRROR = process.env.HOSTFORM_SANDBOX_MIRROR ?? "http://deb.debian.org/debian";
const SECURITY_MIRROR = MIRROR.replace(/\/debian\/?$/, "/debian-security");

/** Bumped whenever the build steps change; a stale rootfs is reported. */
export const ROOTFS_VERSION = "2";
const STAMP = ".hostform-rootfs";

export const PACKAGES = [
  "systemd", "systemd-sysv", "dbus", "libpam-systemd", "openssh-server", "sudo",
  "ca-certificates", "curl", "gnupg", "iproute2", "iputils-ping", "netbase",
  "procps", "less", "git", "xz-utils", "python3-minimal",
];

// Units that either fail or wait forever inside a container, or (apt-daily)
// grab the dpkg lock in the middle of a test's apt-get.
const MASKED_UNITS = [
  "systemd-networkd-wait-online.service", "systemd-resolved.service",
  "getty.target", "console-getty.service", "systemd-firstboot.service",
  "apt-daily.timer", "apt-daily-upgrade.timer", "apt-daily.service", "apt-daily-upgrade.service",
];

export const SSHD_CONFIG = `# hostform sandbox: key-only root login, one ed25519 host key (pinned by the
# stacks), room for the many channels hostform multiplexes over one connection.
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
HostKey /etc/ssh/ssh_host_ed25519_key
MaxSessions 50
MaxStartups 100:30:200
UseDNS no
`;

function write(root: string, rel: string, content: string, mode = 0o644): void {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, { mode });
}

/** Everything after debootstrap: apt, sshd, units, root account, cleanup. */
async function configure(root: string): Promise<void> {
  write(root, "etc/apt/sources.list", [
    `deb ${MIRROR} bookworm main`,
    `deb ${MIRROR} bookworm-updates main`,
    `deb ${SECURITY_MIRROR} bookworm-security main`,
    "",
  ].join("\n"));
  write(root, "etc/apt/apt.conf.d/99hostform-sandbox",
    'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\nAcquire::Retries "3";\n');
  write(root, "etc/ssh/sshd_config.d/hostform-sandbox.conf", SSHD_CONFIG);
  // A process ignoring SIGTERM would hold a reboot for systemd's default 90 s,
  // past the 20 s after which `down`/`restart` SIGKILL the container.
  write(root, "etc/systemd/system.conf.d/hostform-sandbox.conf", "[Manager]\nDefaultTimeoutStopSec=10s\n");
  // Each host gets fresh host keys before it boots; none may be shared.
  for (const f of fs.readdirSync(path.join(root, "etc/ssh"))) {
    if (f.startsWith("ssh_host_")) fs.rmSync(path.join(root, "etc/ssh", f));
  }
  await run("chroot", [root, "passwd", "-l", "root"]);
  await run("systemctl", ["--root", root, "enable", "ssh.service"]);
  await run("systemctl", ["--root", root, "mask", ...MASKED_UNITS]);
  // Hosts get their own machine-id; the image's copy must not leak into them.
  write(root, "etc/machine-id", "");
  fs.rmSync(path.join(root, "var/lib/dbus/machine-id"), { force: true });
  fs.symlinkSync("/etc/machine-id", path.join(root, "var/lib/dbus/machine-id"));
  // Downloaded debs and the build's package lists are dead weight (tests run apt-get update).
  await run("sh", ["-c", `rm -rf '${root}'/var/cache/apt/archives/*.deb '${root}'/var/lib/apt/lists/*`]);
}

/** Remove half-built trees left by a build that crashed (owner pid is dead). */
async function removeStaleBuilds(): Promise<void> {
  const parent = path.dirname(rootfsDir);
  for (const entry of fs.readdirSync(parent)) {
    const m = entry.match(/^bookworm\.tmp-(\d+)$/);
    if (!m || pidAlive(Number(m[1]))) continue;
    const dir = path.join(parent, entry);
    log(`removing stale partial rootfs ${dir}`);
    await unmountAll(dir); // debootstrap mounts /proc and /sys inside the target
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function build(): Promise<void> {
  const tmp = `${rootfsDir}.tmp-${process.pid}`;
  const started = Date.now();
  log(`building base rootfs in ${tmp} (debootstrap bookworm from ${MIRROR}); this takes a few minutes`);
  try {
    await run("debootstrap", ["--variant=minbase", `--include=${PACKAGES.join(",")}`, "bookworm", tmp, MIRROR]);
    // debootstrap can leave /proc mounted in the target; it must not travel with the rename.
    await unmountAll(tmp);
    await configure(tmp);
    write(tmp, STAMP, `${ROOTFS_VERSION}\n`);
    // The rename is the commit point: rootfsDir either is complete or does not exist.
    fs.renameSync(tmp, rootfsDir);
  } catch (e) {
    await unmountAll(tmp);
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  log(`base rootfs ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

function rootfsReady(): boolean {
  return fs.existsSync(path.join(rootfsDir, STAMP));
}

/** Build the cached base rootfs unless it is already there. Safe to call concurrently. */
export async function ensureRootfs(): Promise<void> {
  if (rootfsReady()) return checkVersion();
  fs.mkdirSync(path.dirname(rootfsDir), { recursive: true });
  await withLock("rootfs", async () => {
    if (rootfsReady()) return;
    await removeStaleBuilds();
    await build();
  });
}

function checkVersion(): void {
  const v = fs.readFileSync(path.join(rootfsDir, STAMP), "utf8").trim();
  if (v !== ROOTFS_VERSION) {
    log(`base rootfs is version ${v}, scripts expect ${ROOTFS_VERSION}: run 'down', then 'rm -rf ${rootfsDir}' to rebuild`);
  }
}
