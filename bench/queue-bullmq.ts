// Benchmark 2: BullMQ on the local Redis, same job count, body and concurrency: a reference row.

import { ratio, row, type BenchContext, type BenchmarkOutcome } from './bench-result';
import { measureQueueSubjects } from './queue-postgres';

export async function runQueueBullmq(ctx: BenchContext, catalynxPostgresJobsPerSecond?: BenchmarkOutcome): Promise<BenchmarkOutcome> {
  const outcome: BenchmarkOutcome = { id: 'queue-bullmq', title: 'Queue reference: BullMQ on Redis', rows: [], ratios: [], skipped: [], notes: [] };
  if (!ctx.env.redisUrl) {
    outcome.skipped.push('BullMQ row skipped: set BENCH_REDIS_URL (or TEST_REDIS_URL) to a Redis server.');
    return outcome;
  }
  const subject = { id: 'bullmq' as const, name: 'BullMQ (Redis)' };
  const { throughput, latency, jobs, latencyJobs } = await measureQueueSubjects(ctx, [subject], 'bullmq');
  const jobsPerSecond = throughput[`${subject.name} jobs/s`]!;
  outcome.rows.push(
    row(subject.name, `drain ${jobs} jobs`, 'jobs/s', jobsPerSecond),
    row(subject.name, `bulk enqueue ${jobs} jobs`, 'jobs/s', throughput[`${subject.name} enqueue/s`]!),
    row(subject.name, `enqueue→start p50 (${latencyJobs} one at a time)`, 'ms', latency[`${subject.name} p50`]!),
    row(subject.name, `enqueue→start p99 (${latencyJobs} one at a time)`, 'ms', latency[`${subject.name} p99`]!),
  );
  const catalynx = catalynxPostgresJobsPerSecond?.rows.find((r) => r.subject === 'Catalynx' && r.metric.startsWith('drain'));
  // Issue 18's target: a durable Postgres queue at least as fast as BullMQ on Redis.
  if (catalynx) outcome.ratios.push(ratio('drain throughput Catalynx (Postgres) / BullMQ (Redis)', catalynx.spread, jobsPerSecond, { op: '>=', value: 1 }));
  outcome.notes.push('BullMQ keeps its jobs in Redis memory: a reference for what an in-memory broker does, not a like-for-like durable database queue.');
  return outcome;
}
