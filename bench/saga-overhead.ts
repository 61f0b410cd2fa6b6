// Benchmark 6: saga overhead — 3-step sagas of no-op steps per second, and runs of one parallel
// group of 3 no-op branches, against 3 independent no-op tasks per unit, same worker and
// concurrency. Target: a saga unit costs ≤ 3× a task unit.

import { againstLine, ratio, row, type BenchContext, type BenchmarkOutcome } from './bench-result';
import type { BenchDatabaseKind } from './bench-database';
import { runIsolated } from './isolated';
import { repeat } from './measure';
import { SAGA_CLIENTS, SAGA_CONCURRENCY } from './saga-measure';

// Units per measurement: SQLite runs several hundred sagas a second, and 100 of them lasted a
// fraction of a second, decided by when the WAL happened to be checkpointed.
const UNITS: Record<BenchDatabaseKind, number> = { sqlite: 500, postgres: 100 };

export async function runSagaOverhead(ctx: BenchContext): Promise<BenchmarkOutcome> {
  const outcome: BenchmarkOutcome = { id: 'saga-overhead', title: 'Saga overhead', rows: [], ratios: [], skipped: [], notes: [] };
  const kinds: BenchDatabaseKind[] = ['sqlite'];
  if (ctx.env.postgresUrl) kinds.push('postgres');
  else outcome.skipped.push('Postgres rows skipped: set BENCH_DATABASE_URL (or TEST_DATABASE_URL).');
  for (const database of kinds) {
    const units = Math.round(UNITS[database] * ctx.env.scale);
    const r = await repeat({ repetitions: ctx.env.repetitions, label: `saga ${database} (${units} units)`, log: ctx.log }, async (i) => {
      const n = i < 0 ? Math.min(units, 50) : units;
      const saga = await runIsolated('saga-units', { database, units: n });
      const parallel = await runIsolated('parallel-units', { database, units: n });
      const tasks = await runIsolated('three-task-units', { database, units: n });
      return { saga: saga.unitsPerSecond!, parallel: parallel.unitsPerSecond!, tasks: tasks.unitsPerSecond! };
    });
    outcome.rows.push(
      row(`3-step saga (${database})`, `${units} runs`, 'units/s', r.saga!),
      row(`3-branch parallel group (${database})`, `${units} runs`, 'units/s', r.parallel!),
      row(`3 independent tasks (${database})`, `${units} × 3 tasks`, 'units/s', r.tasks!),
    );
    // Many clients at once: the steps per second a node reaches (issue target on Postgres: 1,000).
    const m = await repeat({ repetitions: ctx.env.repetitions, label: `saga ${database}, ${SAGA_CLIENTS} clients (${units * 2} units)`, log: ctx.log }, async (i) => {
      const n = i < 0 ? Math.min(units, 50) : units * 2;
      const saga = await runIsolated('saga-units-many-clients', { database, units: n });
      const tasks = await runIsolated('three-task-units-many-clients', { database, units: n });
      return { sagaSteps: saga.unitsPerSecond! * 3, taskSteps: tasks.unitsPerSecond! * 3 };
    });
    outcome.rows.push(
      row(`3-step sagas, ${SAGA_CLIENTS} clients (${database})`, `${units * 2} runs`, 'steps/s', m.sagaSteps!),
      row(`3 independent tasks, ${SAGA_CLIENTS} clients (${database})`, `${units * 2} × 3 tasks`, 'tasks/s', m.taskSteps!),
    );
    outcome.ratios.push(ratio(`${database}, ${SAGA_CLIENTS} clients: saga step cost / task cost`, m.taskSteps!, m.sagaSteps!, { op: '<=', value: 1.5 }));
    // Issue 18's target: 1,000 saga steps a second on one Postgres node.
    if (database === 'postgres') outcome.ratios.push(againstLine(`postgres, ${SAGA_CLIENTS} clients: saga steps/s / 1,000`, m.sagaSteps!, 1000, '>='));
    // Overhead = time per saga unit / time per task unit = task units/s ÷ saga units/s.
    outcome.ratios.push(ratio(`${database}: saga cost / 3-task cost`, r.tasks!, r.saga!, { op: '<=', value: 3 }));
    outcome.ratios.push(ratio(`${database}: 3-branch parallel group cost / 3-task cost`, r.tasks!, r.parallel!, { op: '<=', value: 3 }));
  }
  outcome.notes.push(
    `Worker concurrency ${SAGA_CONCURRENCY}; every unit submitted one after another while the worker runs (in the 20-client rows, 20 at a time); the clock stops when the last run (or task) has finished.`,
    'A saga runs its steps one after another (each step is queued when the previous one commits), so a unit of 3 steps can never run its steps in parallel the way 3 independent tasks do.',
    'A parallel group queues its 3 branches in the commit that starts the run, so they run side by side like 3 independent tasks; its extra cost is the run, its steps and their events, and the transitions that close the group and the run.',
  );
  return outcome;
}
