// One Postgres queue drained by several Catalynx worker processes at once: the queue filled in a
// process of its own, each worker in its own process (warmed on a small drain first), all started
// together through files in a barrier folder, the clock and the Postgres CPU read by the parent.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { BenchSetupError } from './bench-errors';
import type { BenchEnv } from './bench-env';
import { createCatalynxStack, leasesPerWorker } from './catalynx-stack';
import { catalynxQueueSubject } from './catalynx-queue-subject';
import { runIsolated } from './isolated';
import { waitFor } from './measure';
import { NOOP_AGENT_ID, queueNoopJobs } from './noop-agent';
import { backendCpu, cpuBetween, isLocalPostgres } from './postgres-backend-cpu';
import { createBenchSchema } from './postgres-schema';
import { measureThroughput } from './queue-subject';

/** Jobs each worker process drains on a schema of its own before the measured drain. */
const WORKER_WARM_UP_JOBS = 1000;

/** The same no-op job body as every queue benchmark, one agent allowed every slot of every worker. */
const agentLimitEnv = (limit: number) => ({ [`AGENT_${NOOP_AGENT_ID.toUpperCase()}_MAX_CONCURRENT_TASKS`]: String(limit) });

function needPostgres(env: BenchEnv): string {
  if (!env.postgresUrl) throw new BenchSetupError('BENCH_DATABASE_URL is not set');
  return env.postgresUrl;
}

/** Child: migrates the schema at `url` and queues `jobs` no-op tasks through enqueueMany, 1,000 per call. */
export async function fillQueue(url: string, jobs: number): Promise<Record<string, number>> {
  const stack = await createCatalynxStack({ databaseUrl: url, concurrency: 1 });
  try {
    await queueNoopJobs(stack.tasks.queue, jobs);
    return { queued: jobs };
  } finally {
    await stack.stop();
  }
}

/**
 * Child: one worker process. Warms its code on a drain of its own, opens the shared queue, says
 * it is ready (`ready-<index>`), starts its worker when `go` appears and stops when `stop` does.
 * Answers the Node CPU it spent from go to stop and how many tasks it ran.
 */
export async function runDrainWorker(args: { url: string; concurrency: number; agentLimit: number; barrier: string; index: number }, env: BenchEnv): Promise<Record<string, number>> {
  const base = needPostgres(env);
  await measureThroughput(catalynxQueueSubject({ name: 'warm-up', concurrency: args.concurrency, freshDatabase: () => createBenchSchema(base, 'cxw') }), WORKER_WARM_UP_JOBS, 0);
  let handled = 0;
  const stack = await createCatalynxStack({ databaseUrl: args.url, concurrency: args.concurrency, env: agentLimitEnv(args.agentLimit), onTaskStart: () => (handled += 1) });
  try {
    writeFileSync(join(args.barrier, `ready-${args.index}`), '');
    await waitFor(() => existsSync(join(args.barrier, 'go')), { timeoutMs: 300_000, intervalMs: 1, what: 'the start signal' });
    const cpu0 = process.cpuUsage();
    await stack.startWorker();
    await waitFor(() => existsSync(join(args.barrier, 'stop')), { timeoutMs: 600_000, intervalMs: 5, what: 'the stop signal' });
    const cpu = process.cpuUsage(cpu0);
    return { nodeCpuMs: (cpu.user + cpu.system) / 1000, handled };
  } finally {
    await stack.stop();
  }
}

export interface WorkersDrain {
  jobsPerSecond: number;
  /** Node CPU of all worker processes per job, µs. */
  nodeCpuPerJobUs: number;
  /** CPU of the Postgres backends serving the workers per job, µs (NaN when Postgres is not on this machine). */
  postgresCpuPerJobUs: number;
  /** The smallest share of the jobs one worker ran (1 / workers when they split evenly). */
  smallestShare: number;
}

/** Parent: fills a fresh schema with `jobs` tasks and drains it with `workers` worker processes. */
export async function measureWorkersDrain(env: BenchEnv, workers: number, jobs: number, concurrency: number): Promise<WorkersDrain> {
  const base = needPostgres(env);
  const schema = await createBenchSchema(base, 'cxs');
  const applicationName = `catalynx_bench_${schema.name}`;
  const url = new URL(schema.url);
  url.searchParams.set('application_name', applicationName);
  const barrier = mkdtempSync(join(tmpdir(), 'catalynx-bench-workers-'));
  const observer = new pg.Client({ connectionString: schema.url });
  let children: Promise<Record<string, number>>[] = [];
  try {
    await runIsolated('queue-fill', { url: url.toString(), jobs });
    await observer.connect();
    children = Array.from({ length: workers }, (_, index) =>
      runIsolated('queue-drain-worker', { url: url.toString(), concurrency, agentLimit: leasesPerWorker(concurrency) * workers, barrier, index }),
    );
    // A child that fails before the end would leave the parent waiting: fail with it.
    const failed = Promise.race(children.map((c) => c.then(() => new Promise<never>(() => undefined))));
    failed.catch(() => undefined);
    const allReady = () => Array.from({ length: workers }, (_, i) => existsSync(join(barrier, `ready-${i}`))).every(Boolean);
    await Promise.race([waitFor(allReady, { timeoutMs: 300_000, intervalMs: 20, what: 'every worker ready' }), failed]);
    const local = isLocalPostgres(base);
    const pgBefore = local ? await backendCpu(observer, applicationName) : new Map<number, number>();
    const t0 = performance.now();
    writeFileSync(join(barrier, 'go'), '');
    // One probe of the claim index (it leads with status) per poll: counting the finished tasks
    // every 10 ms was a scan that competed with the drain for the two cores.
    const done = async () => (await observer.query<{ done: boolean }>(`select not exists (select 1 from tasks where status in ('queued', 'running')) as done`)).rows[0]?.done === true;
    await Promise.race([waitFor(done, { timeoutMs: 600_000, intervalMs: 10, what: `${jobs} jobs completed by ${workers} workers` }), failed]);
    const seconds = (performance.now() - t0) / 1000;
    const pgCpuMs = local ? cpuBetween(pgBefore, await backendCpu(observer, applicationName)) : Number.NaN;
    writeFileSync(join(barrier, 'stop'), '');
    const results = await Promise.all(children);
    return {
      jobsPerSecond: jobs / seconds,
      nodeCpuPerJobUs: (results.reduce((s, r) => s + r.nodeCpuMs!, 0) * 1000) / jobs,
      postgresCpuPerJobUs: (pgCpuMs * 1000) / jobs,
      smallestShare: Math.min(...results.map((r) => r.handled!)) / jobs,
    };
  } finally {
    // Release every child still waiting (on error too) before the barrier folder goes.
    writeFileSync(join(barrier, 'go'), '');
    writeFileSync(join(barrier, 'stop'), '');
    await Promise.allSettled(children);
    await observer.end().catch(() => undefined);
    rmSync(barrier, { recursive: true, force: true });
    await schema.drop();
  }
}
