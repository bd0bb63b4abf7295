import { createHash } from "node:crypto";
import { script, strict } from "../quote";
import type { BaseInputs, Kind } from "./kind";

export interface UnitInputs extends BaseInputs {
  /** Unit name with its suffix, e.g. "pm2-ubuntu.service". */
  readonly name: string;
  /** The unit file's text, written to /etc/systemd/system/<name>. */
  readonly content: string;
  readonly enabled?: boolean;
  readonly active?: boolean;
  /**
   * Started like any other unit, but whether it keeps running is reported (observed.active), not
   * enforced: a unit that fails to start neither fails the run nor shows as drift.
   */
  readonly optional?: boolean;
}

export interface UnitObserved {
  readonly exists: boolean;
  readonly sha256?: string;
  readonly content?: string;
  readonly enabled: boolean;
  readonly active: boolean;
}

export const UNIT_NAME = /^[A-Za-z0-9@_.:-]+\.(service|socket|timer|target|path|mount)$/;
export const unitPath = (name: string) => `/etc/systemd/system/${name}`;
const sha256 = (t: string) => createHash("sha256").update(t, "utf8").digest("hex");

/**
 * A shell function printing the unit's state, where "active" means it stayed up. A crash-looping
 * unit is "active" for the moment its start command runs before it exits again; one that systemd
 * restarted on its own under 2 s ago is looked at again a second on, and if it restarted once more
 * meanwhile it prints "crash-looping". A unit up for longer, or never restarted, is read at once.
 * (Uptime runs on through a suspend and the monotonic clock does not: then the unit only looks
 * older, and is read at once as before.)
 */
export const UNIT_STATE_FN = `unit_state() {
  local s n t now _
  s=$(systemctl is-active -- "$u" 2>/dev/null || :)
  if [ "$s" != active ]; then echo "$s"; return; fi
  n=$(systemctl show -p NRestarts --value -- "$u" 2>/dev/null || :)
  t=$(systemctl show -p ActiveEnterTimestampMonotonic --value -- "$u" 2>/dev/null || :)
  read -r now _ < /proc/uptime
  now=$(( \${now%.*} * 1000000 + 10#\${now#*.} * 10000 ))
  if [ "\${n:-0}" = 0 ] || [ $((now - \${t:-0})) -ge 2000000 ]; then echo active; return; fi
  sleep 1
  s=$(systemctl is-active -- "$u" 2>/dev/null || :)
  if [ "$(systemctl show -p NRestarts --value -- "$u" 2>/dev/null || :)" != "$n" ]; then s=crash-looping; fi
  echo "$s"
}
`;

/**
 * is-enabled / is-active answer through their exit status as well as their output, so their
 * status is not an error here: the printed state is what we parse.
 */
export function observeUnitScript(name: string): string {
  return strict(script`u=${name}; f=${unitPath(name)}
` + UNIT_STATE_FN + script`echo "enabled=$(systemctl is-enabled -- "$u" 2>/dev/null || :)"
echo "active=$(unit_state)"
echo "sub=$(systemctl show -p SubState --value -- "$u" 2>/dev/null || :)"
if [ -e "$f" ]; then echo "sha256=$(sha256sum < "$f" | cut -c1-64)"; echo "content=$(base64 -w0 < "$f")"; fi
`);
}

/**
 * Running, or on its way: a unit that crash-loops sits in "activating" with SubState auto-restart
 * between its crashes, and counts as not active.
 */
export function isActive(active: string | undefined, sub: string | undefined): boolean {
  return active === "active" || active === "reloading" || (active === "activating" && sub !== "auto-restart");
}

export function parseUnit(stdout: string): UnitObserved {
  const kv = Object.fromEntries(stdout.split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  return {
    exists: kv.sha256 !== undefined,
    ...(kv.sha256 !== undefined ? { sha256: kv.sha256, content: Buffer.from(kv.content ?? "", "base64").toString("utf8") } : {}),
    enabled: kv.enabled === "enabled" || kv.enabled === "enabled-runtime",
    active: isActive(kv.active, kv.sub),
  };
}

/**
 * After an optional unit was (re)started: up to 5 s for it to fail (a start script that exits at
 * once, then its quick restarts), so what the run reads next is what happened; a unit active and
 * not restarted for 2 s counts as started. Its failure is said on stderr and fails nothing.
 */
const OPTIONAL_SETTLE = `if [ "$started" = yes ]; then
  for i in 1 2 3 4 5 6 7 8 9 10; do
    sleep 0.5
    s=$(systemctl is-active -- "$u" 2>/dev/null || :)
    case "$s" in
      failed|inactive) break ;;
      active) if [ "$i" -ge 4 ] && [ "$(systemctl show -p NRestarts --value -- "$u")" = 0 ]; then break; fi ;;
    esac
  done
  if ! systemctl is-active --quiet -- "$u"; then echo "optional unit $u is not running" >&2; fi
fi
`;

/** Writes the unit from stdin when its text differs (then daemon-reload), then enables/starts as asked. */
export function convergeUnitScript(i: UnitInputs): string {
  const enabled = i.enabled ?? true;
  const active = i.active ?? true;
  return strict(script`u=${i.name}; f=${unitPath(i.name)}
changed=no
if [ ! -e "$f" ] || [ "$(sha256sum < "$f" | cut -c1-64)" != ${sha256(i.content)} ]; then
  tmp=$(mktemp -- /etc/systemd/system/.hostform.XXXXXX); trap 'rm -f -- "$tmp"' EXIT
  cat > "$tmp"
  if [ "$(sha256sum < "$tmp" | cut -c1-64)" != ${sha256(i.content)} ]; then echo "the unit file $f arrived incomplete (its sha256 differs): left as it was. Run up again." >&2; exit 4; fi
  chmod 0644 "$tmp"; mv -f -- "$tmp" "$f"; trap - EXIT
  systemctl daemon-reload
  changed=yes
fi
` + (enabled
    ? script`if ! systemctl is-enabled --quiet -- "$u"; then systemctl enable --quiet -- "$u"; fi\n`
    : script`if systemctl is-enabled --quiet -- "$u"; then systemctl disable --quiet -- "$u"; fi\n`)
    + (active && i.optional
      // A unit that gave up (start limit) is given a fresh start; its failure is only reported.
      ? script`started=no
if ! systemctl is-active --quiet -- "$u"; then systemctl reset-failed -- "$u" 2>/dev/null || :; systemctl start -- "$u" || :; started=yes
elif [ "$changed" = yes ]; then systemctl restart -- "$u" || :; started=yes; fi
` + OPTIONAL_SETTLE
      : active
      // reset-failed: a unit that hit its start limit refuses a plain start. unit_state: a unit
      // caught in the moment a crash-looping start command runs is started, not taken as up.
      ? UNIT_STATE_FN + script`if [ "$(unit_state)" != active ]; then systemctl reset-failed -- "$u" 2>/dev/null || :; systemctl start -- "$u"; elif [ "$changed" = yes ]; then systemctl restart -- "$u"; fi\n`
      : script`if systemctl is-active --quiet -- "$u"; then systemctl stop -- "$u"; fi\n`));
}

export function removeUnitScript(name: string): string {
  return strict(script`u=${name}; f=${unitPath(name)}
if systemctl is-active --quiet -- "$u"; then systemctl stop -- "$u"; fi
if systemctl is-enabled --quiet -- "$u" 2>/dev/null; then systemctl disable --quiet -- "$u"; fi
if [ -e "$f" ]; then rm -f -- "$f"; systemctl daemon-reload; fi
`);
}

export const unit: Kind<UnitInputs, UnitObserved> = {
  identity: ["name"],
  managed: ["content", "enabled", "active"],
  normalize: (i) => ({ ...i, enabled: i.enabled ?? true, active: i.active ?? true }),
  id: (i) => `${i.connection.host}:unit:${i.name}`,
  validate(i) {
    const out: { property: string; reason: string }[] = [];
    if (!UNIT_NAME.test(i.name ?? "")) out.push({ property: "name", reason: `must be a systemd unit name like "app.service", got ${JSON.stringify(i.name)}` });
    if (typeof i.content !== "string" || !i.content.includes("[")) out.push({ property: "content", reason: "must be the unit file's text (with its [Unit]/[Service] sections)" });
    return out;
  },
  async observe(s, i) {
    return parseUnit(await s.run(`read unit ${i.name}`, observeUnitScript(i.name)));
  },
  drifted(i, o) {
    const out: string[] = [];
    if (o.sha256 !== sha256(i.content)) out.push("content");
    if (o.enabled !== (i.enabled ?? true)) out.push("enabled");
    if (!i.optional && o.active !== (i.active ?? true)) out.push("active");
    return out;
  },
  async converge(s, i) {
    await s.run(`converge unit ${i.name}`, convergeUnitScript(i), i.content);
  },
  async remove(s, i) {
    await s.run(`remove unit ${i.name}`, removeUnitScript(i.name));
  },
  asInputs(i, o) {
    return { ...i, content: o.exists ? o.content ?? "" : "(missing on the host)", enabled: o.enabled, active: o.active };
  },
};
