import * as pulumi from "@pulumi/pulumi";
import type { Connection } from "../../../../components/host/ssh";
import { File } from "../go-provider-kinds";

// The Go provider's File, a secret one and a plain one (docs/go-provider.md, stage 2).
const config = new pulumi.Config("test");
const connection = config.requireObject<Connection>("connection");
const token = config.requireSecret("token");
const DIR = "/srv/gp file";
new File("secret", { connection, path: `${DIR}/secret.env`, content: pulumi.interpolate`API_TOKEN=${token}\n`, secret: true });
new File("plain", {
  connection, path: `${DIR}/plain.conf`, content: "listen 80\n", mode: "0640",
  verifyCommand: `grep -qx 'listen 80' '${DIR}/plain.conf'`, onChangeCommand: `date +%s%N >> '${DIR}/changed'`,
});
