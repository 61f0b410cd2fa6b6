// Benchmark 5: event-store appends/second with expected-version checks (createEventStore) against
// raw single-row inserts into the same events table, one writer. Target: ≥ 70 %.

import { ratio, row, type BenchContext, type BenchmarkOutcome } from './bench-result';
import type { BenchDatabaseKind } from './bench-database';
import { EVENT_STREAMS } from './event-store-measure';
import { runIsolated } from './isolated';
import { repeat } from './measure';

// Long enough that a measurement is not a fraction of a second: SQLite appends run at about ten
// thousand a second, and a shorter run is decided by when the WAL happens to be checkpointed.
const APPENDS: Record<BenchDatabaseKind, number> = { sqlite: 20_000, postgres: 5000 };

export async function runEventStore(ctx: BenchContext): Promise<BenchmarkOutcome> {
  const outcome: BenchmarkOutcome = { id: 'event-store', title: 'Event store appends', rows: [], ratios: [], skipped: [], notes: [] };
  const kinds: BenchDatabaseKind[] = ['sqlite'];
  if (ctx.env.postgresUrl) kinds.push('postgres');
  else outcome.skipped.push('Postgres rows skipped: set BENCH_DATABASE_URL (or TEST_DATABASE_URL).');
  for (const database of kinds) {
    const appends = Math.round(APPENDS[database] * ctx.env.scale);
    const r = await repeat({ repetitions: ctx.env.repetitions, label: `events ${database} (${appends} appends)`, log: ctx.log }, async (i) => {
      const n = i < 0 ? Math.min(appends, 500) : appends;
      const c = await runIsolated('event-append-catalynx', { database, appends: n });
      const b = await runIsolated('event-append-raw', { database, appends: n });
      return { catalynx: c.appendsPerSecond!, raw: b.appendsPerSecond! };
    });
    outcome.rows.push(
      row(`Catalynx append (${database})`, `${appends} appends, expected-version checked`, 'appends/s', r.catalynx!),
      row(`raw insert (${database})`, `${appends} inserts, same table`, 'inserts/s', r.raw!),
    );
    outcome.ratios.push(ratio(`${database}: Catalynx append / raw insert`, r.catalynx!, r.raw!, { op: '>=', value: 0.7 }));
  }
  outcome.notes.push(
    `One writer, one event per append, spread over ${EVENT_STREAMS} streams; each side on a fresh migrated database in its own process.`,
    'Catalynx on Postgres: one autocommitted statement per append, INSERT … SELECT guarded by the stream\'s last version (with the position-ordering advisory lock joined in). On SQLite: the stream\'s last version, then the insert, synchronously on the one connection. Raw: one prepared autocommit INSERT.',
  );
  return outcome;
}
