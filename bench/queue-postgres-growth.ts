// Benchmark: a long Postgres drain (100,000 jobs at BENCH_SCALE=20) timed over its first and its
// last tenth, to show the queue does not slow down as finished tasks fill the table.

import { ratio, row, type BenchContext, type BenchmarkOutcome } from './bench-result';
import { runIsolated } from './isolated';
import { repeat } from './measure';
import { QUEUE_CONCURRENCY, QUEUE_JOBS } from './queue-postgres';

export async function runQueuePostgresGrowth(ctx: BenchContext): Promise<BenchmarkOutcome> {
  const outcome: BenchmarkOutcome = { id: 'queue-postgres-growth', title: 'Queue drain on Postgres as the table grows', rows: [], ratios: [], skipped: [], notes: [] };
  if (!ctx.env.postgresUrl) {
    outcome.skipped.push('Postgres rows skipped: set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a Postgres database.');
    return outcome;
  }
  const jobs = Math.round(QUEUE_JOBS * ctx.env.scale);
  const r = await repeat({ repetitions: ctx.env.repetitions, label: `postgres growth (${jobs} jobs)`, log: ctx.log }, (i) =>
    runIsolated('queue-growth-drain', { jobs: i < 0 ? Math.min(jobs, 5000) : jobs, concurrency: QUEUE_CONCURRENCY }),
  );
  const size = jobs.toLocaleString('en-US');
  outcome.rows.push(
    row('Catalynx, 1 worker', `drain ${size} jobs, whole drain`, 'jobs/s', r.jobsPerSecond!),
    row('Catalynx, 1 worker', `drain ${size} jobs, first 10 %`, 'jobs/s', r.firstTenthJobsPerSecond!),
    row('Catalynx, 1 worker', `drain ${size} jobs, last 10 %`, 'jobs/s', r.lastTenthJobsPerSecond!),
  );
  outcome.ratios.push(ratio('last 10 % / first 10 % of the drain', r.lastTenthJobsPerSecond!, r.firstTenthJobsPerSecond!));
  outcome.notes.push(
    `This run drained ${size} jobs (5,000 × BENCH_SCALE ${ctx.env.scale}; \`BENCH_SCALE=20\` gives the 100,000-job drain, the default keeps the full run near a quarter of an hour).`,
    `All jobs queued first on a fresh schema, one worker process at concurrency ${QUEUE_CONCURRENCY}, warmed on a drain of its own first. First 10 %: from the first job's start until the job after the first tenth started (the worker's start-up is left out); last 10 %: from the start of the job at nine tenths until every job was durably completed. By the end the table holds ${size} finished tasks and almost no queued ones.`,
  );
  return outcome;
}
