// Giving a running task back to the queue (graceful shutdown past the grace period, a lease no
// slot takes); the interrupted attempt does not use up the budget.

import { finishAttempt } from './finish-attempt';
import { fenced } from './lease-fence';
import type { ClaimedTask } from './task';
import type { TaskQueueContext } from './task-queue-context';

export async function releaseTask(ctx: TaskQueueContext, task: ClaimedTask, workerId: string, reason = 'worker shut down before the attempt finished'): Promise<boolean> {
  const t = ctx.now();
  const ok = await ctx.strategy.writeTransaction(ctx.db, async (trx) => {
    const row = await fenced(trx, task, workerId)
      // The attempt number stays (it names the attempt in task_attempts and fences it); the
      // interrupted attempt is given back to the budget instead.
      .set((eb) => ({ status: 'queued', locked_by: null, locked_until: null, run_at: t, max_attempts: eb('max_attempts', '+', 1), updated_at: t }))
      .returningAll()
      .executeTakeFirst();
    if (!row) return false;
    await finishAttempt(trx, task, 'released', reason, t);
    return true;
  });
  if (ok) ctx.options.onQueued?.(task.agent_id);
  return ok;
}
