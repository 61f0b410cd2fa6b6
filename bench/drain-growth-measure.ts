// One long Postgres drain by one Catalynx worker, timed over its first and its last tenth: does
// the queue get slower as finished tasks pile up in the table (and queued ones thin out)?

import { performance } from 'node:perf_hooks';
import { BenchSetupError } from './bench-errors';
import type { BenchEnv } from './bench-env';
import { createCatalynxStack } from './catalynx-stack';
import { catalynxQueueSubject } from './catalynx-queue-subject';
import { waitFor } from './measure';
import { queueNoopJobs } from './noop-agent';
import { createBenchSchema } from './postgres-schema';
import { measureThroughput, WARM_UP_JOBS } from './queue-subject';

/**
 * Queues `jobs` tasks on a fresh schema, drains them, and answers jobs/s over the whole drain
 * (from starting the worker), over the first tenth (from the first job's start to the start of
 * the job at one tenth: the worker's start-up, new connections preparing their statements, is
 * left out, so both tenths time a running worker) and over the last tenth (from the start of the
 * job at nine tenths until all were durably completed). The process first warms on a drain of its own.
 */
export async function measureGrowthDrain(env: BenchEnv, jobs: number, concurrency: number): Promise<Record<string, number>> {
  const base = env.postgresUrl;
  if (!base) throw new BenchSetupError('BENCH_DATABASE_URL is not set');
  await measureThroughput(catalynxQueueSubject({ name: 'warm-up', concurrency, freshDatabase: () => createBenchSchema(base, 'cxw') }), Math.min(jobs, WARM_UP_JOBS), 0);
  const schema = await createBenchSchema(base, 'cxg');
  const tenth = Math.max(1, Math.round(jobs / 10));
  let handled = 0;
  let firstAt = 0;
  let firstTenthAt = 0;
  let lastTenthFrom = 0;
  const stack = await createCatalynxStack({
    databaseUrl: schema.url,
    concurrency,
    onTaskStart: () => {
      handled += 1;
      if (handled === 1) firstAt = performance.now();
      if (handled === tenth + 1) firstTenthAt = performance.now();
      if (handled === jobs - tenth + 1) lastTenthFrom = performance.now();
    },
  });
  try {
    await queueNoopJobs(stack.tasks.queue, jobs);
    const { db } = stack.platform.database;
    const t0 = performance.now();
    await stack.startWorker();
    await waitFor(() => handled >= jobs, { timeoutMs: 1_800_000, intervalMs: 5, what: `${jobs} jobs handled` });
    const completed = async () => Number((await db.selectFrom('tasks').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'succeeded').executeTakeFirst())?.n ?? 0) >= jobs;
    await waitFor(completed, { timeoutMs: 60_000, intervalMs: 5, what: `${jobs} jobs completed` });
    const t1 = performance.now();
    return {
      jobsPerSecond: (jobs / (t1 - t0)) * 1000,
      firstTenthJobsPerSecond: (tenth / (firstTenthAt - firstAt)) * 1000,
      lastTenthJobsPerSecond: (tenth / (t1 - lastTenthFrom)) * 1000,
    };
  } finally {
    await stack.stop();
    await schema.drop();
  }
}
