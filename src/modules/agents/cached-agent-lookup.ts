// A short-lived cache over the registry for hot paths (every execute request, every task attempt).
// Agents change rarely; a view at most `ttlMs` old saves a database read each time.

import type { Agent } from './agent';
import type { AgentRegistry } from './agent-registry';

export interface AgentLookup {
  (id: string): Promise<Agent | undefined>;
  /** The agent if the cache holds a fresh copy, synchronously (no promise on the hot path). */
  cached(id: string): Agent | undefined;
}

export function cachedAgentLookup(registry: Pick<AgentRegistry, 'find'>, opts: { ttlMs: number; now?: () => number }): AgentLookup {
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { agent: Agent; at: number }>();
  const cached = (id: string): Agent | undefined => {
    const hit = cache.get(id);
    return hit && now() - hit.at < opts.ttlMs ? hit.agent : undefined;
  };
  const lookup = async (id: string): Promise<Agent | undefined> => {
    const hit = cached(id);
    if (hit) return hit;
    const agent = await registry.find(id);
    // Only found agents are kept: an agent registered a moment after a miss must be found at
    // once. A removed agent may still be served for up to ttlMs.
    if (agent) {
      if (cache.size > 10_000) cache.clear();
      cache.set(id, { agent, at: now() });
    }
    return agent;
  };
  return Object.assign(lookup, { cached });
}
