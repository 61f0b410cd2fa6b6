// Cancelling a task: a queued one ends cancelled at once (with its finish hooks); a running one is
// flagged, and its worker stops it at the next lease renewal.

import { NotFoundError } from '../../platform/errors';
import { runHooks } from './finish-hooks';
import { toTask, type Task } from './task';
import { TaskStateError } from './task-errors';
import type { TaskQueueContext } from './task-queue-context';

export async function cancelTask(ctx: TaskQueueContext, id: string): Promise<Task> {
  const t = ctx.now();
  const result = await ctx.strategy.writeTransaction(ctx.db, async (trx) => {
    const queued = await trx
      .updateTable('tasks')
      .set({ status: 'cancelled', cancel_requested: 1, finished_at: t, updated_at: t, last_error: 'cancelled before it ran' })
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .returningAll()
      .executeTakeFirst();
    if (queued) {
      await runHooks(ctx, trx, queued, 'cancelled');
      return queued;
    }
    // A running task is told to stop: its worker sees the flag at the next lease renewal.
    const running = await trx
      .updateTable('tasks')
      .set({ cancel_requested: 1, updated_at: t })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .returningAll()
      .executeTakeFirst();
    if (running) return running;
    const existing = await trx.selectFrom('tasks').select('status').where('id', '=', id).executeTakeFirst();
    if (!existing) throw new NotFoundError('task', id);
    throw new TaskStateError(id, existing.status, 'only queued or running tasks can be cancelled');
  });
  const task = toTask(result);
  if (task.status === 'cancelled') ctx.options.onTasksFinished?.([id], 'cancelled');
  return task;
}
