// A builtin agent that does nothing: the job body every queue in the benchmarks runs.

import type { BuiltinAgent } from '../src/modules/agents/builtin-agent';

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
