// Reaping: running tasks whose lease expired (their worker died or stalled) are re-queued, or end
// failed when out of attempts, or cancelled when a cancel was asked for.

import { finishAttempt } from './finish-attempt';
import { runHooks } from './finish-hooks';
import { toClaimedTask, type TaskStatus } from './task';
import type { TaskQueueContext } from './task-queue-context';

/** Re-queues (or fails, when out of attempts) running tasks whose lease expired. */
export async function reapExpiredLeases(ctx: TaskQueueContext): Promise<number> {
  const { db, strategy, options: opts } = ctx;
  const t = ctx.now();
  const expired = await db
    .selectFrom('tasks')
    .selectAll()
    .where('status', '=', 'running')
    .where('locked_until', '<', t)
    .limit(1000)
    .execute();
  let reaped = 0;
  for (const row of expired) {
    const task = toClaimedTask(row, Number(row.started_at ?? t));
    const outOfAttempts = task.attempts >= task.max_attempts;
    // A task asked to stop whose worker died is not run again: it ends cancelled.
    const cancelled = Number(row.cancel_requested) === 1;
    const error = `lease expired on attempt ${task.attempts}: the worker (${row.locked_by}) stopped renewing it`;
    const status = await strategy.writeTransaction(db, async (trx) => {
      const updated = await trx
        .updateTable('tasks')
        .set(
          cancelled
            ? { status: 'cancelled', last_error: `cancelled; ${error}`, locked_by: null, locked_until: null, finished_at: t, updated_at: t }
            : outOfAttempts
              ? { status: 'failed', last_error: error, locked_by: null, locked_until: null, finished_at: t, updated_at: t }
              : { status: 'queued', last_error: error, locked_by: null, locked_until: null, run_at: t, updated_at: t },
        )
        // Fenced on the lease that expired: a worker that renewed in the meantime keeps its task.
        .where('id', '=', task.id)
        .where('status', '=', 'running')
        .where('attempts', '=', task.attempts)
        .where('locked_until', '<', t)
        .returningAll()
        .executeTakeFirst();
      if (!updated) return undefined;
      await finishAttempt(trx, task, 'lease_expired', error, t);
      if (cancelled) await runHooks(ctx, trx, updated, 'cancelled');
      else if (outOfAttempts) await runHooks(ctx, trx, updated, 'failed');
      return updated.status as TaskStatus;
    });
    if (status) {
      reaped += 1;
      if (status === 'queued') opts.onQueued?.(task.agent_id);
      else opts.onTasksFinished?.([task.id], status);
    }
  }
  return reaped;
}
