// Retrying a failed or cancelled task outside a workflow run: queued again with a fresh budget of attempts.

import { getTask } from './read-tasks';
import { toTask, type Task } from './task';
import { TaskStateError } from './task-errors';
import type { TaskQueueContext } from './task-queue-context';

export async function retryTask(ctx: TaskQueueContext, id: string): Promise<Task> {
  const t = ctx.now();
  const row = await ctx.db
    .updateTable('tasks')
    // A fresh budget of attempts on top of those already made: attempt numbers keep counting up,
    // so every attempt stays distinct in task_attempts and in the lease fence.
    .set((eb) => ({
      status: 'queued',
      max_attempts: eb('attempts', '+', eb.ref('max_attempts')),
      run_at: t,
      cancel_requested: 0,
      finished_at: null,
      updated_at: t,
    }))
    .where('id', '=', id)
    .where('status', 'in', ['failed', 'cancelled'])
    .where('workflow_run_id', 'is', null)
    .returningAll()
    .executeTakeFirst();
  if (row) {
    ctx.options.onQueued?.(row.agent_id);
    return toTask(row);
  }
  const existing = await getTask(ctx, id);
  if (existing.workflow_run_id) {
    throw new TaskStateError(id, existing.status, 'it belongs to a workflow run; retry the run instead');
  }
  throw new TaskStateError(id, existing.status, 'only failed or cancelled tasks can be retried');
}
