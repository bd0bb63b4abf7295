import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { loadConfig } from "./config";
import { buildHosts } from "./hosts";

const config = loadConfig(new pulumi.Config("hostform"), path.resolve(__dirname, ".."));
export const hosts = buildHosts(config, pulumi.getStack());
