/** The Xvfb virtual display (seeds/000: WebGPU capture needs a window on a headless server). */
import { checkDisplay, checkPaths, isUserName, Problems, show } from "../validate";

/** The X server's socket for a display: ":99" → /tmp/.X11-unix/X99. */
export const xSocket = (display: string): string => `/tmp/.X11-unix/X${display.slice(1)}`;

export interface XvfbUnitArgs {
  /** The user (and group) Xvfb runs as: the app user, its only client (never root by default). */
  readonly user: string;
  /** The X display (":99"). */
  readonly display?: string;
  /** The screen 0 geometry and depth ("1920x1080x24"). */
  readonly screen?: string;
  /** The Xvfb binary ("/usr/bin/Xvfb"). */
  readonly xvfbBin?: string;
}

/**
 * xvfb.service: WebGPU needs a window even on a headless server, so Xvfb runs before PM2 (the
 * PM2 unit Requires= and starts After= it). ExecStartPost waits for the X socket, so "started"
 * means "accepting clients" and the apps PM2 starts next find the display. It runs as the app user
 * (an X server bug is then not root's); root only makes /tmp/.X11-unix 1777 root first, through
 * systemd's own tmpfiles entry (x11.conf), which a user Xvfb cannot do itself.
 */
export function renderXvfbUnit(a: XvfbUnitArgs): string {
  const display = a.display ?? ":99";
  const screen = a.screen ?? "1920x1080x24";
  const xvfbBin = a.xvfbBin ?? "/usr/bin/Xvfb";
  const p = new Problems();
  checkDisplay(p, display, screen);
  checkPaths(p, { xvfbBin }, ["xvfbBin"]);
  p.check(isUserName(a.user), `user ${show(a.user)} is not a user name: give a Debian user name like "hyperscape"`);
  p.done("renderXvfbUnit");
  // No `$` below: systemd would expand it. No PrivateTmp: clients look for the socket in /tmp.
  return `[Unit]
Description=Xvfb virtual display ${display} for WebGPU capture

[Service]
Type=simple
User=${a.user}
Group=${a.user}
ExecStartPre=+/usr/bin/systemd-tmpfiles --create --boot --prefix=/tmp/.X11-unix
ExecStart=${xvfbBin} ${display} -screen 0 ${screen} -nolisten tcp
ExecStartPost=/usr/bin/timeout 20 /bin/sh -c 'until [ -S ${xSocket(display)} ]; do sleep 0.2; done'
Restart=always
RestartSec=2

[Install]
WantedBy=multi-user.target
`;
}

