// Renders an agent with its breaker state for the API.

import type { BreakerSnapshot } from '../../resilience/circuit-breaker-policy';
import type { Agent } from './agent';
import type { AgentView } from './agent-schemas';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toAgentView(agent: Agent, breaker: BreakerSnapshot): AgentView {
  return {
    id: agent.id,
    name: agent.name,
    capabilities: agent.capabilities,
    endpoint: agent.endpoint,
    version: agent.version,
    health_check_url: agent.health_check_url,
    metadata: agent.metadata,
    runtime: agent.runtime,
    status: agent.status,
    health_message: agent.health_message,
    last_heartbeat_at: iso(agent.last_heartbeat_at),
    last_health_check_at: iso(agent.last_health_check_at),
    circuit_breaker: { state: breaker.state, failure_count: breaker.failureCount, opened_at: iso(breaker.openedAt) },
    created_at: iso(agent.created_at)!,
    updated_at: iso(agent.updated_at)!,
  };
}
