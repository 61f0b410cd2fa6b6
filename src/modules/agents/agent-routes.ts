// REST routes of the agent registry: register, discover, inspect, remove, heartbeat.

import { z } from 'zod';
import type { DatabaseHandle } from '../../platform/db';
import { AppError } from '../../platform/errors';
import { ErrorBodySchema } from '../../platform/http/http-errors';
import { defineRoute, type RouteSpec } from '../../platform/http/route';
import type { AgentRegistry } from './agent-registry';
import { AgentStatusSchema, AgentViewSchema, RegisterAgentSchema, RegistryResponseSchema } from './agent-schemas';
import { toAgentView } from './agent-view';
import { agentBreakerName, type BreakerStore } from './breaker-store';

export interface AgentRoutesOptions {
  registry: AgentRegistry;
  breakers: BreakerStore;
  database: DatabaseHandle;
  /** Refuses endpoints that would let the registry reach internal addresses (SSRF). */
  checkOutboundUrl?: (url: string) => Promise<void>;
}

const IdParams = z.object({ id: z.string().min(1).max(64) });
const errors = {
  400: { description: 'Invalid input', schema: ErrorBodySchema },
  404: { description: 'Unknown agent', schema: ErrorBodySchema },
};

export function agentRoutes(opts: AgentRoutesOptions): RouteSpec[] {
  const { registry, breakers, database } = opts;
  const view = async (id: string) => {
    const agent = await registry.get(id);
    return toAgentView(agent, await breakers.read(database.db, agentBreakerName(id)));
  };
  return [
    defineRoute({
      method: 'post',
      path: '/api/agents',
      summary: 'Register (or update by id) a remote http agent',
      tags: ['agents'],
      scope: 'agents:write',
      body: RegisterAgentSchema,
      responses: {
        200: { description: 'Updated', schema: AgentViewSchema },
        201: { description: 'Registered', schema: AgentViewSchema },
        400: errors[400],
        409: { description: 'The id belongs to a builtin agent', schema: ErrorBodySchema },
      },
      async handler({ body }) {
        const existing = await registry.find(body.id);
        if (existing?.runtime === 'builtin') {
          throw new AppError(409, 'conflict', `agent "${body.id}" is a builtin agent and cannot be replaced`);
        }
        if (opts.checkOutboundUrl) {
          await opts.checkOutboundUrl(body.endpoint);
          if (body.health_check_url) await opts.checkOutboundUrl(body.health_check_url);
        }
        const { created } = await registry.register(body, 'http');
        return { status: created ? 201 : 200, body: await view(body.id), headers: { Location: `/api/agents/${body.id}` } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/agents',
      summary: 'Discover agents, by capability and health',
      tags: ['agents'],
      scope: 'read',
      query: z.object({ capability: z.string().min(1).max(100).optional(), status: AgentStatusSchema.optional() }).strict(),
      responses: { 200: { description: 'The registry', schema: RegistryResponseSchema }, 400: errors[400] },
      async handler({ query }) {
        const agents = await registry.list(query);
        const states = await breakers.readAll(database.db);
        const views = agents.map((a) => toAgentView(a, states.get(agentBreakerName(a.id)) ?? { state: 'closed', failureCount: 0, openedAt: null, trialStartedAt: null }));
        return {
          status: 200,
          body: { agents: views, total_count: views.length, healthy_count: views.filter((v) => v.status === 'healthy').length },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/agents/:id',
      summary: 'One agent with its health, last heartbeat and circuit breaker',
      tags: ['agents'],
      scope: 'read',
      params: IdParams,
      responses: { 200: { description: 'The agent', schema: AgentViewSchema }, 404: errors[404] },
      handler: async ({ params }) => ({ status: 200, body: await view(params.id) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/agents/:id',
      summary: 'Remove a remote agent (its queued tasks fail when claimed)',
      tags: ['agents'],
      scope: 'agents:write',
      params: IdParams,
      responses: { 204: { description: 'Removed' }, 404: errors[404], 409: { description: 'Builtin agent', schema: ErrorBodySchema } },
      async handler({ params }) {
        const agent = await registry.get(params.id);
        if (agent.runtime === 'builtin') throw new AppError(409, 'conflict', `builtin agent "${params.id}" cannot be removed`);
        await registry.remove(params.id);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/agents/:id/heartbeat',
      summary: 'An agent reports it is alive (push instead of being pinged)',
      tags: ['agents'],
      scope: 'agents:write',
      params: IdParams,
      responses: { 200: { description: 'Recorded', schema: AgentViewSchema }, 404: errors[404] },
      async handler({ params }) {
        await registry.heartbeat(params.id);
        return { status: 200, body: await view(params.id) };
      },
    }),
  ];
}
