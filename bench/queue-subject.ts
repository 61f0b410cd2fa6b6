// One queue product under test, and the two measurements every queue benchmark makes of it:
// bulk throughput (queue N, then drain with one worker) and enqueue→start latency at low load.

import { BenchTimeoutError } from './bench-errors';
import { performance } from 'node:perf_hooks';
import { percentile, waitFor } from './measure';

/** One fresh instance of a queue product (its own schema/database/prefix), torn down after use. */
export interface QueueInstance {
  /** Queues n no-op jobs in bulk (the product's bulk path); the worker is not running yet. */
  enqueueBulk(n: number): Promise<void>;
  /** Queues one job carrying `seq`; the handler reports it through onStart. */
  enqueueOne(seq: number): Promise<void>;
  startWorker(): Promise<void>;
  /** Handler invocations so far. */
  processed(): number;
  /** True once the product has durably recorded n jobs as completed. */
  allCompleted(n: number): Promise<boolean>;
  teardown(): Promise<void>;
}

export interface QueueSubject {
  name: string;
  /** Builds a fresh instance; onStart receives the seq of each job as its handler starts. */
  create(onStart: (seq: number | undefined) => void): Promise<QueueInstance>;
}

/**
 * Each measurement runs in a fresh process (isolated.ts), so its code starts cold: the JIT has
 * compiled nothing yet. Before measuring, the process does the same work on a small scale (a
 * drain of its own fresh instance, or the first jobs of the latency run), excluded from the result.
 */
export const WARM_UP_JOBS = 2000;
export const LATENCY_WARM_UP_JOBS = 20;

/**
 * Jobs/second from starting the worker until all n jobs are durably completed, measured after a
 * warm-up drain of `warmUpJobs` on an instance of its own in the same process.
 */
export async function measureThroughput(subject: QueueSubject, n: number, warmUpJobs = Math.min(n, WARM_UP_JOBS)): Promise<{ jobsPerSecond: number; enqueuePerSecond: number }> {
  if (warmUpJobs > 0) await drain(subject, warmUpJobs);
  return drain(subject, n);
}

async function drain(subject: QueueSubject, n: number): Promise<{ jobsPerSecond: number; enqueuePerSecond: number }> {
  const instance = await subject.create(() => undefined);
  try {
    const q0 = performance.now();
    await instance.enqueueBulk(n);
    const q1 = performance.now();
    const t0 = performance.now();
    await instance.startWorker();
    await waitFor(() => instance.processed() >= n, { timeoutMs: 600_000, intervalMs: 2, what: `${subject.name}: ${n} jobs handled` });
    await waitFor(() => instance.allCompleted(n), { timeoutMs: 60_000, intervalMs: 5, what: `${subject.name}: ${n} jobs completed` });
    const t1 = performance.now();
    return { jobsPerSecond: (n / (t1 - t0)) * 1000, enqueuePerSecond: (n / (q1 - q0)) * 1000 };
  } finally {
    await instance.teardown();
  }
}

/**
 * Enqueue→handler-start latency of `count` jobs queued one at a time on an idle, running worker,
 * after `warmUpJobs` queued the same way and not counted.
 */
export async function measureLatency(subject: QueueSubject, count: number, warmUpJobs = LATENCY_WARM_UP_JOBS): Promise<{ p50Ms: number; p99Ms: number }> {
  let waiting: { seq: number; resolve: (at: number) => void } | undefined;
  const instance = await subject.create((seq) => {
    const at = performance.now();
    if (waiting && waiting.seq === seq) waiting.resolve(at);
  });
  try {
    await instance.startWorker();
    await new Promise((r) => setTimeout(r, 200)); // let the worker reach its idle wait
    const latencies: number[] = [];
    for (let seq = 0; seq < warmUpJobs + count; seq++) {
      const started = new Promise<number>((resolve) => {
        waiting = { seq, resolve };
      });
      const sent = performance.now();
      await instance.enqueueOne(seq);
      const latency = (await withDeadline(started, 30_000, `${subject.name}: job ${seq} to start`)) - sent;
      if (seq >= warmUpJobs) latencies.push(latency);
    }
    return { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
  } finally {
    await instance.teardown();
  }
}

function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new BenchTimeoutError(what, ms)), ms);
    }),
  ]);
}
