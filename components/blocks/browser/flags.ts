import { Problems, show } from "../validate";

/**
 * The ANGLE backends the duel server's capture browser takes (seeds/000, "ANGLE Backend Selection"
 * and "Custom Streaming Configuration"): "default" lets ANGLE pick (Vulkan, then OpenGL), the guide's
 * recommendation; "vulkan" forces native Vulkan, which crashes on some drivers; "opengl" is the
 * fallback for older GPUs. The guide's d3d11 is Windows only, so not offered on these hosts.
 */
export const ANGLE_BACKENDS = ["default", "vulkan", "opengl"] as const;
export type AngleBackend = (typeof ANGLE_BACKENDS)[number];

/** The capture channel for each of Google's packages the guide names (Chrome Beta, its Dev channel). */
const CHANNELS: Readonly<Record<string, string>> = { "google-chrome-beta": "chrome-beta", "google-chrome-unstable": "chrome-dev" };

/** The Google packages hostform knows a capture channel for. */
export const GOOGLE_PACKAGES = Object.keys(CHANNELS);

/**
 * The browser and GPU choice as the server reads it: the ecosystem env of seeds/000 ("Chrome Beta
 * Streaming, Configuration": STREAM_CAPTURE_CHANNEL "chrome-beta", STREAM_CAPTURE_ANGLE "default").
 * A Debian package (the sandbox's chromium) has no channel the guide names, so none is set.
 */
export function browserEnv(angle: AngleBackend, browser: { readonly source: "google" | "debian"; readonly package: string }): Record<string, string> {
  const p = new Problems();
  p.check((ANGLE_BACKENDS as readonly string[]).includes(angle), `angle ${show(angle)} is not one of ${ANGLE_BACKENDS.map((b) => `"${b}"`).join(", ")}`);
  const channel = browser.source === "google" ? CHANNELS[browser.package] : undefined;
  p.check(browser.source !== "google" || channel !== undefined, `browser.package ${show(browser.package)} from Google has no capture channel: use ${GOOGLE_PACKAGES.join(" or ")}`);
  p.done("browserEnv");
  return { ...(channel !== undefined ? { STREAM_CAPTURE_CHANNEL: channel } : {}), STREAM_CAPTURE_ANGLE: angle };
}
