// The agent registry (seed pattern 1), in the database so every process sees the same agents.

import type { DatabaseHandle } from '../../platform/db';
import { parseJson } from '../../platform/db';
import type { AgentsTable } from '../../platform/db/schema';
import { NotFoundError } from '../../platform/errors';
import type { Agent } from './agent';
import type { AgentConfig, AgentStatus } from './agent-schemas';

export interface AgentRegistry {
  /** Inserts or updates by id; `created` tells which. */
  register(config: AgentConfig, runtime: 'builtin' | 'http'): Promise<{ agent: Agent; created: boolean }>;
  find(id: string): Promise<Agent | undefined>;
  get(id: string): Promise<Agent>;
  list(filter?: { capability?: string; status?: AgentStatus }): Promise<Agent[]>;
  /** Unhealthy agents are skipped by discovery. */
  discover(capability: string): Promise<Agent[]>;
  remove(id: string): Promise<boolean>;
  heartbeat(id: string): Promise<Agent>;
  recordHealth(id: string, status: AgentStatus, message: string): Promise<void>;
}

function toAgent(row: AgentsTable): Agent {
  return {
    id: row.id,
    name: row.name,
    runtime: row.runtime,
    capabilities: parseJson<string[]>(row.capabilities, []),
    endpoint: row.endpoint,
    version: row.version,
    health_check_url: row.health_check_url,
    metadata: parseJson<Record<string, string>>(row.metadata, {}),
    status: row.status,
    health_message: row.health_message,
    last_heartbeat_at: row.last_heartbeat_at === null ? null : Number(row.last_heartbeat_at),
    last_health_check_at: row.last_health_check_at === null ? null : Number(row.last_health_check_at),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

export function createAgentRegistry(database: DatabaseHandle, opts: { now?: () => number } = {}): AgentRegistry {
  const { db } = database;
  const now = opts.now ?? Date.now;

  const registry: AgentRegistry = {
    async register(config, runtime) {
      const t = now();
      const values = {
        id: config.id,
        name: config.name,
        runtime,
        capabilities: JSON.stringify(config.capabilities),
        endpoint: config.endpoint,
        version: config.version,
        health_check_url: config.health_check_url,
        metadata: JSON.stringify(config.metadata),
      };
      // One statement decides insert-or-update; created_at survives updates, so comparing it with
      // this call's timestamp tells which happened without a racy read first.
      const row = await db
        .insertInto('agents')
        .values({ ...values, status: runtime === 'builtin' ? 'healthy' : 'unknown', created_at: t, updated_at: t })
        .onConflict((oc) => oc.column('id').doUpdateSet({ ...values, updated_at: t }))
        .returningAll()
        .executeTakeFirstOrThrow();
      const agent = toAgent(row);
      return { agent, created: agent.created_at === t };
    },
    async find(id) {
      const row = await db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toAgent(row) : undefined;
    },
    async get(id) {
      const agent = await registry.find(id);
      if (!agent) throw new NotFoundError('agent', id);
      return agent;
    },
    async list(filter = {}) {
      let q = db.selectFrom('agents').selectAll().orderBy('id');
      if (filter.status) q = q.where('status', '=', filter.status);
      const agents = (await q.execute()).map(toAgent);
      return filter.capability ? agents.filter((a) => a.capabilities.includes(filter.capability!)) : agents;
    },
    async discover(capability) {
      return (await registry.list({ capability })).filter((a) => a.status !== 'unhealthy');
    },
    async remove(id) {
      const result = await db.deleteFrom('agents').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async heartbeat(id) {
      const t = now();
      const row = await db
        .updateTable('agents')
        .set({ last_heartbeat_at: t, status: 'healthy', health_message: 'heartbeat received', updated_at: t })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new NotFoundError('agent', id);
      return toAgent(row);
    },
    async recordHealth(id, status, message) {
      await db
        .updateTable('agents')
        .set({ status, health_message: message, last_health_check_at: now() })
        .where('id', '=', id)
        .execute();
    },
  };
  return registry;
}
