// The event store: atomic, versioned appends (the database's unique constraint decides races) and reads.

import { CompiledQuery } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { DatabaseHandle, Tx } from '../../platform/db';
import { parseJson, transactionRunner } from '../../platform/db';
import { ConcurrencyConflictError } from './concurrency-error';
import type { NewEvent, StoredEvent } from './event';

export interface AppendOptions {
  aggregateType: string;
  aggregateId: string;
  /**
   * The version the writer last saw (0 for a new stream), or 'any': append after whatever the
   * stream holds, for a writer that already serialises the stream's writers itself (a saga under
   * its run's row lock) and would otherwise read the version first only to pass it back. A writer
   * racing an 'any' append still meets the unique (stream, version) constraint.
   */
  expectedVersion: number | 'any';
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

/** Batch sizes whose append statement is kept (appends of one or a few events are the rule). */
const MAX_CACHED_BATCH_SIZES = 32;

export function createEventStore(database: DatabaseHandle, opts: { now?: () => number } = {}): EventStore {
  const { db, strategy } = database;
  const now = opts.now ?? Date.now;

  /**
   * The append statement for a batch of `count` events. Appends are the event store's hot path,
   * so its SQL is written once per batch size and reused with fresh parameters, rather than built
   * and compiled as a query tree on every call.
   */
  const appendTexts = new Map<string, string>();
  function appendText(count: number, atEnd: boolean): string {
    const key = `${count}:${atEnd ? 'end' : 'expected'}`;
    const cached = appendTexts.get(key);
    if (cached) return cached;
    let n = 0;
    const p = () => (strategy.name === 'postgres' ? `$${(n += 1)}` : '?');
    const columns = 'id, aggregate_type, aggregate_id, version, type, data, metadata, timestamp';
    // The stream's last version by a seek to the end of the (type, id, version) index; SQLite
    // would read every version of the stream for max(version) with this WHERE.
    const lastVersion = () => `coalesce((select version from events where aggregate_type = ${p()} and aggregate_id = ${p()}
      order by version desc limit 1), 0)`;
    // At the end: the stream's last version is read once (a materialized CTE, placed first so its
    // parameters come first) and each row's version value is its offset after it.
    const last = atEnd ? `last as materialized (select ${lastVersion()} as v)` : '';
    const rows = Array.from({ length: count }, () => `(${p()}, ${p()}, ${p()}, cast(${p()} as integer), ${p()}, ${p()}, ${p()}, cast(${p()} as bigint))`);
    const guard = atEnd ? '' : `where ${lastVersion()} = ${p()}`;
    // Positions come from a sequence on Postgres, so a transaction that commits later could hold a
    // smaller position than one already visible, and a subscriber reading "after N" would skip it.
    // Appends there take one transaction-scoped lock first (joined in, so it is taken before any
    // row gets its position), which makes positions commit in order. SQLite serialises writers.
    let text: string;
    if (strategy.name === 'postgres') {
      const values = atEnd
        ? 'v.id, v.aggregate_type, v.aggregate_id, last.v + v.version, v.type, v.data, v.metadata, v.timestamp'
        : 'v.*';
      text = `with append_lock as (select pg_advisory_xact_lock(7245000001))${atEnd ? `, ${last}` : ''}
            insert into events (${columns})
            select ${values} from append_lock${atEnd ? ', last' : ''}, (values ${rows.join(', ')}) as v(${columns})
            ${guard}
            returning *`;
    } else {
      text = atEnd
        ? `with ${last}
            insert into events (${columns})
            select column1, column2, column3, (select v from last) + column4, column5, column6, column7, column8 from (values ${rows.join(', ')})
            returning *`
        : `insert into events (${columns})
            select * from (values ${rows.join(', ')})
            ${guard}
            returning *`;
    }
    if (appendTexts.size < MAX_CACHED_BATCH_SIZES) appendTexts.set(key, text);
    return text;
  }

  /**
   * One statement: insert the batch only if the stream is still at the expected version (or after
   * its last event, for 'any'). Run on its own it is its own transaction (one round trip); inside
   * a caller's transaction it commits with the caller's change. Returns no rows when the expected
   * version is stale.
   */
  async function insertIfAtVersion(q: Tx | undefined, append: AppendOptions): Promise<EventRow[]> {
    const timestamp = now();
    const atEnd = append.expectedVersion === 'any';
    const base = atEnd ? 0 : (append.expectedVersion as number);
    const parameters: unknown[] = atEnd ? [append.aggregateType, append.aggregateId] : [];
    append.events.forEach((e, i) => {
      parameters.push(randomUUID(), append.aggregateType, append.aggregateId, base + i + 1, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata ?? {}), timestamp);
    });
    if (!atEnd) parameters.push(append.aggregateType, append.aggregateId, append.expectedVersion);
    const text = appendText(append.events.length, atEnd);
    // SQLite, outside a caller's transaction: straight to better-sqlite3 (a caller's transaction
    // holds the connection, so its appends go through it).
    if (!q && database.sqlite) return database.sqlite.exclusive((_, prepare) => prepare(text).all(parameters) as EventRow[]);
    const query = CompiledQuery.raw(text, parameters) as CompiledQuery<EventRow>;
    return (await (q ? transactionRunner(database, q) : db).executeQuery(query)).rows;
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
        inserted = await insertIfAtVersion(trx, append);
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
