// The event store: atomic, versioned appends (the database's unique constraint decides races) and reads.

import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { DatabaseHandle, Tx } from '../../platform/db';
import { parseJson } from '../../platform/db';
import { ConcurrencyConflictError } from './concurrency-error';
import type { NewEvent, StoredEvent } from './event';

export interface AppendOptions {
  aggregateType: string;
  aggregateId: string;
  /** The version the writer last saw (0 for a new stream). */
  expectedVersion: number;
  events: readonly NewEvent[];
}

export interface EventStore {
  /**
   * Appends events as expectedVersion+1, +2, ... in one transaction. Of two writers with the same
   * expected version exactly one succeeds; the other gets ConcurrencyConflictError.
   * Pass `trx` to append inside a caller's transaction (the change and its events commit together).
   */
  append(opts: AppendOptions, trx?: Tx): Promise<StoredEvent[]>;
  readStream(aggregateType: string, aggregateId: string, opts?: { fromVersion?: number; toVersion?: number }): Promise<StoredEvent[]>;
  currentVersion(aggregateType: string, aggregateId: string, trx?: Tx): Promise<number>;
  /** The global stream after a position, oldest first. */
  readAll(opts: { after?: number; limit?: number; types?: readonly string[]; aggregateType?: string }): Promise<StoredEvent[]>;
  /** The highest position stored (0 when empty). */
  headPosition(): Promise<number>;
}

export type EventRow = {
  position: number;
  id: string;
  aggregate_type: string;
  aggregate_id: string;
  version: number;
  type: string;
  data: string;
  metadata: string;
  timestamp: number;
};

/** A stored row as the event the API and subscribers see. */
export function toEvent(row: EventRow): StoredEvent {
  return {
    id: row.id,
    position: Number(row.position),
    aggregate_type: row.aggregate_type,
    aggregate_id: row.aggregate_id,
    version: Number(row.version),
    type: row.type,
    data: parseJson(row.data, {}),
    metadata: parseJson(row.metadata, {}),
    timestamp: new Date(Number(row.timestamp)).toISOString(),
  };
}

export function createEventStore(database: DatabaseHandle, opts: { now?: () => number } = {}): EventStore {
  const { db, strategy } = database;
  const now = opts.now ?? Date.now;

  /**
   * One statement: insert the batch only if the stream is still at the expected version. Run on
   * its own it is its own transaction (one round trip); inside a caller's transaction it commits
   * with the caller's change. Returns no rows when the expected version is stale.
   */
  async function insertIfAtVersion(q: Tx, append: AppendOptions): Promise<EventRow[]> {
    const timestamp = now();
    const values = sql.join(
      append.events.map(
        (e, i) =>
          sql`(${randomUUID()}, ${append.aggregateType}, ${append.aggregateId}, cast(${append.expectedVersion + i + 1} as integer), ${e.type}, ${JSON.stringify(e.data)}, ${JSON.stringify(e.metadata ?? {})}, cast(${timestamp} as bigint))`,
      ),
    );
    const columns = sql`id, aggregate_type, aggregate_id, version, type, data, metadata, timestamp`;
    const atExpectedVersion = sql`(select coalesce(max(version), 0) from events where aggregate_type = ${append.aggregateType} and aggregate_id = ${append.aggregateId}) = ${append.expectedVersion}`;
    // Positions come from a sequence on Postgres, so a transaction that commits later could hold a
    // smaller position than one already visible, and a subscriber reading "after N" would skip it.
    // Appends there take one transaction-scoped lock first (joined in, so it is taken before any
    // row gets its position), which makes positions commit in order. SQLite serialises writers.
    const query =
      strategy.name === 'postgres'
        ? sql<EventRow>`with append_lock as (select pg_advisory_xact_lock(7245000001))
            insert into events (${columns})
            select v.* from append_lock, (values ${values}) as v(${columns})
            where ${atExpectedVersion}
            returning *`
        : sql<EventRow>`insert into events (${columns})
            select * from (values ${values})
            where ${atExpectedVersion}
            returning *`;
    return (await query.execute(q)).rows;
  }

  async function currentVersionIn(q: Tx, aggregateType: string, aggregateId: string): Promise<number> {
    const row = await q
      .selectFrom('events')
      .select((eb) => eb.fn.max('version').as('v'))
      .where('aggregate_type', '=', aggregateType)
      .where('aggregate_id', '=', aggregateId)
      .executeTakeFirst();
    return Number(row?.v ?? 0);
  }

  return {
    async append(append, trx) {
      if (append.events.length === 0) return [];
      let inserted: EventRow[];
      try {
        inserted = await insertIfAtVersion(trx ?? db, append);
      } catch (err) {
        // Two writers that both saw the expected version: the unique (aggregate, version)
        // constraint lets exactly one in.
        if (strategy.isUniqueViolation(err)) {
          const current = await currentVersionIn(db, append.aggregateType, append.aggregateId);
          throw new ConcurrencyConflictError(append.aggregateType, append.aggregateId, append.expectedVersion, current);
        }
        throw err;
      }
      if (inserted.length === 0) {
        const current = await currentVersionIn(trx ?? db, append.aggregateType, append.aggregateId);
        throw new ConcurrencyConflictError(append.aggregateType, append.aggregateId, append.expectedVersion, current);
      }
      return inserted.map(toEvent).sort((a, b) => a.version - b.version);
    },
    async readStream(aggregateType, aggregateId, range = {}) {
      let q = db
        .selectFrom('events')
        .selectAll()
        .where('aggregate_type', '=', aggregateType)
        .where('aggregate_id', '=', aggregateId)
        .where('version', '>', range.fromVersion ?? 0);
      if (range.toVersion !== undefined) q = q.where('version', '<=', range.toVersion);
      return ((await q.orderBy('version').execute()) as EventRow[]).map(toEvent);
    },
    currentVersion(aggregateType, aggregateId, trx) {
      return currentVersionIn(trx ?? db, aggregateType, aggregateId);
    },
    async readAll(q) {
      let query = db.selectFrom('events').selectAll().where('position', '>', q.after ?? 0);
      if (q.types && q.types.length > 0) query = query.where('type', 'in', [...q.types]);
      if (q.aggregateType) query = query.where('aggregate_type', '=', q.aggregateType);
      const rows = await query.orderBy('position').limit(Math.min(Math.max(q.limit ?? 100, 1), 1000)).execute();
      return (rows as EventRow[]).map(toEvent);
    },
    async headPosition() {
      const row = await db.selectFrom('events').select((eb) => eb.fn.max('position').as('p')).executeTakeFirst();
      return Number(row?.p ?? 0);
    },
  };
}
