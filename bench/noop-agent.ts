// A builtin agent that does nothing: the job body every queue in the benchmarks runs.

import type { BuiltinAgent } from '../src/modules/agents/builtin-agent';
import type { TaskQueue } from '../src/modules/tasks/task-queue';

export const NOOP_AGENT_ID = 'noop';

/** `onStart` (optional) sees each task's input as it starts, for enqueue→start latency. */
export function createNoopAgent(onStart?: (input: unknown) => void): BuiltinAgent {
  return {
    config: {
      id: NOOP_AGENT_ID,
      name: 'No-op',
      capabilities: ['benchmark'],
      endpoint: `builtin://${NOOP_AGENT_ID}`,
      version: '1.0.0',
      health_check_url: '',
      metadata: { description: 'Returns null at once (benchmarks)' },
    },
    async execute({ input }) {
      onStart?.(input);
      return null;
    },
  };
}

/**
 * Queues `n` no-op jobs the way POST /api/agents/:id/execute-batch does: enqueueMany in calls of
 * at most 1,000 (one insert per call; an unnest of column arrays on Postgres).
 */
export async function queueNoopJobs(queue: Pick<TaskQueue, 'enqueueMany'>, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    await queue.enqueueMany(Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ agentId: NOOP_AGENT_ID, action: 'run', input: { i: i + j } })));
  }
}
