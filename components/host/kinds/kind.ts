import type { Connection, Session } from "../ssh";

/** Inputs every host resource has. */
export interface BaseInputs {
  readonly connection: Connection;
}

/**
 * One kind of managed host state. Each method does at most one remote exec so that a refresh of
 * many resources stays cheap; scripts are check-then-act and quote every value.
 */
export interface Kind<I extends BaseInputs, O> {
  /** Inputs with defaults made explicit, so state and refreshed inputs compare like for like. */
  normalize?(inputs: I): I;
  /** Problems with the inputs, each naming the property and the fix. */
  validate(inputs: I): { property: string; reason: string }[];
  /** The resource's id: stable for the life of the thing on the host. */
  id(inputs: I): string;
  /** Input properties whose change means a different thing on the host (replace, not update). */
  readonly identity: readonly (keyof I & string)[];
  /** Input properties that describe host state: compared with what is observed, not with old inputs. */
  readonly managed: readonly string[];
  /** Outputs kept in state; a kind drops what must not be stored (a secret's content). */
  toOutputs?(inputs: I): Record<string, unknown>;
  observe(s: Session, inputs: I): Promise<O>;
  /** Names of the managed properties where what is on the host differs from the inputs. */
  drifted(inputs: I, observed: O): string[];
  /**
   * `settingsChanged`: inputs that are not host state changed (triggers, commands), so steps rerun;
   * `changed` names them, for kinds that act on some settings and not others.
   */
  converge(s: Session, inputs: I, observed: O, settingsChanged: boolean, changed?: readonly string[]): Promise<void>;
  remove(s: Session, inputs: I, observed: O | undefined): Promise<void>;
  /** What differs, in words, for the error when converging did not close the gap. */
  explain?(inputs: I, observed: O): string[];
  /** What is on the host, written as inputs, so a refreshed preview shows a readable diff. */
  asInputs(inputs: I, observed: O): I;
}

/** "644", "0644", "755" → "0644"-style; anything else is refused by validation. */
export function normalizeMode(mode: string): string {
  return mode.replace(/^0*/, "").padStart(4, "0");
}

export const MODE = /^0?[0-7]{3,4}$/;
export const NAME = /^[a-z_][a-z0-9_-]*[$]?$/;
