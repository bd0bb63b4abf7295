import * as pulumi from "@pulumi/pulumi";
import type { Connection } from "../../../../components/host/ssh";
import { Directory } from "../go-provider-kinds";

// The Go provider's Directory (docs/go-provider.md, stage 1).
const config = new pulumi.Config("test");
const given = config.requireObject<Connection>("connection");
// A private key given as a secret (test:privateKey) instead of a path: it must stay a secret.
const privateKey = config.getSecret("privateKey");
const connection = privateKey ? pulumi.all([privateKey]).apply(([k]) => ({ ...given, privateKey: k })) : given;
const dir = new Directory("dir", { connection, path: "/srv/gp dir", mode: "0750", owner: "root", group: "adm" });
export const observed = dir.observed;
