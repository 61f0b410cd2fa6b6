// Failing an attempt: the task goes back to the queue with a back-off while it has attempts left
// and the error is retryable, else it ends failed (with its finish hooks); the breaker hears of it.

import { computeBackoffMs } from '../../resilience/backoff';
import { finishAttempt } from './finish-attempt';
import { runHooks } from './finish-hooks';
import { fenced } from './lease-fence';
import { reportToBreaker } from './report-to-breaker';
import type { ClaimedTask, TaskStatus } from './task';
import type { TaskQueueContext } from './task-queue-context';

const MAX_ERROR_LENGTH = 4000;

export async function failTask(
  ctx: TaskQueueContext,
  task: ClaimedTask,
  workerId: string,
  error: string,
  failOpts: { retryable: boolean; breakerFailure: boolean },
): Promise<TaskStatus | undefined> {
  const { db, strategy, options: opts } = ctx;
  const t = ctx.now();
  const message = error.slice(0, MAX_ERROR_LENGTH);
  const willRetry = failOpts.retryable && task.attempts < task.max_attempts;
  const result = await strategy.writeTransaction(db, async (trx) => {
    const row = await fenced(trx, task, workerId)
      .set(
        willRetry
          ? {
              status: 'queued',
              last_error: message,
              locked_by: null,
              locked_until: null,
              run_at: t + computeBackoffMs(task.attempts, { baseMs: task.retry_base_ms ?? opts.retryBaseMs, maxMs: task.retry_max_ms ?? Math.max(opts.retryMaxMs, task.retry_base_ms ?? 0) }, ctx.random),
              updated_at: t,
            }
          : { status: 'failed', last_error: message, locked_by: null, locked_until: null, finished_at: t, updated_at: t },
      )
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    await finishAttempt(trx, task, willRetry ? 'retrying' : 'failed', message, t);
    // A permanent refusal (4xx) proves the agent is up: it counts as a success for the breaker.
    await reportToBreaker(ctx, trx, task, failOpts.breakerFailure ? 'failure' : 'success', t);
    if (!willRetry) await runHooks(ctx, trx, row, 'failed');
    return row.status as TaskStatus;
  });
  if (result === 'failed') opts.onTasksFinished?.([task.id], 'failed');
  if (result === 'queued') opts.onQueued?.(task.agent_id);
  return result;
}
