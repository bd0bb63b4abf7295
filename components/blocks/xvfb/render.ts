/** The Xvfb virtual display (seeds/000: WebGPU capture needs a window on a headless server). */
import { checkDisplay, checkPaths, Problems } from "../validate";

/** The X server's socket for a display: ":99" → /tmp/.X11-unix/X99. */
export const xSocket = (display: string): string => `/tmp/.X11-unix/X${display.slice(1)}`;

export interface XvfbUnitArgs {
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
 * means "accepting clients" and the apps PM2 starts next find the display.
 */
export function renderXvfbUnit(a: XvfbUnitArgs = {}): string {
  const display = a.display ?? ":99";
  const screen = a.screen ?? "1920x1080x24";
  const xvfbBin = a.xvfbBin ?? "/usr/bin/Xvfb";
  const p = new Problems();
  checkDisplay(p, display, screen);
  checkPaths(p, { xvfbBin }, ["xvfbBin"]);
  p.done("renderXvfbUnit");
  // No `$` below: systemd would expand it. No PrivateTmp: clients look for the socket in /tmp.
  return `[Unit]
Description=Xvfb virtual display ${display} for WebGPU capture

[Service]
Type=simple
ExecStart=${xvfbBin} ${display} -screen 0 ${screen} -nolisten tcp
ExecStartPost=/usr/bin/timeout 20 /bin/sh -c 'until [ -S ${xSocket(display)} ]; do sleep 0.2; done'
Restart=always
RestartSec=2

[Install]
WantedBy=multi-user.target
`;
}

