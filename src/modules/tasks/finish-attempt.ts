// Closing an attempt's row in task_attempts with its outcome, in the transaction that changed its task.

import type { Tx } from '../../platform/db';
import type { ClaimedTask } from './task';

export async function finishAttempt(trx: Tx, task: ClaimedTask, outcome: string, error: string | null, t: number) {
  await trx
    .updateTable('task_attempts')
    .set({ finished_at: t, outcome: outcome as never, error })
    .where('task_id', '=', task.id)
    .where('attempt', '=', task.attempts)
    .execute();
}
