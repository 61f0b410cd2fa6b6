// The feature_flags table and each flag's change history (FlagChanged events), written together.
import type { DatabaseHandle, Tx } from '../../platform/db';
import { parseJson } from '../../platform/db';
import type { Notifier } from '../../platform/notifier';
import { ConcurrencyConflictError } from '../events/concurrency-error';
import type { StoredEvent } from '../events/event';
import type { EventStore } from '../events/event-store';
import { publishAppended } from '../events/publish-appended';
import type { Condition, FeatureFlag } from './flag';

export const FLAG_AGGREGATE = 'flag';
export const FLAG_CHANGED = 'FlagChanged';
/** Notifier channel published after a flag change commits; the payload is the flag name. */
export const FLAGS_CHANNEL = 'flags';

/** Where a flag's current value came from: the flags file, or an override through the API. */
export type FlagSource = 'file' | 'api';

/** A flag as stored: `version` grows on every change of the row (file or API). */
export type StoredFlag = FeatureFlag & { source: FlagSource; version: number; updated_at: string };

/** The flag content recorded in FlagChanged's `before` / `after` (null before creation). */
export type FlagValue = FeatureFlag & { source: FlagSource };

export interface FlagHistoryEntry {
  version: number;
  timestamp: string;
  actor: string | null;
  before: FlagValue | null;
  after: FlagValue;
}

export interface PutResult {
  flag: StoredFlag;
  /** False when the stored flag already had this content (nothing written, no event). */
  changed: boolean;
}

export interface FlagStore {
  list(): Promise<StoredFlag[]>;
  get(name: string): Promise<StoredFlag | undefined>;
  /** Creates or replaces a flag as an API override (source `api`), appending FlagChanged with the actor. */
  put(flag: FeatureFlag, actor: string | null): Promise<PutResult>;
  /**
   * Upserts the file's flags with source `file`. A flag overridden through the API keeps its
   * override. No history events are appended: the history records what people changed; the
   * file's value shows up as `before` of the first API change.
   */
  syncFromFile(flags: readonly FeatureFlag[]): Promise<void>;
  /** Oldest first; undefined when the flag has neither a row nor any history. */
  history(name: string): Promise<FlagHistoryEntry[] | undefined>;
}

type Row = {
  name: string;
  state: FeatureFlag['state'];
  rollout_percentage: number;
  conditions: string;
  description: string;
  source: FlagSource;
  version: number;
  updated_at: number;
};

function toStored(row: Row): StoredFlag {
  return {
    name: row.name,
    state: row.state,
    rollout_percentage: Number(row.rollout_percentage),
    conditions: parseJson<Condition[]>(row.conditions, []),
    description: row.description,
    source: row.source,
    version: Number(row.version),
    updated_at: new Date(Number(row.updated_at)).toISOString(),
  };
}

function valueOf(flag: FeatureFlag, source: FlagSource): FlagValue {
  return {
    name: flag.name,
    state: flag.state,
    rollout_percentage: flag.rollout_percentage,
    conditions: flag.conditions,
    description: flag.description,
    source,
  };
}

/** JSON with object keys sorted, so equal flags compare equal whatever order their keys were built in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

export interface FlagStoreOptions {
  database: DatabaseHandle;
  events: EventStore;
  notifier: Notifier;
  now?: () => number;
  /** Attempts of one write when concurrent writers collide (then the conflict is thrown). */
  attempts?: number;
}

export function createFlagStore(opts: FlagStoreOptions): FlagStore {
  const { database, events, notifier } = opts;
  const { db, strategy } = database;
  const now = opts.now ?? Date.now;
  const attempts = opts.attempts ?? 5;

  /** One write in its own transaction; returns what changed and the events to announce after commit. */
  async function writeOnce(
    flag: FeatureFlag,
    source: FlagSource,
    actor: string | null,
  ): Promise<PutResult & { appended: StoredEvent[] }> {
    return strategy.writeTransaction(db, async (trx: Tx) => {
      const row = (await trx.selectFrom('feature_flags').selectAll().where('name', '=', flag.name).executeTakeFirst()) as Row | undefined;
      const current = row ? toStored(row) : undefined;
      if (current && source === 'file' && current.source === 'api') return { flag: current, changed: false, appended: [] };
      const before = current ? valueOf(current, current.source) : null;
      const after = valueOf(flag, source);
      if (before && canonical(before) === canonical(after)) return { flag: current!, changed: false, appended: [] };

      let appended: StoredEvent[] = [];
      if (source === 'api') {
        // The append's version check (and, on Postgres, its lock) is what orders two concurrent
        // PUTs: the loser gets ConcurrencyConflictError and the caller retries with a fresh read.
        const expectedVersion = await events.currentVersion(FLAG_AGGREGATE, flag.name, trx);
        appended = await events.append(
          {
            aggregateType: FLAG_AGGREGATE,
            aggregateId: flag.name,
            expectedVersion,
            events: [{ type: FLAG_CHANGED, data: { before, after }, metadata: { actor } }],
          },
          trx,
        );
      }
      const values = {
        state: flag.state,
        rollout_percentage: flag.rollout_percentage,
        conditions: JSON.stringify(flag.conditions),
        description: flag.description,
        source,
        updated_at: now(),
      };
      // Two concurrent first writes both find no row; the second insert then fails on the primary
      // key (Postgres) and the caller retries it as an update.
      const written = (
        current
          ? await trx
              .updateTable('feature_flags')
              .set((eb) => ({ ...values, version: eb('version', '+', 1) }))
              .where('name', '=', flag.name)
              .returningAll()
              .executeTakeFirstOrThrow()
          : await trx
              .insertInto('feature_flags')
              .values({ name: flag.name, ...values, version: 1 })
              .returningAll()
              .executeTakeFirstOrThrow()
      ) as Row;
      return { flag: toStored(written), changed: true, appended };
    });
  }

  async function write(flag: FeatureFlag, source: FlagSource, actor: string | null): Promise<PutResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await writeOnce(flag, source, actor);
        if (result.changed) {
          // After commit only: a process woken earlier would reload the old row.
          publishAppended(notifier, result.appended);
          notifier.publish(FLAGS_CHANNEL, flag.name);
        }
        return { flag: result.flag, changed: result.changed };
      } catch (err) {
        const collided = err instanceof ConcurrencyConflictError || strategy.isUniqueViolation(err);
        if (!collided || attempt >= attempts) throw err;
      }
    }
  }

  async function get(name: string): Promise<StoredFlag | undefined> {
    const row = (await db.selectFrom('feature_flags').selectAll().where('name', '=', name).executeTakeFirst()) as Row | undefined;
    return row ? toStored(row) : undefined;
  }

  return {
    async list() {
      const rows = (await db.selectFrom('feature_flags').selectAll().orderBy('name').execute()) as Row[];
      return rows.map(toStored);
    },
    get,
    put(flag, actor) {
      return write(flag, 'api', actor);
    },
    async syncFromFile(flags) {
      for (const flag of flags) await write(flag, 'file', null);
    },
    async history(name) {
      const stream = await events.readStream(FLAG_AGGREGATE, name);
      if (stream.length === 0 && (await get(name)) === undefined) return undefined;
      return stream
        .filter((e) => e.type === FLAG_CHANGED)
        .map((e) => {
          const data = e.data as { before: FlagValue | null; after: FlagValue };
          const actor = e.metadata.actor;
          return {
            version: e.version,
            timestamp: e.timestamp,
            actor: typeof actor === 'string' ? actor : null,
            before: data.before,
            after: data.after,
          };
        });
    },
  };
}
