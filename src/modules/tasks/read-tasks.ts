// Reading the queue: one task (find, get), a page of tasks, a task's attempts, the queue's depth per agent.

import { NotFoundError } from '../../platform/errors';
import { toTask, type Task, type TaskStatus } from './task';
import type { TaskQueueContext } from './task-queue-context';

export interface QueueStats {
  queued: number;
  running: number;
  oldestQueuedAgeSeconds: number;
  byAgent: Record<string, { queued: number; running: number }>;
}

export async function findTask(ctx: TaskQueueContext, id: string): Promise<Task | undefined> {
  const row = await ctx.db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toTask(row) : undefined;
}

export async function getTask(ctx: TaskQueueContext, id: string): Promise<Task> {
  const task = await findTask(ctx, id);
  if (!task) throw new NotFoundError('task', id);
  return task;
}

export async function listTasks(
  ctx: TaskQueueContext,
  filter: { status?: TaskStatus; agentId?: string; workflowRunId?: string; limit: number; offset: number },
): Promise<{ tasks: Task[]; total: number }> {
  let q = ctx.db.selectFrom('tasks');
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.agentId) q = q.where('agent_id', '=', filter.agentId);
  if (filter.workflowRunId) q = q.where('workflow_run_id', '=', filter.workflowRunId);
  const [rows, count] = await Promise.all([
    q.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(filter.limit).offset(filter.offset).execute(),
    q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst(),
  ]);
  return { tasks: rows.map(toTask), total: Number(count?.n ?? 0) };
}

export async function taskAttempts(ctx: TaskQueueContext, id: string) {
  const rows = await ctx.db.selectFrom('task_attempts').selectAll().where('task_id', '=', id).orderBy('attempt').execute();
  return rows.map((r) => ({
    attempt: Number(r.attempt),
    worker_id: r.worker_id,
    started_at: Number(r.started_at),
    finished_at: r.finished_at === null ? null : Number(r.finished_at),
    outcome: r.outcome,
    error: r.error,
  }));
}

export async function queueStats(ctx: TaskQueueContext): Promise<QueueStats> {
  const rows = await ctx.db
    .selectFrom('tasks')
    .select((eb) => ['agent_id', 'status', eb.fn.countAll().as('n'), eb.fn.min('run_at').as('oldest')])
    .where('status', 'in', ['queued', 'running'])
    .groupBy(['agent_id', 'status'])
    .execute();
  const t = ctx.now();
  const stats: QueueStats = { queued: 0, running: 0, oldestQueuedAgeSeconds: 0, byAgent: {} };
  for (const r of rows) {
    const entry = (stats.byAgent[r.agent_id] ??= { queued: 0, running: 0 });
    const count = Number(r.n);
    if (r.status === 'queued') {
      entry.queued += count;
      stats.queued += count;
      stats.oldestQueuedAgeSeconds = Math.max(stats.oldestQueuedAgeSeconds, Math.max(0, (t - Number(r.oldest)) / 1000));
    } else {
      entry.running += count;
      stats.running += count;
    }
  }
  return stats;
}
