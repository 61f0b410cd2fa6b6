// Wires workflow definitions, the saga orchestrator (a finish hook on the task queue), the REST
// routes, WORKFLOWS_DIR loading and cron-scheduled runs into the services.

import type { Platform } from '../../processes/platform';
import type { Services } from '../../processes/services';
import { EVENTS_CHANNEL } from '../events/publish-appended';
import type { PeriodicJob } from '../scheduler/periodic-scheduler';
import { loadWorkflowsDir } from './load-workflows-dir';
import { createSagaOrchestrator, type RunFinishedHook, type RunFinishedHookOptions, type StartRunOptions } from './saga-orchestrator';
import { saveWorkflow } from './save-workflow';
import { WorkflowFileError } from './workflow-errors';
import type { WorkflowRun } from './workflow-run';
import { workflowRoutes } from './workflow-routes';
import { createWorkflowStore, type WorkflowStore } from './workflow-store';

export const SCHEDULE_JOB_PREFIX = 'workflow-schedule:';
/** Notified when a definition is saved through the API. */
export const WORKFLOWS_CHANNEL = 'workflows';
const SCHEDULE_REFRESH_MS = 15_000;

export interface WorkflowServices {
  store: WorkflowStore;
  /** Starts a run of a stored workflow (other modules use this; e.g. intelligence tiers with metadata). */
  startRun(workflowId: string, input: unknown, opts?: Pick<StartRunOptions, 'idempotencyKey' | 'metadata'>): Promise<{ run: WorkflowRun; created: boolean }>;
  /**
   * Registers a hook called in the same transaction when a run reaches a final status (with
   * `when`, only for the runs it accepts).
   */
  onRunFinished(hook: RunFinishedHook, opts?: RunFinishedHookOptions): void;
  /** Re-reads the stored definitions' schedules into the periodic scheduler. */
  refreshSchedules(): Promise<void>;
  /** Resumes the runs waiting for events of these types that have been appended. */
  resumeWaits(types?: readonly string[]): Promise<number>;
}

/** Appends come in bursts (every saga transition appends): waits are looked at once per this. */
const WAITS_DEBOUNCE_MS = 100;

export function wireWorkflows(services: Services, platform: Platform): WorkflowServices {
  const tasks = services.tasks;
  if (!tasks) throw new Error('wireWorkflows needs services.tasks: wire the tasks module first');
  const { database, notifier, logger, config } = platform;
  const log = logger.child('workflows');
  const store = createWorkflowStore(database);
  const orchestrator = createSagaOrchestrator({ database, queue: tasks.queue, events: services.events, notifier, logger });
  tasks.queue.onFinished(
    (trx, task, outcome) => orchestrator.handleTaskFinished(trx, task, outcome),
    (trx, succeeding, t) => orchestrator.prepareTaskFinishes(trx, succeeding, t),
  );

  let scheduledSignature = '';
  async function refreshSchedules() {
    const jobs: PeriodicJob[] = [];
    for (const { definition } of await store.list()) {
      if (!definition.schedule) continue;
      const id = definition.id;
      jobs.push({
        name: `${SCHEDULE_JOB_PREFIX}${id}`,
        every: { cron: definition.schedule },
        // The scheduler runs each tick once across schedulers; the key makes a repeat harmless too.
        run: () => orchestrator.startRun(id, {}, { idempotencyKey: `schedule:${Math.round(Date.now() / 1000)}`, metadata: { trigger: 'schedule' } }),
      });
    }
    // Re-creating a cron job could drop a tick that falls on the same second: replace only on change.
    const signature = jobs.map((j) => `${j.name}=${'cron' in j.every ? j.every.cron : ''}`).join('\n');
    if (signature === scheduledSignature) return;
    scheduledSignature = signature;
    tasks!.scheduler.replace(SCHEDULE_JOB_PREFIX, jobs);
  }

  // Schedules of definitions posted through the API reach every scheduler process: at once when the
  // notifier carries the change, otherwise within a refresh interval.
  let refreshTimer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  const refreshQuietly = () =>
    refreshSchedules().catch((err: Error) => log.warn('refreshing workflow schedules failed', { error: err.message }));
  services.schedulerRunnables.push({
    name: 'workflow-schedules',
    async start() {
      unsubscribe = notifier.subscribe(WORKFLOWS_CHANNEL, () => void refreshQuietly());
      refreshTimer = setInterval(() => void refreshQuietly(), SCHEDULE_REFRESH_MS);
    },
    async stop() {
      clearInterval(refreshTimer);
      unsubscribe?.();
    },
  });

  // The timer: due sleeps, waits and steps past their deadline, orphaned child runs, and waits whose
  // event was appended by any process (the backstop of the prompt paths below).
  tasks.scheduler.add({
    name: 'workflow-timers',
    every: { seconds: config.workflows.timerIntervalSeconds },
    run: async () => {
      await orchestrator.wakeDueSteps();
      await orchestrator.resumeWaits();
    },
  });
  // Appends announced on the events channel (at once in this process, across processes through
  // Redis) resume waits without waiting for the timer.
  let waitsTimer: NodeJS.Timeout | undefined;
  let unsubscribeEvents: (() => void) | undefined;
  services.schedulerRunnables.push({
    name: 'workflow-waits',
    async start() {
      unsubscribeEvents ??= notifier.subscribe(EVENTS_CHANNEL, () => {
        waitsTimer ??= setTimeout(() => {
          waitsTimer = undefined;
          orchestrator.resumeWaits().catch((err: Error) => log.warn('resuming workflow waits failed', { error: err.message }));
        }, WAITS_DEBOUNCE_MS);
      });
    },
    async stop() {
      unsubscribeEvents?.();
      unsubscribeEvents = undefined;
      clearTimeout(waitsTimer);
      waitsTimer = undefined;
    },
  });

  const dir = config.workflows.dir;
  services.initializers.push(async () => {
    if (dir) {
      for (const { file, definition } of await loadWorkflowsDir(dir)) {
        try {
          await saveWorkflow({ store, registry: tasks.registry }, definition, 'file');
        } catch (err) {
          throw new WorkflowFileError(file, (err as Error).message);
        }
        log.info('workflow loaded', { workflow_id: definition.id, file });
      }
    }
    await refreshSchedules();
  });
  services.routes.push(
    ...workflowRoutes({ store, registry: tasks.registry, orchestrator, onSaved: () => notifier.publish(WORKFLOWS_CHANNEL) }),
  );

  return {
    store,
    startRun: (workflowId, input, opts = {}) => orchestrator.startRun(workflowId, input, opts),
    onRunFinished: (hook, opts) => orchestrator.onRunFinished(hook, opts),
    refreshSchedules,
    resumeWaits: (types) => orchestrator.resumeWaits(types),
  };
}
