// Task counters and the attempt-duration histogram, fed by the queue's enqueue and the worker's
// attempt hooks. Each process counts what it did itself; Prometheus sums over processes.

import { Counter, Histogram, type Registry } from 'prom-client';
import type { Task } from '../tasks/task';
import type { ClaimedTask } from '../tasks/task-queue';

export type AttemptOutcome = 'succeeded' | 'retrying' | 'failed' | 'cancelled' | 'released' | 'lost';

export interface TaskMetrics {
  /** A task was created (not an idempotent repeat of an earlier submit). */
  onTaskEnqueued(task: Task): void;
  onAttemptStarted(task: ClaimedTask): void;
  onAttemptFinished(task: ClaimedTask, outcome: AttemptOutcome, durationMs: number): void;
}

/** Attempt durations from a fast builtin call to a long model call (seconds). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export function createTaskMetrics(registry: Registry): TaskMetrics {
  const registers = [registry];
  const counter = (name: string, help: string) => new Counter({ name, help, labelNames: ['agent'] as const, registers });
  const enqueued = counter('catalynx_tasks_enqueued_total', 'Tasks created by this process, by agent');
  const started = counter('catalynx_task_attempts_started_total', 'Task attempts this worker started, by agent');
  const succeeded = counter('catalynx_tasks_succeeded_total', 'Tasks this worker completed successfully, by agent');
  const failed = counter('catalynx_tasks_failed_total', 'Tasks this worker failed for good (out of attempts or not retryable), by agent');
  const retries = counter('catalynx_task_retries_total', 'Failed attempts this worker scheduled for a retry, by agent');
  const duration = new Histogram({
    name: 'catalynx_task_duration_seconds',
    help: 'Duration of task attempts, by agent and outcome',
    labelNames: ['agent', 'outcome'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });

  return {
    onTaskEnqueued(task) {
      enqueued.inc({ agent: task.agent_id });
    },
    onAttemptStarted(task) {
      started.inc({ agent: task.agent_id });
    },
    onAttemptFinished(task, outcome, durationMs) {
      const agent = task.agent_id;
      if (outcome === 'succeeded') succeeded.inc({ agent });
      else if (outcome === 'failed') failed.inc({ agent });
      else if (outcome === 'retrying') retries.inc({ agent });
      duration.observe({ agent, outcome }, durationMs / 1000);
    },
  };
}
