// Benchmark 1: queue throughput and enqueue→start latency on Postgres — Catalynx against
// graphile-worker and pg-boss, each on its own fresh schema and in its own process, same no-op body and concurrency.

import { ratio, row, type BenchContext, type BenchmarkOutcome } from './bench-result';
import { runIsolated } from './isolated';
import type { QueueSubjectId } from './isolated-tasks';
import { repeat } from './measure';

export const QUEUE_CONCURRENCY = 10;
export const QUEUE_JOBS = 5000;
export const LATENCY_JOBS = 100;

export interface QueueSubjectRef {
  id: QueueSubjectId;
  name: string;
}

/**
 * Runs throughput and latency for the subjects, each measurement in a fresh process, interleaved
 * per repetition (A B C, A B C …) so drift on the machine hits every product alike.
 */
export async function measureQueueSubjects(ctx: BenchContext, subjects: QueueSubjectRef[], label: string) {
  const jobs = Math.round(QUEUE_JOBS * ctx.env.scale);
  const latencyJobs = Math.max(20, Math.round(LATENCY_JOBS * ctx.env.scale));
  const throughput = await repeat({ repetitions: ctx.env.repetitions, label: `${label} throughput (${jobs} jobs)`, log: ctx.log }, async (i) => {
    const out: Record<string, number> = {};
    for (const s of subjects) {
      const r = await runIsolated('queue-throughput', { subject: s.id, concurrency: QUEUE_CONCURRENCY, jobs: i < 0 ? Math.min(jobs, 1000) : jobs });
      out[`${s.name} jobs/s`] = r.jobsPerSecond!;
      out[`${s.name} enqueue/s`] = r.enqueuePerSecond!;
    }
    return out;
  });
  const latency = await repeat({ repetitions: ctx.env.repetitions, label: `${label} latency (${latencyJobs} jobs)`, log: ctx.log }, async (i) => {
    const out: Record<string, number> = {};
    for (const s of subjects) {
      const r = await runIsolated('queue-latency', { subject: s.id, concurrency: QUEUE_CONCURRENCY, jobs: i < 0 ? 20 : latencyJobs });
      out[`${s.name} p50`] = r.p50Ms!;
      out[`${s.name} p99`] = r.p99Ms!;
    }
    return out;
  });
  return { throughput, latency, jobs, latencyJobs };
}

export async function runQueuePostgres(ctx: BenchContext): Promise<BenchmarkOutcome> {
  const outcome: BenchmarkOutcome = {
    id: 'queue-postgres',
    title: 'Queue throughput and latency, Postgres',
    rows: [],
    ratios: [],
    skipped: [],
    notes: [],
  };
  if (!ctx.env.postgresUrl) {
    outcome.skipped.push('Postgres rows skipped: set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a Postgres database.');
    return outcome;
  }
  const catalynx: QueueSubjectRef = { id: 'catalynx-postgres', name: 'Catalynx' };
  // The targets: at least graphile-worker's throughput (aim 2×), at least 2× pg-boss's.
  const peers: (QueueSubjectRef & { target: number })[] = [
    { id: 'graphile-worker', name: 'graphile-worker', target: 1 },
    { id: 'pg-boss', name: 'pg-boss', target: 2 },
  ];
  const { throughput, latency, jobs, latencyJobs } = await measureQueueSubjects(ctx, [catalynx, ...peers], 'postgres');
  for (const s of [catalynx, ...peers]) {
    outcome.rows.push(row(s.name, `drain ${jobs} jobs`, 'jobs/s', throughput[`${s.name} jobs/s`]!));
    outcome.rows.push(row(s.name, `bulk enqueue ${jobs} jobs`, 'jobs/s', throughput[`${s.name} enqueue/s`]!));
    outcome.rows.push(row(s.name, `enqueue→start p50 (${latencyJobs} one at a time)`, 'ms', latency[`${s.name} p50`]!));
    outcome.rows.push(row(s.name, `enqueue→start p99 (${latencyJobs} one at a time)`, 'ms', latency[`${s.name} p99`]!));
  }
  for (const p of peers) {
    outcome.ratios.push(ratio(`drain throughput Catalynx / ${p.name}`, throughput['Catalynx jobs/s']!, throughput[`${p.name} jobs/s`]!, { op: '>=', value: p.target }));
  }
  // The target for the bulk path: at least graphile-worker's addJobs.
  outcome.ratios.push(ratio('bulk enqueue Catalynx / graphile-worker', throughput['Catalynx enqueue/s']!, throughput['graphile-worker enqueue/s']!, { op: '>=', value: 1 }));
  // Issue 18's latency target: enqueue→start at or below graphile-worker's, p50 and p99.
  for (const p of ['p50', 'p99']) {
    outcome.ratios.push(ratio(`enqueue→start ${p} Catalynx / graphile-worker`, latency[`Catalynx ${p}`]!, latency[`graphile-worker ${p}`]!, { op: '<=', value: 1 }));
  }
  outcome.notes.push(
    `Concurrency ${QUEUE_CONCURRENCY} for every product; pool size 10 each; jobs are queued first, the clock runs from starting the worker until the product has durably recorded all ${jobs} as completed.`,
    `Catalynx runs at its default look-ahead (WORKER_LOOKAHEAD, twice the concurrency): at most ${QUEUE_CONCURRENCY} agent calls at once, and after short attempts a completion's commit leases up to ${QUEUE_CONCURRENCY * 2} more tasks for slots that free while the next commit is in flight (bench/findings.md item 86).`,
    'Bulk enqueue, 5,000 jobs per call on every side: Catalynx enqueueMany (the path of POST /api/agents/:id/execute-batch; inserts of unnested column arrays, 250 rows each, each sent as soon as it is built, in one transaction), graphile-worker addJobs, pg-boss insert().',
    'Catalynx runs without Redis here, as its embedded Postgres set-up does: its worker is woken in process, and notifications between processes go through LISTEN/NOTIFY (a completion batch sends its task-finished notification from its own finishing statement); graphile-worker is woken through LISTEN/NOTIFY; pg-boss polls (0.5 s, its minimum), which sets its latency.',
  );
  return outcome;
}
