import "./stack-traces";
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { ConfigError, loadConfig, type StackConfig } from "./config";
import { buildHosts } from "./hosts";
import { installedPlugin } from "./plugins";

function config(): StackConfig {
  try {
    const projectDir = path.resolve(__dirname, "..");
    return loadConfig(new pulumi.Config("hostform"), projectDir, (name) => installedPlugin(name, projectDir));
  } catch (e) {
    // A config problem is the operator's to fix: say what, without a stack trace.
    if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
}

export const hosts = buildHosts(config(), pulumi.getStack());
