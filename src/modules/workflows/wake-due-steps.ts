// The workflow timer (the scheduler runs it every WORKFLOW_TIMER_INTERVAL): ends the sleeps whose
// time has come, fails the waits whose event did not come in time and the steps that ran past
// their `timeout_seconds`, and cancels child runs whose parent no longer waits for them. Due rows
// are found through the wake_at index; each is moved in a transaction of its own, under its run's
// lock and guarded by the step's status, so a timer that fires twice (or in two schedulers after a
// failover) moves each step once, and a timer that crashed half way loses nothing: the rest are
// still due at the next tick.

import type { Logger } from '../../platform/logger';
import type { Program, Tx } from '../../platform/db';
import { finishLeaf } from './finish-leaf';
import { loadSteps, lockRun, type SagaContext, type Turn } from './saga-context';
import { FINAL_RUN_STATUSES, type WorkflowRun } from './workflow-run';
import { RunStateError } from './workflow-errors';
import { TaskStateError } from '../tasks/task-errors';

const BATCH = 200;

export interface WakeDueStepsDeps {
  ctx: SagaContext;
  transact<T>(program: (trx: Tx, turn: Turn) => Program<T>): Promise<T>;
  cancelRun(runId: string): Promise<WorkflowRun>;
  logger: Logger;
}

export async function wakeDueSteps(deps: WakeDueStepsDeps): Promise<number> {
  const { ctx } = deps;
  const { db } = ctx.database;
  const t = ctx.now();
  const due = await db
    .selectFrom('workflow_run_steps')
    .select(['run_id', 'step_id'])
    .where('wake_at', 'is not', null)
    .where('wake_at', '<=', t)
    .where('status', 'in', ['running', 'waiting'])
    .orderBy('wake_at')
    .limit(BATCH)
    .execute();
  let moved = 0;
  for (const { run_id, step_id } of due) {
    if (await deps.transact((trx, turn) => wakeOne(ctx, trx, run_id, step_id, t, turn))) moved += 1;
  }

  // Child runs still running whose parent step has ended (the parent failed or was cancelled and
  // its after-commit cancel was lost with a crash): cancel them now.
  const orphans = await db
    .selectFrom('workflow_runs as c')
    .innerJoin('workflow_run_steps as s', (j) => j.onRef('s.run_id', '=', 'c.parent_run_id').onRef('s.step_id', '=', 'c.parent_step_id'))
    .select('c.id')
    .where('c.status', '=', 'running')
    .where('c.parent_run_id', 'is not', null)
    .where((eb) => eb.or([eb('s.status', '<>', 'running'), eb('s.child_run_id', '<>', eb.ref('c.id'))]))
    .limit(BATCH)
    .execute();
  // Tasks of runs that compensate, still running because the after-commit cancel was lost.
  const stray = await db
    .selectFrom('workflow_run_steps as s')
    .innerJoin('workflow_runs as r', 'r.id', 's.run_id')
    .select('s.task_id')
    .where('r.status', '=', 'compensating')
    .where('s.status', '=', 'running')
    .where('s.kind', '=', 'agent')
    .where('s.task_id', 'is not', null)
    .limit(BATCH)
    .execute();
  for (const { task_id } of stray) {
    await ctx.queue.cancel(task_id!).catch((err: unknown) => {
      if (!(err instanceof TaskStateError)) deps.logger.warn('cancelling a task of a compensating run failed', { task_id, error: err });
    });
  }
  for (const { id } of orphans) {
    try {
      await deps.cancelRun(id);
      moved += 1;
    } catch (err) {
      if (!(err instanceof RunStateError)) deps.logger.warn('cancelling an orphaned child run failed', { run_id: id, error: err });
    }
  }
  return moved;
}

function* wakeOne(ctx: SagaContext, trx: Tx, runId: string, stepId: string, t: number, turn: Turn): Program<boolean> {
  const run = yield* lockRun(ctx, runId);
  if (!run || FINAL_RUN_STATUSES.includes(run.status)) return false;
  const step = (yield* loadSteps(ctx, runId)).get(stepId);
  if (!step || step.wake_at === null || step.wake_at > t) return false;
  const seconds = (ms: number) => `${Math.round(ms / 1000)}s`;
  const started = step.started_at ?? t;
  switch (step.kind) {
    case 'sleep':
      if (step.status !== 'waiting') return false;
      return yield* finishLeaf(ctx, trx, run, stepId, { status: 'succeeded', output: { slept_until: new Date(step.wake_at).toISOString() }, guard: { parked: true } }, turn);
    case 'wait':
      if (step.status !== 'waiting') return false;
      return yield* finishLeaf(ctx, trx, run, stepId, { status: 'failed', error: `no ${step.wait_type} event within ${seconds(step.wake_at - started)}`, guard: { parked: true } }, turn);
    case 'agent': {
      if (step.status !== 'running' || !step.task_id) return false;
      // The step's time covers all its attempts: its task is stopped and the step fails.
      turn.cancelTasks.add(step.task_id);
      return yield* finishLeaf(ctx, trx, run, stepId, { status: 'failed', error: `step timed out after ${seconds(step.wake_at - started)}`, attempts: step.attempts, guard: { task: step.task_id } }, turn);
    }
    case 'workflow': {
      if (step.status !== 'running' || !step.child_run_id) return false;
      turn.cancelRuns.add(step.child_run_id);
      return yield* finishLeaf(ctx, trx, run, stepId, { status: 'failed', error: `child run timed out after ${seconds(step.wake_at - started)}`, guard: { child: step.child_run_id } }, turn);
    }
    default:
      return false;
  }
}
