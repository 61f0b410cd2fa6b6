// Recording an attempt's outcome on its agent's circuit breaker, in the transaction that finishes the attempt.

import type { Tx } from '../../platform/db';
import { agentBreakerName } from '../agents/breaker-store';
import { claimLockName } from './claim-lock';
import type { ClaimedTask } from './task';
import type { TaskQueueContext } from './task-queue-context';

/** Records the attempt's outcome on the agent's breaker, under the breaker's lock. */
export async function reportToBreaker(ctx: TaskQueueContext, trx: Tx, task: ClaimedTask, outcome: 'success' | 'failure', t: number) {
  const name = agentBreakerName(task.agent_id);
  // Hot path: a success on a closed, clean breaker changes nothing; skip the lock and the write.
  if (outcome === 'success') {
    const current = await ctx.options.breakers.read(trx, name);
    if (current.state === 'closed' && current.failureCount === 0) return;
  }
  await ctx.strategy.lockKey(trx, claimLockName(task.agent_id), { wait: true });
  await ctx.options.breakers.record(trx, name, outcome, t, ctx.breakerOptions(task.agent_id), { startedAt: task.claimedAt });
}
