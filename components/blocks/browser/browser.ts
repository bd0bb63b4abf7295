/**
 * The browser that captures the stream, with the media packages beside it: Chrome Beta from
 * Google's repository (seeds/000), or a Debian package where that repository is out of reach.
 */
import * as pulumi from "@pulumi/pulumi";
import { script } from "../../host/quote";
import { AptPackages, Step } from "../../host/resources";
import type { Connection } from "../../host/ssh";

export interface BrowserArgs {
  readonly connection: pulumi.Input<Connection>;
  readonly browser: { readonly package: string; readonly source: "google" | "debian" };
  /** Debian packages installed with it (ffmpeg, xvfb). */
  readonly packages: readonly string[];
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
      run: script`install -d -m 0755 /etc/apt/keyrings
curl -fsSL https://dl.google.com/linux/linux_signing_key.pub | gpg --dearmor --yes -o /etc/apt/keyrings/google-chrome.gpg
echo 'deb [arch=amd64 signed-by=/etc/apt/keyrings/google-chrome.gpg] https://dl.google.com/linux/chrome/deb/ stable main' > /etc/apt/sources.list.d/google-chrome.list
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${browser.package} >/dev/null`,
    }, opts));
  }
  return { media, all };
}
