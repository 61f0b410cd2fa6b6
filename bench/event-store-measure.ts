// The two sides of the event-store benchmark, each run in its own process: Catalynx's append with
// expected-version checks, and raw single-row inserts into the same events table.

import { newRowId } from '../src/platform/ids';
import { performance } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { createEventStore } from '../src/modules/events/event-store';
import type { BenchEnv } from './bench-env';
import { freshDatabase, openMigrated, type BenchDatabaseKind } from './bench-database';

/** Appends are spread over this many streams, one event per append, one writer. */
export const EVENT_STREAMS = 50;

/**
 * Appends made in the measuring process before the clock starts, to streams of their own (its
 * code starts cold in a fresh process; see queue-subject.ts).
 */
export const WARM_UP_APPENDS = 1000;

export async function measureCatalynxAppends(kind: BenchDatabaseKind, appends: number, env: BenchEnv): Promise<Record<string, number>> {
  const database = await freshDatabase(kind, env, 'ev');
  const handle = await openMigrated(database.url);
  try {
    const store = createEventStore(handle);
    const run = async (aggregateType: string, count: number) => {
      const versions = new Array<number>(EVENT_STREAMS).fill(0);
      for (let i = 0; i < count; i++) {
        const s = i % EVENT_STREAMS;
        await store.append({
          aggregateType,
          aggregateId: `stream-${s}`,
          expectedVersion: versions[s]!,
          events: [{ type: 'bench.happened', data: { i }, metadata: { correlation_id: 'bench' } }],
        });
        versions[s]! += 1;
      }
    };
    await run('bench-warm-up', Math.min(appends, WARM_UP_APPENDS));
    const t0 = performance.now();
    await run('bench', appends);
    return { appendsPerSecond: (appends / (performance.now() - t0)) * 1000 };
  } finally {
    await handle.close();
    await database.drop();
  }
}

export async function measureRawInserts(kind: BenchDatabaseKind, appends: number, env: BenchEnv): Promise<Record<string, number>> {
  const database = await freshDatabase(kind, env, 'evraw');
  const columns = 'id, aggregate_type, aggregate_id, version, type, data, metadata, timestamp';
  const params = (i: number, version: number, aggregateType = 'bench') => [
    newRowId(),
    aggregateType,
    `stream-${i % EVENT_STREAMS}`,
    version,
    'bench.happened',
    JSON.stringify({ i }),
    JSON.stringify({ correlation_id: 'bench' }),
    Date.now(),
  ];
  try {
    const versions = new Array<number>(EVENT_STREAMS).fill(0);
    if (kind === 'sqlite') {
      const db = new BetterSqlite3(database.filename!, { timeout: 5000 });
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const insert = db.prepare(`insert into events (${columns}) values (?, ?, ?, ?, ?, ?, ?, ?)`);
      const warmUpVersions = new Array<number>(EVENT_STREAMS).fill(0);
      for (let i = 0; i < Math.min(appends, WARM_UP_APPENDS); i++) insert.run(...params(i, ++warmUpVersions[i % EVENT_STREAMS]!, 'bench-warm-up'));
      const t0 = performance.now();
      for (let i = 0; i < appends; i++) insert.run(...params(i, ++versions[i % EVENT_STREAMS]!));
      const rate = (appends / (performance.now() - t0)) * 1000;
      db.close();
      return { appendsPerSecond: rate };
    }
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const text = `insert into events (${columns}) values ($1, $2, $3, $4, $5, $6, $7, $8)`;
      const warmUpVersions = new Array<number>(EVENT_STREAMS).fill(0);
      for (let i = 0; i < Math.min(appends, WARM_UP_APPENDS); i++) {
        await client.query({ name: 'bench-insert-event', text, values: params(i, ++warmUpVersions[i % EVENT_STREAMS]!, 'bench-warm-up') });
      }
      const t0 = performance.now();
      for (let i = 0; i < appends; i++) await client.query({ name: 'bench-insert-event', text, values: params(i, ++versions[i % EVENT_STREAMS]!) });
      return { appendsPerSecond: (appends / (performance.now() - t0)) * 1000 };
    } finally {
      await client.end();
    }
  } finally {
    await database.drop();
  }
}
