import * as pulumi from "@pulumi/pulumi";
import type { Connection } from "../../../../components/host/ssh";

// The Go provider's File, declared by its type token as components/host/resources.ts declares the
// dynamic one: a secret file's content is a Pulumi secret, and `hashKey` a secret placeholder the
// provider fills with the key of its hash in state. No topology uses it yet (docs/go-provider.md, stage 2).
interface FileArgs {
  connection: pulumi.Input<Connection>;
  path: string;
  content: pulumi.Input<string>;
  secret?: boolean;
  mode?: string;
  verifyCommand?: string;
  onChangeCommand?: string;
}

class File extends pulumi.CustomResource {
  declare readonly observed: pulumi.Output<unknown>;
  constructor(name: string, args: FileArgs) {
    const managedBy = `${pulumi.getProject()}/${pulumi.getStack()}/File/${name}`;
    const content = args.secret ? pulumi.secret(args.content) : args.content;
    const hashKey = args.secret ? { hashKey: pulumi.secret("") } : {};
    super("hostform-ssh:host:File", name, { ...args, content, secret: args.secret ?? false, ...hashKey, managedBy, observed: undefined, appliedAt: undefined });
  }
}

const config = new pulumi.Config("test");
const connection = config.requireObject<Connection>("connection");
const token = config.requireSecret("token");
const DIR = "/srv/gp file";
new File("secret", { connection, path: `${DIR}/secret.env`, content: pulumi.interpolate`API_TOKEN=${token}\n`, secret: true });
new File("plain", {
  connection, path: `${DIR}/plain.conf`, content: "listen 80\n", mode: "0640",
  verifyCommand: `grep -qx 'listen 80' '${DIR}/plain.conf'`, onChangeCommand: `date +%s%N >> '${DIR}/changed'`,
});
