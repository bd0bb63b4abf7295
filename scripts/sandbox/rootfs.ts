// The shared, read-only base images: Debian bookworm (and Ubuntu noble) from
// debootstrap, tuned to boot quietly under systemd-nspawn. Each is built once,
// then every host of that release mounts it as the lower layer of its overlay.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { withLock } from "./lock.js";
import { unmountAll } from "./mounts.js";
import { DEFAULT_RELEASE, type Release } from "./naming.js";
import { rootfsDir } from "./paths.js";
import { log, pidAlive, run } from "./run.js";

export const MIRROR = process.env.HOSTFORM_SANDBOX_MIRROR ?? "http://deb.debian.org/debian";
const SECURITY_MIRROR = MIRROR.replace(/\/debian\/?$/, "/debian-security");
export const UBUNTU_MIRROR = process.env.HOSTFORM_SANDBOX_UBUNTU_MIRROR ?? "http://archive.ubuntu.com/ubuntu";

/** A keyring this Debian machine does not package: a .deb in the mirror's pool, trusted only with this hash. */
interface Keyring {
  readonly pool: string;
  readonly sha256: string;
  /** The keyring's path inside the .deb. */
  readonly path: string;
}

interface Distro {
  readonly mirror: string;
  /** apt's sources.list of the image. */
  readonly sources: readonly string[];
  readonly components: string;
  /** debootstrap's script for the suite (its Ubuntu script serves every Ubuntu release). */
  readonly script?: string;
  /** The archive keyring, when the machine's own (debian-archive-keyring) does not sign it. */
  readonly keyring?: Keyring;
}

const DISTROS: Readonly<Record<Release, Distro>> = {
  bookworm: {
    mirror: MIRROR, components: "main",
    sources: [`deb ${MIRROR} bookworm main`, `deb ${MIRROR} bookworm-updates main`, `deb ${SECURITY_MIRROR} bookworm-security main`],
  },
  noble: {
    mirror: UBUNTU_MIRROR, components: "main,universe", script: "/usr/share/debootstrap/scripts/gutsy",
    sources: ["noble", "noble-updates", "noble-security"].map((suite) => `deb ${UBUNTU_MIRROR} ${suite} main universe`),
    // noble's ubuntu-keyring; the hash is the one noble's signed Packages index gives.
    keyring: {
      pool: "pool/main/u/ubuntu-keyring/ubuntu-keyring_2023.11.28.1_all.deb",
      sha256: "36de43b15853ccae0028e9a767613770c704833f82586f28eb262f0311adb8a8",
      path: "usr/share/keyrings/ubuntu-archive-keyring.gpg",
    },
  },
};

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
async function configure(root: string, release: Release): Promise<void> {
  write(root, "etc/apt/sources.list", [...DISTROS[release].sources, ""].join("\n"));
  // Ubuntu's deb822 list would name the same suites again.
  fs.rmSync(path.join(root, "etc/apt/sources.list.d/ubuntu.sources"), { force: true });
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
  // Ubuntu starts sshd from ssh.socket; with ssh.service enabled as well both would bind port 22.
  if (fs.existsSync(path.join(root, "usr/lib/systemd/system/ssh.socket"))) {
    await run("systemctl", ["--root", root, "disable", "ssh.socket"]);
  }
  await run("systemctl", ["--root", root, "mask", ...MASKED_UNITS]);
  // Hosts get their own machine-id; the image's copy must not leak into them.
  write(root, "etc/machine-id", "");
  fs.rmSync(path.join(root, "var/lib/dbus/machine-id"), { force: true });
  fs.mkdirSync(path.join(root, "var/lib/dbus"), { recursive: true });
  fs.symlinkSync("/etc/machine-id", path.join(root, "var/lib/dbus/machine-id"));
  // Downloaded debs and the build's package lists are dead weight (tests run apt-get update).
  await run("sh", ["-c", `rm -rf '${root}'/var/cache/apt/archives/*.deb '${root}'/var/lib/apt/lists/*`]);
}

/** Remove half-built trees left by a build that crashed (owner pid is dead). */
async function removeStaleBuilds(release: Release): Promise<void> {
  const parent = path.dirname(rootfsDir(release));
  for (const entry of fs.readdirSync(parent)) {
    const m = entry.match(/^([a-z]+)\.(?:tmp|keys)-(\d+)$/);
    if (!m || m[1] !== release || pidAlive(Number(m[2]))) continue;
    const dir = path.join(parent, entry);
    log(`removing stale partial rootfs ${dir}`);
    await unmountAll(dir); // debootstrap mounts /proc and /sys inside the target
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A distribution's keyring, unpacked in `tmp` once its .deb matched the pinned hash: the keyring's path. */
async function fetchKeyring(mirror: string, k: Keyring, tmp: string): Promise<string> {
  const deb = path.join(tmp, "keyring.deb");
  await run("curl", ["-fsS", "--retry", "3", "-o", deb, `${mirror}/${k.pool}`]);
  const got = crypto.createHash("sha256").update(fs.readFileSync(deb)).digest("hex");
  if (got !== k.sha256) throw new Error(`${mirror}/${k.pool} has sha256 ${got}, expected ${k.sha256}: not trusting it`);
  await run("dpkg-deb", ["-x", deb, path.join(tmp, "keyring")]);
  return path.join(tmp, "keyring", k.path);
}

async function build(release: Release): Promise<void> {
  const dir = rootfsDir(release);
  const tmp = `${dir}.tmp-${process.pid}`;
  const keys = `${dir}.keys-${process.pid}`;
  const d = DISTROS[release];
  const started = Date.now();
  log(`building base rootfs in ${tmp} (debootstrap ${release} from ${d.mirror}); this takes a few minutes`);
  try {
    fs.mkdirSync(keys, { recursive: true });
    const keyring = d.keyring ? [`--keyring=${await fetchKeyring(d.mirror, d.keyring, keys)}`] : [];
    await run("debootstrap", ["--variant=minbase", ...keyring, `--components=${d.components}`, `--include=${PACKAGES.join(",")}`, release, tmp, d.mirror, ...(d.script ? [d.script] : [])]);
    // debootstrap can leave /proc mounted in the target; it must not travel with the rename.
    await unmountAll(tmp);
    await configure(tmp, release);
    write(tmp, STAMP, `${ROOTFS_VERSION}\n`);
    // The rename is the commit point: the rootfs either is complete or does not exist.
    fs.renameSync(tmp, dir);
  } catch (e) {
    await unmountAll(tmp);
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  } finally {
    fs.rmSync(keys, { recursive: true, force: true });
  }
  log(`base rootfs ${release} ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

function rootfsReady(release: Release): boolean {
  return fs.existsSync(path.join(rootfsDir(release), STAMP));
}

/** Build the cached base rootfs of a release unless it is already there. Safe to call concurrently. */
export async function ensureRootfs(release: Release = DEFAULT_RELEASE): Promise<void> {
  if (rootfsReady(release)) return checkVersion(release);
  fs.mkdirSync(path.dirname(rootfsDir(release)), { recursive: true });
  await withLock(`rootfs-${release}`, async () => {
    if (rootfsReady(release)) return;
    await removeStaleBuilds(release);
    await build(release);
  });
}

function checkVersion(release: Release): void {
  const dir = rootfsDir(release);
  const v = fs.readFileSync(path.join(dir, STAMP), "utf8").trim();
  if (v !== ROOTFS_VERSION) {
    log(`base rootfs is version ${v}, scripts expect ${ROOTFS_VERSION}: run 'down', then 'rm -rf ${dir}' to rebuild`);
  }
}
