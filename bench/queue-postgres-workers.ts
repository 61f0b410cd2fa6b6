// Benchmark: one Postgres queue drained by 1, 2 and 4 Catalynx worker processes — throughput, and
// the CPU a job costs (Node and Postgres) as workers are added, against one worker.

import { ratio, row, type BenchContext, type BenchmarkOutcome } from './bench-result';
import { measureWorkersDrain } from './drain-workers-measure';
import { repeat } from './measure';
import { isLocalPostgres } from './postgres-backend-cpu';
import { QUEUE_CONCURRENCY, QUEUE_JOBS } from './queue-postgres';

const WORKER_COUNTS = [1, 2, 4] as const;

export async function runQueuePostgresWorkers(ctx: BenchContext): Promise<BenchmarkOutcome> {
  const outcome: BenchmarkOutcome = { id: 'queue-postgres-workers', title: 'Queue drain on Postgres with 1, 2 and 4 worker processes', rows: [], ratios: [], skipped: [], notes: [] };
  const url = ctx.env.postgresUrl;
  if (!url) {
    outcome.skipped.push('Postgres rows skipped: set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a Postgres database.');
    return outcome;
  }
  const jobs = Math.round(QUEUE_JOBS * ctx.env.scale);
  const local = isLocalPostgres(url);
  const r = await repeat({ repetitions: ctx.env.repetitions, label: `postgres workers (${jobs} jobs)`, log: ctx.log }, async (i) => {
    const out: Record<string, number> = {};
    for (const w of WORKER_COUNTS) {
      const d = await measureWorkersDrain(ctx.env, w, i < 0 ? Math.min(jobs, 1000) : jobs, QUEUE_CONCURRENCY);
      out[`${w} jobs/s`] = d.jobsPerSecond;
      out[`${w} node µs`] = d.nodeCpuPerJobUs;
      if (local) {
        out[`${w} pg µs`] = d.postgresCpuPerJobUs;
        out[`${w} cpu µs`] = d.nodeCpuPerJobUs + d.postgresCpuPerJobUs;
      }
      out[`${w} share`] = d.smallestShare;
    }
    return out;
  });
  for (const w of WORKER_COUNTS) {
    const subject = `Catalynx, ${w} worker process${w === 1 ? '' : 'es'}`;
    outcome.rows.push(row(subject, `drain ${jobs} jobs`, 'jobs/s', r[`${w} jobs/s`]!));
    outcome.rows.push(row(subject, 'Node CPU per job (all workers)', 'µs', r[`${w} node µs`]!));
    if (local) {
      outcome.rows.push(row(subject, 'Postgres CPU per job (their backends)', 'µs', r[`${w} pg µs`]!));
      outcome.rows.push(row(subject, 'CPU per job, Node + Postgres', 'µs', r[`${w} cpu µs`]!));
    }
    if (w > 1) outcome.rows.push(row(subject, 'smallest share of the jobs one worker ran', 'fraction', r[`${w} share`]!));
  }
  for (const w of WORKER_COUNTS.slice(1)) {
    outcome.ratios.push(ratio(`drain throughput ${w} workers / 1 worker`, r[`${w} jobs/s`]!, r['1 jobs/s']!));
    if (local) outcome.ratios.push(ratio(`CPU per job ${w} workers / 1 worker`, r[`${w} cpu µs`]!, r['1 cpu µs']!));
    else outcome.ratios.push(ratio(`Node CPU per job ${w} workers / 1 worker`, r[`${w} node µs`]!, r['1 node µs']!));
  }
  outcome.notes.push(
    `${jobs} no-op jobs queued first (enqueueMany in a process of its own), then drained by 1, 2 or 4 worker processes at concurrency ${QUEUE_CONCURRENCY} each on one fresh schema; the agent's cross-worker limit is set to every lease (each worker's slots and the tasks it may hold ahead of them). Each worker process first drains 1,000 jobs on a schema of its own (code warm), then all start together; the clock runs until all ${jobs} are durably completed.`,
    local
      ? "Postgres CPU is the user + system time (/proc) of the backends serving the workers' connections (by application_name) over the drain; Node CPU is process.cpuUsage() of every worker over the drain."
      : 'Postgres is not on this machine, so only the workers\' Node CPU is counted.',
    'The machine has two cores: four workers and Postgres share them, so past two workers added throughput is not expected; what the row shows is what each job costs as workers contend for the same queue.',
  );
  return outcome;
}
