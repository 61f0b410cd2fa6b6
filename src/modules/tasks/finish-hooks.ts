// The finish hooks: what runs in the transaction that finishes a task of a workflow run (the saga
// advances in the same commit). Tasks outside a workflow run finish without hooks.

import { isProgram, runProgram, waitOn, type Program, type Tx } from '../../platform/db';
import type { TasksTable } from '../../platform/db/schema';
import { toTask, type Task } from './task';
import type { TaskQueueContext } from './task-queue-context';

export type FinishOutcome = 'succeeded' | 'failed' | 'cancelled';

/**
 * Runs in the transaction that finishes a task of a workflow run (the saga advances in the same
 * commit). Tasks outside a workflow run finish without hooks. A hook is an async function, or a
 * statement program (platform/db/statement-program.ts), which runs without a promise per
 * statement on SQLite.
 */
export type FinishHook = (trx: Tx, task: Task, outcome: FinishOutcome) => Program<void> | Promise<void>;

/** A task of a workflow run whose success is being committed, with its result. */
export interface SucceedingTask {
  task: Task;
  result: unknown;
}

/**
 * Runs in the transaction that finishes a batch of successes of tasks of workflow runs (at time
 * `t`), once their fenced update has been sent and before its answer is read: a statement it
 * sends goes out in the same round trip, after the update (so a task's row is locked before
 * anything the hook locks), and sees the update's changes. Only the transactional completion
 * calls it; a finish hook must not rely on it.
 */
export type FinishPreparation = (trx: Tx, succeeding: readonly SucceedingTask[], t: number) => Program<void>;

/** The finish hooks of a task of a workflow run, as a program (a hook may be one, or async). */
export function* hooksOf(ctx: TaskQueueContext, trx: Tx, row: TasksTable, outcome: FinishOutcome): Program<void> {
  if (row.workflow_run_id === null) return;
  const task = toTask(row);
  for (const hook of ctx.hooks) {
    const run = hook(trx, task, outcome);
    if (isProgram(run)) yield* run;
    else yield* waitOn(() => run);
  }
}

export function runHooks(ctx: TaskQueueContext, trx: Tx, row: TasksTable, outcome: FinishOutcome): Promise<void> {
  return row.workflow_run_id === null ? Promise.resolve() : runProgram(ctx.database, trx, hooksOf(ctx, trx, row, outcome));
}
