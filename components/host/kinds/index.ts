import { directory } from "./directory";
import { file } from "./file";
import { packages } from "./packages";
import { service } from "./service";
import { unit } from "./unit";

/** Every resource kind the provider implements, by the name the shim passes. */
export const kinds = { file, directory, packages, unit, service } as const;
export type KindName = keyof typeof kinds;
