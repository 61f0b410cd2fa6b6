// A run's end: its final status (guarded by the status it leaves), its events, the run-finished
// hooks in the same transaction, and, for a child run, its parent's step ending with it.

import { exec, parseJson, send, waitOn, type Program, type Tx } from '../../platform/db';
import type { NewEvent } from '../events/event';
import { finishLeaf } from './finish-leaf';
import { appendRunEvents, json, lockRun, type SagaContext, type Turn } from './saga-context';
import { FINAL_RUN_STATUSES, toRun, type RunStatus, type WorkflowRun } from './workflow-run';

/**
 * Ends the run (if still in `from`) and records `events` (those leading up to it, then its own);
 * the run-finished hooks run in `trx`, and a child's end moves its parent's step on.
 */
export function* finishRun(ctx: SagaContext, trx: Tx, run: WorkflowRun, from: RunStatus, status: RunStatus, error: string | null, output: unknown, events: NewEvent[], turn: Turn): Program<void> {
  const t = ctx.now();
  const values = { status, error, output: status === 'completed' ? json(output) : null, t, id: run.id, from };
  let finished: WorkflowRun;
  if (ctx.database.strategy.pipelinesStatements && run.status === from) {
    // Postgres, the run read under its lock in this transaction and in the status it leaves: its
    // end cannot miss, so it goes out with the next statement (no round trip of its own), asserting
    // that it wrote, and the ended run is the one at hand with the end's changes.
    yield* send(ctx.q.finishKnownRun.statement(values));
    finished = { ...run, status, error, output: values.output === null ? null : parseJson<unknown>(values.output, null), updated_at: t, finished_at: t };
  } else {
    const { rows } = yield* exec(ctx.q.finishRun.statement(values));
    const row = rows[0];
    if (!row) {
      // Another transition ended it first; what led up to this one is still recorded.
      if (events.length > 1) yield* appendRunEvents(ctx, run.id, events.slice(0, -1), turn);
      return;
    }
    finished = toRun(row);
  }
  yield* appendRunEvents(ctx, run.id, events, turn);
  for (const { hook, when } of ctx.runFinishedHooks) if (!when || when(finished)) yield* waitOn(() => hook(trx, finished));
  if (finished.parent_run_id && finished.parent_step_id) yield* childRunFinished(ctx, trx, finished, turn);
}

/** A child run ended: its parent's step ends with it (the child's lock is held, then the parent's). */
function* childRunFinished(ctx: SagaContext, trx: Tx, child: WorkflowRun, turn: Turn): Program<void> {
  const parent = yield* lockRun(ctx, child.parent_run_id!);
  if (!parent || FINAL_RUN_STATUSES.includes(parent.status)) return;
  const status = child.status === 'completed' ? 'succeeded' : child.status === 'cancelled' ? 'cancelled' : 'failed';
  yield* finishLeaf(
    ctx,
    trx,
    parent,
    child.parent_step_id!,
    {
      status,
      output: child.output,
      error: status === 'succeeded' ? null : `child run ${child.id} ended ${child.status}${child.error ? `: ${child.error}` : ''}`,
      guard: { child: child.id },
    },
    turn,
  );
}
