// The event store: atomic, versioned appends (the database's unique constraint decides races) and reads.

import { CompiledQuery } from 'kysely';
import { newRowId } from '../../platform/ids';
import { exec, parseJson, runProgram, sendLastGathered, waitOn, type DatabaseHandle, type Gathering, type Program, type Tx } from '../../platform/db';
import { queryTemplate } from '../../platform/db/query-template';
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
   * expected version exactly one succeeds; the other gets ConcurrencyConflictError. At most
   * MAX_EVENTS_PER_APPEND events (a RangeError, with nothing written, for more).
   * Pass `trx` to append inside a caller's transaction (the change and its events commit together).
   */
  append(opts: AppendOptions, trx?: Tx): Promise<StoredEvent[]>;
  /** The same append as a statement program, for a caller's transaction written as one (see statement-program.ts). */
  appendProgram(opts: AppendOptions): Program<StoredEvent[]>;
  /**
   * An append at the end of the stream, sent last without waiting for its answer
   * (statement-program.ts `sendLast`): on Postgres it goes out when the program ends, with the
   * transaction's COMMIT, so the lock that orders positions is held only from there to the commit.
   * For a writer that serialises the stream's writers itself (a saga under its run's lock); a
   * failure fails the transaction. Such appends of one transaction go out together, as one
   * statement for all their streams (statement-program.ts `sendLastGathered`), and keep their
   * order. Work the program waits on (`waitOn`: a run-finished hook reading the run's stream)
   * sees them; a statement of the program itself does not until the program ends. The events are
   * read once the transaction has committed.
   */
  sendAppendProgram(opts: AppendOptions & { expectedVersion: 'any' }): Program<SentAppend>;
  readStream(aggregateType: string, aggregateId: string, opts?: { fromVersion?: number; toVersion?: number }): Promise<StoredEvent[]>;
  currentVersion(aggregateType: string, aggregateId: string, trx?: Tx): Promise<number>;
  /** The global stream after a position, oldest first. */
  readAll(opts: { after?: number; limit?: number; types?: readonly string[]; aggregateType?: string }): Promise<StoredEvent[]>;
  /** The highest position stored (0 when empty). */
  headPosition(): Promise<number>;
}

/** An append sent ahead: its events, once the transaction that appended them has committed. */
export interface SentAppend {
  events(): StoredEvent[];
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

/** An append at the end of its stream, held back to go out with the others of its transaction (appendsAtEnd). */
interface PendingAppend {
  aggregateType: string;
  aggregateId: string;
  rows: { id: string; type: string; data: string; metadata: string }[];
  timestamp: number;
}

/**
 * The most events one append carries, and one gathered append statement: 8 parameters each,
 * 32,000 in all, within what one statement may bind (SQLite 32,766, Postgres 65,535).
 */
export const MAX_EVENTS_PER_APPEND = 4000;

/** Refuses an append too large for one statement, before anything is written. */
function checkSize(append: AppendOptions): void {
  if (append.events.length > MAX_EVENTS_PER_APPEND) {
    throw new RangeError(`an append carries at most ${MAX_EVENTS_PER_APPEND} events; this one has ${append.events.length} (append them in parts)`);
  }
}

/** Batch sizes whose append statement is kept (appends of one or a few events are the rule). */
const MAX_CACHED_BATCH_SIZES = 32;

export function createEventStore(database: DatabaseHandle, opts: { now?: () => number } = {}): EventStore {
  const { db, strategy } = database;
  const now = opts.now ?? Date.now;

  /** Statement texts per key (batch size and kind), written once: appends are the hot path. */
  const texts = new Map<string, string>();
  const cachedText = (key: string, build: () => string): string => {
    let text = texts.get(key);
    if (text === undefined) {
      text = build();
      if (texts.size < MAX_CACHED_BATCH_SIZES * 3) texts.set(key, text);
    }
    return text;
  };
  const COLUMNS = 'id, aggregate_type, aggregate_id, version, type, data, metadata, timestamp';

  /** The lock every Postgres append takes first (joined in, so it is taken before any row gets its position). */
  const APPEND_LOCK = 'with append_lock as (select pg_advisory_xact_lock(7245000001))';
  // Positions come from a sequence, so a transaction that commits later could hold a smaller
  // position than one already visible, and a subscriber reading "after N" would skip it. Appends
  // take one transaction-scoped lock first, which makes positions commit in order.

  /** `count` rows of parameters for the VALUES list of an append. */
  const valueRows = (count: number): string => {
    let n = 0;
    const p = () => `$${(n += 1)}`;
    return Array.from({ length: count }, () => `(${p()}, ${p()}, ${p()}, cast(${p()} as integer), ${p()}, ${p()}, ${p()}, cast(${p()} as bigint))`).join(', ');
  };

  /**
   * Postgres: the append of `count` events to one stream, inserted only if the stream is still at
   * the expected version (its last version by a seek to the end of the (type, id, version) index).
   */
  function guardedAppendText(count: number): string {
    return cachedText(`pg:${count}`, () => {
      const k = count * 8;
      return `${APPEND_LOCK}
        insert into events (${COLUMNS})
        select v.* from append_lock, (values ${valueRows(count)}) as v(${COLUMNS})
        where coalesce((select version from events where aggregate_type = $${k + 1} and aggregate_id = $${k + 2}
          order by version desc limit 1), 0) = $${k + 3}
        returning *`;
    });
  }

  /**
   * Postgres: `count` events appended at the ends of their streams, any number of streams: each
   * row's version is its stream's last one plus its offset among the statement's rows for that
   * stream. The statement does not see its own rows, so every row of a stream reads the same last
   * version; rows take their positions in the order given.
   */
  function atEndAppendText(count: number): string {
    return cachedText(`pg-end:${count}`, () => `${APPEND_LOCK}
      insert into events (${COLUMNS})
      select v.id, v.aggregate_type, v.aggregate_id,
        coalesce((select e.version from events e where e.aggregate_type = v.aggregate_type and e.aggregate_id = v.aggregate_id
          order by e.version desc limit 1), 0) + v.version,
        v.type, v.data, v.metadata, v.timestamp
      from append_lock, (values ${valueRows(count)}) as v(${COLUMNS})
      returning *`);
  }

  /**
   * SQLite: the stream's last version, then a plain insert. Both run in one transaction, or one
   * exclusive() call, so no other statement of this process comes in between (SQLite serialises
   * writers, and an append from another process in that gap meets the unique (stream, version)
   * index, as on Postgres). Two simple statements cost SQLite less than one guarded
   * INSERT … SELECT: that form took about half as long again as the insert itself.
   */
  function* insertOnSqlite(append: AppendOptions, timestamp: number): Program<EventRow[]> {
    const { rows: last } = yield* exec(
      CompiledQuery.raw(`select version from events where aggregate_type = ? and aggregate_id = ? order by version desc limit 1`, [
        append.aggregateType,
        append.aggregateId,
      ]) as CompiledQuery<{ version: number }>,
    );
    const version = last[0]?.version ?? 0;
    if (append.expectedVersion !== 'any' && version !== append.expectedVersion) return [];
    const count = append.events.length;
    // The stored rows are what was just bound: only the positions SQLite gave them come back.
    const rows: EventRow[] = append.events.map((e, i) => ({
      position: 0,
      id: newRowId(),
      aggregate_type: append.aggregateType,
      aggregate_id: append.aggregateId,
      version: version + i + 1,
      type: e.type,
      data: JSON.stringify(e.data),
      metadata: JSON.stringify(e.metadata ?? {}),
      timestamp,
    }));
    const parameters = rows.flatMap((r) => [r.id, r.aggregate_type, r.aggregate_id, r.version, r.type, r.data, r.metadata, r.timestamp]);
    if (count === 1) {
      const { insertId } = yield* exec(CompiledQuery.raw(sqliteInsertText(1), parameters));
      rows[0]!.position = Number(insertId);
      return rows;
    }
    // RETURNING gives no order: positions are matched to rows by version.
    const { rows: positions } = yield* exec(CompiledQuery.raw(sqliteInsertText(count), parameters) as CompiledQuery<{ version: number; position: number }>);
    for (const { version: v, position } of positions) rows[v - version - 1]!.position = Number(position);
    return rows;
  }

  /** The insert of `count` events; several return their versions and positions (one: the rowid is its position). */
  function sqliteInsertText(count: number): string {
    return cachedText(`sqlite:${count}`, () => `insert into events (${COLUMNS}) values ${Array.from({ length: count }, () => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}${count > 1 ? ' returning version, position' : ''}`);
  }

  /** Postgres: the batch in one statement, inserted only if the stream is still at the expected version (or at its end, for 'any'). */
  function postgresAppend(append: AppendOptions, timestamp: number): CompiledQuery<EventRow> {
    if (append.expectedVersion === 'any') return appendsAtEnd.build([{ aggregateType: append.aggregateType, aggregateId: append.aggregateId, rows: newRows(append.events), timestamp }]);
    const base = append.expectedVersion;
    const parameters: unknown[] = [];
    append.events.forEach((e, i) => {
      parameters.push(newRowId(), append.aggregateType, append.aggregateId, base + i + 1, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata ?? {}), timestamp);
    });
    parameters.push(append.aggregateType, append.aggregateId, base);
    return CompiledQuery.raw(guardedAppendText(append.events.length), parameters) as CompiledQuery<EventRow>;
  }

  function* insertOnPostgres(append: AppendOptions, timestamp: number): Program<EventRow[]> {
    return (yield* exec(postgresAppend(append, timestamp))).rows;
  }

  /**
   * Postgres: the appends at the ends of their streams that one transaction program sends last,
   * in one statement (bench/findings.md item 83): a completion batch's saga steps append to as
   * many runs' streams, and one statement for all of them costs the server and this process
   * about what one append did. A stream's rows are numbered after each other in the order the
   * appends were given.
   */
  const appendsAtEnd: Gathering<PendingAppend, EventRow> = {
    build(items) {
      const parameters: unknown[] = [];
      const perStream = new Map<string, number>();
      for (const item of items) {
        const stream = `${item.aggregateType}\u0000${item.aggregateId}`;
        let offset = perStream.get(stream) ?? 0;
        for (const row of item.rows) parameters.push(row.id, item.aggregateType, item.aggregateId, (offset += 1), row.type, row.data, row.metadata, item.timestamp);
        perStream.set(stream, offset);
      }
      return CompiledQuery.raw(atEndAppendText(parameters.length / 8), parameters) as CompiledQuery<EventRow>;
    },
    accepts(items, item) {
      let events = item.rows.length;
      for (const held of items) events += held.rows.length;
      return events <= MAX_EVENTS_PER_APPEND;
    },
  };

  const newRows = (events: readonly NewEvent[]): PendingAppend['rows'] =>
    events.map((e) => ({ id: newRowId(), type: e.type, data: JSON.stringify(e.data), metadata: JSON.stringify(e.metadata ?? {}) }));

  function* sendAppendProgram(append: AppendOptions & { expectedVersion: 'any' }): Program<SentAppend> {
    checkSize(append);
    if (append.events.length === 0 || database.sqlite) {
      // SQLite answers at once (and its append is two statements, the second needing the first).
      const events = yield* appendProgram(append);
      return { events: () => events };
    }
    const rows = newRows(append.events);
    const sent = yield* sendLastGathered(appendsAtEnd, { aggregateType: append.aggregateType, aggregateId: append.aggregateId, rows, timestamp: now() });
    return {
      events() {
        if (!sent.answer) throw new Error(`the append to ${append.aggregateType} ${append.aggregateId} has no answer yet: read its events after its transaction commits`);
        // The statement may hold other appends' rows too: this append's are those with its ids.
        const own = sent.answer.rows.length === rows.length ? sent.answer.rows : sent.answer.rows.filter((r) => rows.some((mine) => mine.id === r.id));
        return storedEvents(own);
      },
    };
  }

  const currentVersionQuery = queryTemplate<'type' | 'id', { v: number | string | null }>((p) =>
    db
      .selectFrom('events')
      .select((eb) => eb.fn.max('version').as('v'))
      .where('aggregate_type', '=', p.type)
      .where('aggregate_id', '=', p.id),
  );

  function* currentVersionProgram(aggregateType: string, aggregateId: string): Program<number> {
    const { rows } = yield* exec(currentVersionQuery.statement({ type: aggregateType, id: aggregateId }));
    return Number(rows[0]?.v ?? 0);
  }

  const currentVersionIn = (q: Tx, aggregateType: string, aggregateId: string): Promise<number> =>
    runProgram(database, q, currentVersionProgram(aggregateType, aggregateId));

  /**
   * The append: inserts the batch only if the stream is still at the expected version (or after
   * its last event, for 'any'). Two writers that both saw the expected version meet the unique
   * (aggregate, version) constraint, which lets exactly one in; the other, like a writer whose
   * version was stale, gets a conflict with the stream's current version. After a failed
   * statement a Postgres transaction accepts no more, so there the version is read outside it.
   */
  function* appendProgram(append: AppendOptions): Program<StoredEvent[]> {
    checkSize(append);
    if (append.events.length === 0) return [];
    const onSqlite = database.sqlite !== undefined;
    const { aggregateType, aggregateId, expectedVersion } = append;
    const timestamp = now();
    let inserted: EventRow[];
    try {
      inserted = onSqlite ? yield* insertOnSqlite(append, timestamp) : yield* insertOnPostgres(append, timestamp);
    } catch (err) {
      if (!strategy.isUniqueViolation(err)) throw err;
      const current = onSqlite ? yield* currentVersionProgram(aggregateType, aggregateId) : yield* waitOn(() => currentVersionIn(db, aggregateType, aggregateId));
      throw new ConcurrencyConflictError(aggregateType, aggregateId, expectedVersion, current);
    }
    if (inserted.length === 0) throw new ConcurrencyConflictError(aggregateType, aggregateId, expectedVersion, yield* currentVersionProgram(aggregateType, aggregateId));
    return storedEvents(inserted);
  }

  /** The inserted rows as the events returned, in version order. */
  const storedEvents = (rows: EventRow[]): StoredEvent[] => rows.map(toEvent).sort((a, b) => a.version - b.version);

  return {
    append(append, trx) {
      return runProgram(database, trx ?? db, appendProgram(append));
    },
    appendProgram,
    sendAppendProgram,
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
