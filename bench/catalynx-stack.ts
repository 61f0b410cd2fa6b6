// A minimal Catalynx for the benchmarks: the real platform, task queue, worker (and optionally the
// saga orchestrator) on a migrated database, with the no-op builtin as its only agent.

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { createEventStore } from '../src/modules/events/event-store';
import { createHealthChecker } from '../src/modules/health/health-checker';
import { wireTasks, type TaskServices } from '../src/modules/tasks/wire-tasks';
import { wireWorkflows, type WorkflowServices } from '../src/modules/workflows/wire-workflows';
import { migrateToLatest } from '../src/platform/db';
import { createPlatform, type Platform } from '../src/processes/platform';
import { initializeServices, type Services } from '../src/processes/services';
import { createNoopAgent, NOOP_AGENT_ID } from './noop-agent';

export interface CatalynxStack {
  platform: Platform;
  services: Services;
  tasks: TaskServices;
  workflows?: WorkflowServices;
  /** Starts the task worker (not started by createCatalynxStack, so jobs can be queued first). */
  startWorker(): Promise<void>;
  stop(): Promise<void>;
}

export interface CatalynxStackOptions {
  databaseUrl: string;
  concurrency: number;
  withWorkflows?: boolean;
  /** Sees each no-op task's input when it starts (latency). */
  onTaskStart?: (input: unknown) => void;
  /** Extra configuration variables (same names as the process environment). */
  env?: Record<string, string>;
}

/**
 * The most tasks one worker holds leased at the default look-ahead: its slots and twice as many
 * ahead (WORKER_LOOKAHEAD). An agent's limit counts them all, so a limit that must not cap the
 * worker allows this many.
 */
export const leasesPerWorker = (concurrency: number) => concurrency * 3;

export async function createCatalynxStack(opts: CatalynxStackOptions): Promise<CatalynxStack> {
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'error',
    DATABASE_URL: opts.databaseUrl,
    WORKER_CONCURRENCY: String(opts.concurrency),
    // The per-agent limit must not be what caps the worker.
    [`AGENT_${NOOP_AGENT_ID.toUpperCase()}_MAX_CONCURRENT_TASKS`]: String(leasesPerWorker(opts.concurrency)),
    // No workflow files: only the benchmark's own definitions exist.
    WORKFLOWS_DIR: join(tmpdir(), 'catalynx-bench-no-workflows'),
    ...opts.env,
  });
  const platform = createPlatform('worker', config);
  await migrateToLatest(platform.database);
  const services: Services = {
    health: createHealthChecker({ version: config.version, timeoutMs: config.health.checkTimeoutMs }),
    events: createEventStore(platform.database),
    routes: [],
    workerRunnables: [],
    schedulerRunnables: [],
    initializers: [],
  };
  const tasks = wireTasks(services, platform, { builtins: [createNoopAgent(opts.onTaskStart)] });
  services.tasks = tasks;
  const workflows = opts.withWorkflows ? wireWorkflows(services, platform) : undefined;
  if (workflows) services.workflows = workflows;
  await initializeServices(services);
  let workerStarted = false;
  return {
    platform,
    services,
    tasks,
    workflows,
    async startWorker() {
      workerStarted = true;
      await tasks.worker.start();
    },
    async stop() {
      if (workerStarted) await tasks.worker.stop();
      await platform.shutdown.run('benchmark finished');
    },
  };
}
