// Security review 14(a): one AptPackages whose package the host's (fresh, but stale) lists name at
// a version its repository no longer serves.
import * as pulumi from "@pulumi/pulumi";
import { AptPackages } from "../../../../components/host/resources";
import type { Connection } from "../../../../components/host/ssh";

const config = new pulumi.Config("test");
new AptPackages("stale", { connection: config.requireObject<Connection>("connection"), packages: [config.require("package")] });
