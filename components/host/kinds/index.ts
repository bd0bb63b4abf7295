import { file } from "./file";

/** Every resource kind the provider implements, by the name the shim passes. */
export const kinds = { file } as const;
export type KindName = keyof typeof kinds;
