// An agent as stored: its AgentConfig plus runtime kind and health.

import type { AgentConfig, AgentStatus } from './agent-schemas';

export interface Agent extends AgentConfig {
  runtime: 'builtin' | 'http';
  status: AgentStatus;
  health_message: string | null;
  last_heartbeat_at: number | null;
  last_health_check_at: number | null;
  created_at: number;
  updated_at: number;
}
