import { directory } from "./directory";
import { facts } from "./facts";
import { file } from "./file";
import { health } from "./health";
import { packages } from "./packages";
import { pm2Apps } from "./pm2";
import { service } from "./service";
import { step } from "./step";
import { unit } from "./unit";

/** Every resource kind the provider implements, by the name the shim passes. */
export const kinds = { file, directory, packages, unit, service, step, pm2Apps, health, facts } as const;
export type KindName = keyof typeof kinds;
