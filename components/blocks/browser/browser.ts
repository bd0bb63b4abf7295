/**
 * The browser that captures the stream, with the media packages beside it: Chrome Beta from
 * Google's repository (seeds/000), or a Debian package where that repository is out of reach.
 */
import * as pulumi from "@pulumi/pulumi";
import { script } from "../../host/quote";
import { AptPackages, Step } from "../../host/resources";
import { withAptLock } from "../../host/kinds/packages";
import { pinnedKeyring, SIGNING_KEYS } from "../base/downloads";
import type { Connection } from "../../host/ssh";
import { chromeSource } from "../base/arch";

export interface BrowserArgs {
  readonly connection: pulumi.Input<Connection>;
  readonly browser: { readonly package: string; readonly source: "google" | "debian" };
  /** Debian packages installed with it (ffmpeg, xvfb). */
  readonly packages: readonly string[];
  /** The host's CPU (facts: uname -m): Google's repository has Chrome for x86_64 only. */
  readonly machine: pulumi.Input<string>;
}

/**
 * Chrome from Google's repository. Its signing key is trusted only when it is the pinned one
 * (downloads.ts); apt runs inside AptPackages' lock, since the media packages start beside it.
 */
export function chromeInstall(machine: string, pkg: string): string {
  return pinnedKeyring(SIGNING_KEYS.google.url, SIGNING_KEYS.google.fingerprint, "/etc/apt/keyrings/google-chrome.gpg") + withAptLock(script`echo ${chromeSource(machine, pkg)} > /etc/apt/sources.list.d/google-chrome.list
apt-get $wait_lock update -qq
hf_apt_install ${pkg}
`);
}

/** The packages (`<name>-media`) and, from Google, the browser (`<name>-chrome`); all to wait for. */
export function browserResources(name: string, a: BrowserArgs, opts: pulumi.CustomResourceOptions): { media: AptPackages; all: pulumi.Resource[] } {
  const { connection, browser } = a;
  const media = new AptPackages(`${name}-media`, { connection, packages: [...a.packages, ...(browser.source === "debian" ? [browser.package] : [])] }, opts);
  const all: pulumi.Resource[] = [media];
  if (browser.source === "google") {
    all.push(new Step(`${name}-chrome`, {
      connection, title: `${browser.package} from Google's repository`,
      check: script`dpkg-query -W -f='\${db:Status-Status}' ${browser.package} 2>/dev/null | grep -qx installed`,
      run: pulumi.output(a.machine).apply((machine) => chromeInstall(machine, browser.package)),
    }, opts));
  }
  return { media, all };
}
