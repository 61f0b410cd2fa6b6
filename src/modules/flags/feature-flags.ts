// The one interface code uses to ask about flags, answered from an in-memory snapshot (no I/O per call).
import { evaluateFlag, type FlagContext, type FlagDecision } from './evaluate-flag';
import type { FeatureFlag } from './flag';

export interface FeatureFlags {
  /** True when the flag is on for this caller; an unknown flag is off. */
  isEnabled(name: string, context?: FlagContext): boolean;
  /** The decision and its reason (`unknown_flag` for a name not in the snapshot). */
  evaluate(name: string, context?: FlagContext): FlagDecision;
  /** Every flag of the snapshot, by name. */
  list(): FeatureFlag[];
}

/** A flag with the row version that orders its changes (see flag-store.ts). */
export type VersionedFlag = FeatureFlag & { version: number };

/** The snapshot plus the two ways it is fed: a full reload, or one flag this process just wrote. */
export interface FlagSnapshot extends FeatureFlags {
  /**
   * Replaces the snapshot with a full load. A flag the snapshot holds at a higher version is kept:
   * a reload that started before this process's own write committed must not undo it.
   */
  replaceAll(flags: readonly VersionedFlag[]): void;
  /** Applies one flag unless the snapshot already holds it at the same or a higher version. */
  apply(flag: VersionedFlag): void;
}

export function createFlagSnapshot(initial: readonly VersionedFlag[] = []): FlagSnapshot {
  let byName = new Map<string, VersionedFlag>(initial.map((f) => [f.name, f]));

  function evaluate(name: string, context: FlagContext = {}): FlagDecision {
    return evaluateFlag(byName.get(name), context);
  }

  return {
    evaluate,
    isEnabled(name, context) {
      return evaluate(name, context).enabled;
    },
    list() {
      return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    replaceAll(flags) {
      const next = new Map<string, VersionedFlag>();
      for (const flag of flags) {
        const held = byName.get(flag.name);
        next.set(flag.name, held && held.version > flag.version ? held : flag);
      }
      byName = next;
    },
    apply(flag) {
      const held = byName.get(flag.name);
      if (!held || held.version < flag.version) byName.set(flag.name, flag);
    },
  };
}
