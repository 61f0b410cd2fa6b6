// Purging: finished tasks older than a cutoff are deleted with their attempt rows, in one transaction.

import { FINISHED_STATUSES } from './task';
import type { TaskQueueContext } from './task-queue-context';

export async function purgeFinishedTasks(ctx: TaskQueueContext, olderThanMs: number): Promise<number> {
  const cutoff = ctx.now() - olderThanMs;
  return ctx.strategy.writeTransaction(ctx.db, async (trx) => {
    const old = trx
      .selectFrom('tasks')
      .select('id')
      .where('status', 'in', [...FINISHED_STATUSES])
      .where('finished_at', '<', cutoff);
    await trx.deleteFrom('task_attempts').where('task_id', 'in', old).execute();
    const res = await trx
      .deleteFrom('tasks')
      .where('status', 'in', [...FINISHED_STATUSES])
      .where('finished_at', '<', cutoff)
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  });
}
