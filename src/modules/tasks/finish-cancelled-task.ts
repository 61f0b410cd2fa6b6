// Ending a running task that was asked to stop and whose worker stopped it: cancelled, with its finish hooks.

import { finishAttempt } from './finish-attempt';
import { runHooks } from './finish-hooks';
import { fenced } from './lease-fence';
import type { ClaimedTask } from './task';
import type { TaskQueueContext } from './task-queue-context';

export async function finishCancelledTask(ctx: TaskQueueContext, task: ClaimedTask, workerId: string): Promise<boolean> {
  const t = ctx.now();
  const ok = await ctx.strategy.writeTransaction(ctx.db, async (trx) => {
    const row = await fenced(trx, task, workerId)
      .set({ status: 'cancelled', locked_by: null, locked_until: null, last_error: 'cancelled while running', finished_at: t, updated_at: t })
      .returningAll()
      .executeTakeFirst();
    if (!row) return false;
    await finishAttempt(trx, task, 'cancelled', 'cancelled while running', t);
    await runHooks(ctx, trx, row, 'cancelled');
    return true;
  });
  if (ok) ctx.options.onTasksFinished?.([task.id], 'cancelled');
  return ok;
}
