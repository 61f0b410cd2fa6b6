// The seed's AgentConfig and RegistryResponse contracts, and the agent view the API returns.

import { z } from 'zod';

const AGENT_ID = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

export const AgentConfigSchema = z
  .object({
    id: z.string().regex(AGENT_ID, 'lowercase letters, digits, "_", "-" or "."; 1 to 64 characters'),
    name: z.string().min(1).max(200),
    capabilities: z.array(z.string().min(1).max(100)).max(100),
    endpoint: z.string().max(2000),
    version: z.string().min(1).max(50),
    health_check_url: z.string().max(2000),
    metadata: z.record(z.string().max(200), z.string().max(2000)),
  })
  .strict()
  .meta({ id: 'AgentConfig' });
export type AgentConfig = z.infer<typeof AgentConfigSchema>;

/** Registering a remote (http) agent: endpoint required, health check URL and metadata optional. */
export const RegisterAgentSchema = AgentConfigSchema.extend({
  endpoint: z.url({ protocol: /^https?$/ }).max(2000),
  health_check_url: z.union([z.url({ protocol: /^https?$/ }).max(2000), z.literal('')]).default(''),
  capabilities: z.array(z.string().min(1).max(100)).max(100).default([]),
  metadata: z.record(z.string().max(200), z.string().max(2000)).default({}),
})
  .strict()
  .meta({ id: 'RegisterAgent' });
export type RegisterAgent = z.infer<typeof RegisterAgentSchema>;

export const AgentStatusSchema = z.enum(['unknown', 'healthy', 'unhealthy']);
export type AgentStatus = z.infer<typeof AgentStatusSchema>;

export const CircuitBreakerViewSchema = z
  .object({
    state: z.enum(['closed', 'open', 'half_open']),
    failure_count: z.number().int(),
    opened_at: z.string().nullable(),
  })
  .meta({ id: 'CircuitBreaker' });

export const AgentViewSchema = AgentConfigSchema.extend({
  runtime: z.enum(['builtin', 'http']),
  status: AgentStatusSchema,
  health_message: z.string().nullable(),
  last_heartbeat_at: z.string().nullable(),
  last_health_check_at: z.string().nullable(),
  circuit_breaker: CircuitBreakerViewSchema,
  created_at: z.string(),
  updated_at: z.string(),
}).meta({ id: 'Agent' });
export type AgentView = z.infer<typeof AgentViewSchema>;

export const RegistryResponseSchema = z
  .object({
    agents: z.array(AgentViewSchema),
    total_count: z.number().int(),
    healthy_count: z.number().int(),
  })
  .meta({ id: 'RegistryResponse' });
export type RegistryResponse = z.infer<typeof RegistryResponseSchema>;
