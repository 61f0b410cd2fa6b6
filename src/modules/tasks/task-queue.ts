// The durable task queue: the only writer of `tasks` and `task_attempts`. Every state change is one
// fenced statement (status + lease owner + attempt in the WHERE), so the database decides races.
// This file is the queue's face: createTaskQueue builds the context the operations share
// (task-queue-context.ts) and delegates each method to the file of its operation.

import type { AgentSettingsSource } from '../../config';
import type { DatabaseHandle, Program, Tx } from '../../platform/db';
import type { DatabaseNotice } from '../../platform/notifier';
import type { BreakerStore } from '../agents/breaker-store';
import { cancelTask } from './cancel-task';
import { createClaim } from './claim-tasks';
import { createCompletions } from './complete-tasks';
import type { CompletionAnswer } from './completion';
import { createTaskEnqueuer, type EnqueueRequest, type SentEnqueue } from './enqueue-tasks';
import { extendLeases } from './extend-leases';
import { failTask } from './fail-task';
import { finishCancelledTask } from './finish-cancelled-task';
import type { IdleSlots } from './idle-slots';
import type { FinishHook, FinishPreparation } from './finish-hooks';
import { purgeFinishedTasks } from './purge-finished-tasks';
import { findTask, getTask, listTasks, queueStats, taskAttempts, type QueueStats } from './read-tasks';
import { reapExpiredLeases } from './reap-expired-leases';
import { releaseTask } from './release-task';
import { retryTask } from './retry-task';
import type { ClaimedTask, Task, TaskStatus } from './task';
import { createTaskQueueContext } from './task-queue-context';

export type { EnqueueRequest, SentEnqueue } from './enqueue-tasks';
export type { FinishHook, FinishOutcome, FinishPreparation, SucceedingTask } from './finish-hooks';
export type { QueueStats } from './read-tasks';
export type { ClaimedTask } from './task';

export interface TaskQueue {
  /** Inserts a task, or returns the first one with the same (agent, idempotency key). */
  enqueue(req: EnqueueRequest, trx?: Tx): Promise<{ task: Task; created: boolean }>;
  /**
   * SQLite, with the connection free: enqueue, done at once and answered synchronously (an
   * execute request's path makes no promise for it). Undefined, having done nothing, where it
   * cannot be (Postgres, or the connection held): use enqueue.
   */
  enqueueNow(req: EnqueueRequest): { task: Task; created: boolean } | undefined;
  /** enqueue as a statement program, for a caller's transaction written as one (see statement-program.ts). */
  enqueueProgram(req: EnqueueRequest): Program<{ task: Task; created: boolean }>;
  /** enqueueProgram with its insert sent ahead: the caller's next statements go out with it (see enqueue-tasks.ts). */
  sendEnqueueProgram(req: EnqueueRequest): Program<SentEnqueue>;
  /**
   * Inserts many tasks at once (one statement per batch where it fits, else one transaction:
   * all or none; see enqueue-tasks.ts), each answered like enqueue, in order. A repeated idempotency key yields the task first queued with it.
   */
  enqueueMany(reqs: readonly EnqueueRequest[], trx?: Tx): Promise<{ task: Task; created: boolean }[]>;
  claim(workerId: string, slots: number): Promise<ClaimedTask[]>;
  /**
   * Extends the leases of a worker's running attempts in one statement per 500. Answers, for each
   * attempt whose lease the worker still holds, whether a cancel was requested; an attempt missing
   * from the answer has lost its lease.
   */
  extendLeases(tasks: readonly ClaimedTask[], workerId: string): Promise<Map<string, { cancelRequested: boolean }>>;
  complete(task: ClaimedTask, workerId: string, result: unknown): Promise<boolean>;
  /**
   * Completes a successful attempt and, in the same commit where it can (a plain task on a clean
   * breaker), leases the worker its next task for the slot the attempt frees. `next` is absent
   * when no task was due for it (then `drained` says the commit looked and found none), or the
   * attempt finished on the transactional path.
   */
  completeAndTakeNext(task: ClaimedTask, workerId: string, result: unknown): Promise<CompletionAnswer>;
  /**
   * completeAndTakeNext with the answer handed to `settle` instead of a promise (the worker's
   * attempt path creates no promise of its own; see task-worker.ts). `settle` runs in the
   * completion's execution context, not the caller's. `ahead`: how many more tasks the same commit
   * may lease the worker beyond the one for this slot, for slots that free later (the answer's
   * `ahead`; every slot of the commit gets its next task before any task goes ahead).
   */
  completeAndTakeNextTo(task: ClaimedTask, workerId: string, result: unknown, settle: (answer: PromiseSettledResult<CompletionAnswer>) => void, ahead?: number): void;
  fail(task: ClaimedTask, workerId: string, error: string, opts: { retryable: boolean; breakerFailure: boolean }): Promise<TaskStatus | undefined>;
  /** Gives a task back (graceful shutdown past the grace period); the interrupted attempt does not use up the budget. */
  release(task: ClaimedTask, workerId: string, reason?: string): Promise<boolean>;
  finishCancelled(task: ClaimedTask, workerId: string): Promise<boolean>;
  /** Re-queues (or fails, when out of attempts) running tasks whose lease expired. */
  reapExpiredLeases(): Promise<number>;
  cancel(id: string): Promise<Task>;
  retry(id: string): Promise<Task>;
  find(id: string): Promise<Task | undefined>;
  get(id: string): Promise<Task>;
  list(filter: { status?: TaskStatus; agentId?: string; workflowRunId?: string; limit: number; offset: number }): Promise<{ tasks: Task[]; total: number }>;
  attempts(id: string): Promise<{ attempt: number; worker_id: string; started_at: number; finished_at: number | null; outcome: string | null; error: string | null }[]>;
  purgeFinished(olderThanMs: number): Promise<number>;
  stats(): Promise<QueueStats>;
  onFinished(hook: FinishHook, prepare?: FinishPreparation): void;
}

export interface TaskQueueOptions {
  database: DatabaseHandle;
  breakers: BreakerStore;
  /** Per-agent settings (limits, breaker policy, attempts): defaults and per-agent overrides. */
  agents: AgentSettingsSource;
  leaseMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Called after a commit that made new work claimable / finished tasks (wake-ups). */
  onQueued?(agentId: string): void;
  /**
   * The tasks one commit finished, all with the same status (a batch of completions: many).
   * `sentByDatabase`: the commit itself sent their `task-finished` notification to the other
   * processes (see finishedNotice); only this process's subscribers are left to tell.
   */
  onTasksFinished?(taskIds: readonly string[], status: TaskStatus, sentByDatabase?: boolean): void;
  /**
   * Postgres: the `task-finished` notification a batch's finishing statement sends itself, in its
   * own transaction (finished-notice.ts; absent where notifications do not go through Postgres).
   */
  finishedNotice?: DatabaseNotice;
  /** Postgres: this process's idle workers, whose free slots an enqueue of its own leases in its commit (idle-slots.ts). */
  idleSlots?: IdleSlots;
  now?: () => number;
  random?: () => number;
}

export function createTaskQueue(opts: TaskQueueOptions): TaskQueue {
  const ctx = createTaskQueueContext(opts);
  const enqueuer = createTaskEnqueuer({ database: opts.database, agents: opts.agents, now: ctx.now, onQueued: opts.onQueued, idleSlots: opts.idleSlots, leaseMs: opts.leaseMs });
  const completions = createCompletions(ctx);

  return {
    enqueue: enqueuer.enqueue,
    enqueueNow: enqueuer.enqueueNow,
    enqueueProgram: enqueuer.enqueueProgram,
    sendEnqueueProgram: enqueuer.sendEnqueueProgram,
    enqueueMany: enqueuer.enqueueMany,
    claim: createClaim(ctx),
    extendLeases: (tasks, workerId) => extendLeases(ctx, tasks, workerId),
    complete: completions.complete,
    completeAndTakeNext: completions.completeAndTakeNext,
    completeAndTakeNextTo: completions.completeAndTakeNextTo,
    fail: (task, workerId, error, failOpts) => failTask(ctx, task, workerId, error, failOpts),
    release: (task, workerId, reason) => releaseTask(ctx, task, workerId, reason),
    finishCancelled: (task, workerId) => finishCancelledTask(ctx, task, workerId),
    reapExpiredLeases: () => reapExpiredLeases(ctx),
    cancel: (id) => cancelTask(ctx, id),
    retry: (id) => retryTask(ctx, id),
    find: (id) => findTask(ctx, id),
    get: (id) => getTask(ctx, id),
    list: (filter) => listTasks(ctx, filter),
    attempts: (id) => taskAttempts(ctx, id),
    purgeFinished: (olderThanMs) => purgeFinishedTasks(ctx, olderThanMs),
    stats: () => queueStats(ctx),
    onFinished(hook, prepare) {
      ctx.hooks.push(hook);
      if (prepare) ctx.preparations.push(prepare);
    },
  };
}
