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

/** Jobs per bulk call: the same on every side of the queue rows (graphile-worker's addJobs, BullMQ's addBulk). */
export const BULK_CALL_JOBS = 5000;

/**
 * Queues `n` no-op jobs with enqueueMany in calls of BULK_CALL_JOBS (one insert per call on
 * Postgres, an unnest of column arrays; SQLite splits a call into inserts of 500 rows in one
 * transaction).
 */
export async function queueNoopJobs(queue: Pick<TaskQueue, 'enqueueMany'>, n: number): Promise<void> {
  for (let i = 0; i < n; i += BULK_CALL_JOBS) {
    await queue.enqueueMany(Array.from({ length: Math.min(BULK_CALL_JOBS, n - i) }, (_, j) => ({ agentId: NOOP_AGENT_ID, action: 'run', input: { i: i + j } })));
  }
}
