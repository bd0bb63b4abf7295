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
 * is-enabled / is-active answer through their exit status as well as their output, so their
 * status is not an error here: the printed state is what we parse.
 */
export function observeUnitScript(name: string): string {
  return strict(script`u=${name}; f=${unitPath(name)}
echo "enabled=$(systemctl is-enabled -- "$u" 2>/dev/null || :)"
echo "active=$(systemctl is-active -- "$u" 2>/dev/null || :)"
if [ -e "$f" ]; then echo "sha256=$(sha256sum < "$f" | cut -c1-64)"; echo "content=$(base64 -w0 < "$f")"; fi
`);
}

export function parseUnit(stdout: string): UnitObserved {
  const kv = Object.fromEntries(stdout.split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  return {
    exists: kv.sha256 !== undefined,
    ...(kv.sha256 !== undefined ? { sha256: kv.sha256, content: Buffer.from(kv.content ?? "", "base64").toString("utf8") } : {}),
    enabled: kv.enabled === "enabled" || kv.enabled === "enabled-runtime",
    active: kv.active === "active" || kv.active === "activating" || kv.active === "reloading",
  };
}

/** Writes the unit from stdin when its text differs (then daemon-reload), then enables/starts as asked. */
export function convergeUnitScript(i: UnitInputs): string {
  const enabled = i.enabled ?? true;
  const active = i.active ?? true;
  return strict(script`u=${i.name}; f=${unitPath(i.name)}
changed=no
if [ ! -e "$f" ] || [ "$(sha256sum < "$f" | cut -c1-64)" != ${sha256(i.content)} ]; then
  tmp=$(mktemp -- /etc/systemd/system/.hostform.XXXXXX); trap 'rm -f -- "$tmp"' EXIT
  cat > "$tmp"; chmod 0644 "$tmp"; mv -f -- "$tmp" "$f"; trap - EXIT
  systemctl daemon-reload
  changed=yes
fi
` + (enabled
    ? script`if ! systemctl is-enabled --quiet -- "$u"; then systemctl enable --quiet -- "$u"; fi\n`
    : script`if systemctl is-enabled --quiet -- "$u"; then systemctl disable --quiet -- "$u"; fi\n`)
    + (active
      ? script`if ! systemctl is-active --quiet -- "$u"; then systemctl start -- "$u"; elif [ "$changed" = yes ]; then systemctl restart -- "$u"; fi\n`
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
    if (o.active !== (i.active ?? true)) out.push("active");
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
