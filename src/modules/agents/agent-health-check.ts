// The scheduler job that pings every agent's health and records healthy/unhealthy in the registry.

import type { Logger } from '../../platform/logger';
import type { AgentRegistry } from './agent-registry';
import type { AgentRuntime } from './agent-runtime';

export function checkAgentsHealth(opts: { registry: AgentRegistry; runtime: AgentRuntime; timeoutMs: number; logger: Logger }) {
  return async (): Promise<{ checked: number; unhealthy: number }> => {
    const agents = await opts.registry.list();
    let unhealthy = 0;
    await Promise.all(
      agents.map(async (agent) => {
        const result = await opts.runtime.ping(agent, AbortSignal.timeout(opts.timeoutMs));
        if (!result.healthy) unhealthy += 1;
        const status = result.healthy ? 'healthy' : 'unhealthy';
        if (status !== agent.status) opts.logger.info('agent health changed', { agent_id: agent.id, from: agent.status, to: status, reason: result.message });
        await opts.registry.recordHealth(agent.id, status, result.message);
      }),
    );
    return { checked: agents.length, unhealthy };
  };
}
