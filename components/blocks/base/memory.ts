/**
 * A host too small for its role: the memory a topology asks for, and the one warning `up`,
 * `hosts check` and the doctor print when a host's MemTotal (facts) is below it. A warning, never a
 * failure: a small VM still runs, it only runs out sooner. Pure.
 */

/** The memory a role's hosts should have. */
export interface MinimumMemory {
  /** MemTotal below this many MiB warns. */
  readonly mib: number;
  /** The stack key that sets it, named in the warning ("hostform:flatlogic.memory.hostMinimumMiB"). */
  readonly key: string;
  /** Why, and what to do about it: the runbook's story, in one sentence. */
  readonly why: string;
}

const gib = (kib: number): string => `${(kib / 1024 / 1024).toFixed(1)} GiB`;

/** What is wrong with a host of `memoryKiB` MemTotal, or undefined when it has enough (or none was read). */
export function belowMinimumMemory(memoryKiB: number, minimum: MinimumMemory | undefined): string | undefined {
  if (minimum === undefined || !(memoryKiB > 0) || memoryKiB >= minimum.mib * 1024) return undefined;
  return `has ${gib(memoryKiB)} of memory (MemTotal), below the ${gib(minimum.mib * 1024)} (${minimum.mib} MiB) of ${minimum.key}: ${minimum.why}`;
}

/** The warning `up` and `hosts check` print for host `host`, or undefined. */
export function smallHostWarning(host: string, memoryKiB: number, minimum: MinimumMemory | undefined): string | undefined {
  const below = belowMinimumMemory(memoryKiB, minimum);
  return below === undefined ? undefined : `${host}: ${below}`;
}
