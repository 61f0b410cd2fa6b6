// Wires the agent registry, the task queue, the worker and their scheduler jobs into the services.

import { agentSettings, type AgentSettings } from '../../config';
import type { Platform } from '../../processes/platform';
import type { Services } from '../../processes/services';
import { createAgentRegistry, type AgentRegistry } from '../agents/agent-registry';
import { createAgentRuntime, type AgentRuntime } from '../agents/agent-runtime';
import { agentRoutes } from '../agents/agent-routes';
import { checkAgentsHealth } from '../agents/agent-health-check';
import { createBreakerStore, type BreakerStore } from '../agents/breaker-store';
import type { BuiltinAgent } from '../agents/builtin-agent';
import { createPeriodicScheduler, type PeriodicScheduler } from '../scheduler/periodic-scheduler';
import { finishedNoticeThroughDatabase, publishFinished } from './finished-notice';
import { createIdleSlots } from './idle-slots';
import type { Task } from './task';
import { createTaskQueue, type TaskQueue } from './task-queue';
import { taskRoutes } from './task-routes';
import { createTaskWorker, type TaskWorker, type TaskWorkerOptions } from './task-worker';

export interface TaskServices {
  registry: AgentRegistry;
  breakers: BreakerStore;
  runtime: AgentRuntime;
  queue: TaskQueue;
  worker: TaskWorker;
  scheduler: PeriodicScheduler;
}

export function wireTasks(
  services: Services,
  platform: Platform,
  opts: {
    builtins: readonly BuiltinAgent[];
    checkOutboundUrl?: (url: string) => Promise<void>;
    /** Observability (metrics): a task was created by enqueue (not an idempotent repeat). */
    onTaskEnqueued?(task: Task): void;
  } & Pick<TaskWorkerOptions, 'onAttemptStarted' | 'onAttemptFinished'>,
): TaskServices {
  const { config, database, notifier, logger, context } = platform;
  // The config does not change while the process runs: each agent's settings are merged once
  // (the worker asks on every attempt).
  const settingsByAgent = new Map<string, AgentSettings>();
  const settingsFor = (agentId: string): AgentSettings => {
    let settings = settingsByAgent.get(agentId);
    if (settings === undefined) {
      if (settingsByAgent.size >= 10_000) settingsByAgent.clear();
      settingsByAgent.set(agentId, (settings = agentSettings(config, agentId)));
    }
    return settings;
  };
  const registry = createAgentRegistry(database);
  const breakers = createBreakerStore();
  const builtins = new Map(opts.builtins.map((b) => [b.config.id, b]));
  const runtime = createAgentRuntime({ builtins, logger, checkOutboundUrl: opts.checkOutboundUrl });
  // This process's worker lends its free slots, while idle, to this process's enqueues (Postgres).
  const idleSlots = createIdleSlots();
  const baseQueue = createTaskQueue({
    database,
    breakers,
    agents: config,
    leaseMs: config.worker.leaseSeconds * 1000,
    retryBaseMs: config.worker.retryBaseMs,
    retryMaxMs: config.worker.retryMaxMs,
    onQueued: (agentId) => notifier.publish('tasks', agentId),
    onTasksFinished: (taskIds, _status, sentByDatabase) => publishFinished(notifier, taskIds, sentByDatabase),
    finishedNotice: finishedNoticeThroughDatabase(notifier),
    idleSlots,
  });
  // Counted after the insert returned, so an idempotent repeat is not counted twice. An enqueue
  // inside a caller's transaction that later rolls back is still counted (rare; saga steps).
  const onTaskEnqueued = opts.onTaskEnqueued;
  const queue: TaskQueue = onTaskEnqueued
    ? {
        ...baseQueue,
        async enqueue(req, trx) {
          const result = await baseQueue.enqueue(req, trx);
          if (result.created) onTaskEnqueued(result.task);
          return result;
        },
        enqueueNow(req) {
          const result = baseQueue.enqueueNow(req);
          if (result?.created) onTaskEnqueued(result.task);
          return result;
        },
      }
    : baseQueue;
  const worker = createTaskWorker({
    queue,
    registry,
    runtime,
    notifier,
    context,
    logger,
    settingsFor,
    concurrency: config.worker.concurrency,
    lookAhead: config.worker.lookAhead,
    pollIntervalMs: config.worker.pollIntervalMs,
    leaseMs: config.worker.leaseSeconds * 1000,
    shutdownGraceMs: config.shutdownTimeoutMs,
    idleSlots,
    onAttemptStarted: opts.onAttemptStarted,
    onAttemptFinished: opts.onAttemptFinished,
  });
  const scheduler = createPeriodicScheduler({ database, logger, leaseMs: config.scheduler.leaderLeaseSeconds * 1000 });
  scheduler.add({
    name: 'agent-health-checks',
    every: { seconds: config.scheduler.agentHealthCheckIntervalSeconds },
    run: checkAgentsHealth({ registry, runtime, timeoutMs: config.health.checkTimeoutMs, logger }),
  });
  scheduler.add({ name: 'lease-reaper', every: { seconds: config.scheduler.reaperIntervalSeconds }, run: () => queue.reapExpiredLeases() });
  scheduler.add({
    name: 'retention',
    every: { cron: '0 17 * * * *' },
    run: async () => {
      const retentionMs = config.scheduler.taskRetentionDays * 86_400_000;
      await queue.purgeFinished(retentionMs);
      await database.db.deleteFrom('scheduled_ticks').where('ran_at', '<', Date.now() - retentionMs).execute();
    },
  });

  services.initializers.push(async () => {
    for (const b of opts.builtins) await registry.register(b.config, 'builtin');
  });
  services.routes.push(...agentRoutes({ registry, breakers, database, checkOutboundUrl: opts.checkOutboundUrl }), ...taskRoutes({ queue, registry, notifier }));
  services.workerRunnables.push(worker);
  services.schedulerRunnables.push(scheduler);
  services.health.register('agents', async () => {
    const states = await breakers.readAll(database.db);
    const open = [...states.entries()].filter(([name, s]) => name.startsWith('agent:') && s.state !== 'closed');
    const unhealthy = (await registry.list({ status: 'unhealthy' })).map((a) => a.id);
    if (open.length === 0 && unhealthy.length === 0) return { status: 'healthy', message: 'all agents available' };
    return {
      status: 'degraded',
      message: [
        open.length ? `circuit open for ${open.map(([n]) => n.slice(6)).join(', ')}` : '',
        unhealthy.length ? `unhealthy: ${unhealthy.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; '),
      details: { open_circuits: Object.fromEntries(open.map(([n, s]) => [n.slice(6), s.state])), unhealthy_agents: unhealthy },
    };
  });
  return { registry, breakers, runtime, queue, worker, scheduler };
}
