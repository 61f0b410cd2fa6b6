// Every measurement that runs in its own process, by name: what runIsolated may ask a child to do.

import { BenchSetupError } from './bench-errors';
import type { BenchEnv } from './bench-env';
import type { BenchDatabaseKind } from './bench-database';
import { measureFilter, measureIdle } from './bmf-measure';
import { bullmqSubject } from './bullmq-subject';
import { catalynxQueueSubject } from './catalynx-queue-subject';
import { measureGrowthDrain } from './drain-growth-measure';
import { fillQueue, runDrainWorker } from './drain-workers-measure';
import { measureCatalynxAppends, measureRawInserts } from './event-store-measure';
import { graphileWorkerSubject } from './graphile-worker-subject';
import { pgBossSubject } from './pg-boss-subject';
import { createBenchSchema } from './postgres-schema';
import { measureLatency, measureThroughput, type QueueSubject } from './queue-subject';
import { rawSqliteQueueSubject } from './raw-sqlite-queue-subject';
import { SAGA_CLIENTS, measureUnits } from './saga-measure';
import { createBenchSqliteFile } from './sqlite-file';

export type QueueSubjectId = 'catalynx-postgres' | 'graphile-worker' | 'pg-boss' | 'bullmq' | 'catalynx-sqlite' | 'raw-sqlite';

function need(value: string | null, what: string): string {
  if (!value) throw new BenchSetupError(`${what} is not set`);
  return value;
}

export function queueSubject(id: QueueSubjectId, env: BenchEnv, concurrency: number): QueueSubject {
  switch (id) {
    case 'catalynx-postgres': {
      const url = need(env.postgresUrl, 'BENCH_DATABASE_URL');
      return catalynxQueueSubject({ name: 'Catalynx', concurrency, freshDatabase: () => createBenchSchema(url, 'cx') });
    }
    case 'catalynx-sqlite':
      return catalynxQueueSubject({ name: 'Catalynx', concurrency, freshDatabase: () => createBenchSqliteFile('cx') });
    case 'graphile-worker':
      return graphileWorkerSubject({ baseUrl: need(env.postgresUrl, 'BENCH_DATABASE_URL'), concurrency });
    case 'pg-boss':
      return pgBossSubject({ baseUrl: need(env.postgresUrl, 'BENCH_DATABASE_URL'), concurrency });
    case 'bullmq':
      return bullmqSubject({ redisUrl: need(env.redisUrl, 'BENCH_REDIS_URL'), concurrency });
    case 'raw-sqlite':
      return rawSqliteQueueSubject({ concurrency });
  }
}

export type IsolatedTask = (args: Record<string, unknown>, env: BenchEnv) => Promise<Record<string, number>>;

export const ISOLATED_TASKS = {
  'queue-throughput': async (args, env) => {
    const r = await measureThroughput(queueSubject(args.subject as QueueSubjectId, env, Number(args.concurrency)), Number(args.jobs));
    return { ...r };
  },
  'queue-latency': async (args, env) => {
    const r = await measureLatency(queueSubject(args.subject as QueueSubjectId, env, Number(args.concurrency)), Number(args.jobs));
    return { ...r };
  },
  'event-append-catalynx': (args, env) => measureCatalynxAppends(args.database as BenchDatabaseKind, Number(args.appends), env),
  'event-append-raw': (args, env) => measureRawInserts(args.database as BenchDatabaseKind, Number(args.appends), env),
  'saga-units': (args, env) => measureUnits('saga', args.database as BenchDatabaseKind, Number(args.units), env),
  'three-task-units': (args, env) => measureUnits('tasks', args.database as BenchDatabaseKind, Number(args.units), env),
  'parallel-units': (args, env) => measureUnits('parallel', args.database as BenchDatabaseKind, Number(args.units), env),
  'saga-units-many-clients': (args, env) => measureUnits('saga', args.database as BenchDatabaseKind, Number(args.units), env, SAGA_CLIENTS),
  'three-task-units-many-clients': (args, env) => measureUnits('tasks', args.database as BenchDatabaseKind, Number(args.units), env, SAGA_CLIENTS),
  'queue-fill': (args) => fillQueue(String(args.url), Number(args.jobs)),
  'queue-drain-worker': (args, env) =>
    runDrainWorker({ url: String(args.url), concurrency: Number(args.concurrency), agentLimit: Number(args.agentLimit), barrier: String(args.barrier), index: Number(args.index) }, env),
  'queue-growth-drain': (args, env) => measureGrowthDrain(env, Number(args.jobs), Number(args.concurrency)),
  'bmf-filter': (args) => measureFilter(String(args.file)),
  'bmf-idle': () => measureIdle(),
} satisfies Record<string, IsolatedTask>;

export type IsolatedTaskName = keyof typeof ISOLATED_TASKS;
