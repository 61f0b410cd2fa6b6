// The contract of an agent that runs inside the worker process.

import type { Logger } from '../../platform/logger';
import type { AgentConfig } from './agent-schemas';

export interface AgentInvocation {
  taskId: string;
  agentId: string;
  action: string;
  input: unknown;
  attempt: number;
  correlationId: string | null;
  /** Aborted on timeout, cancellation, lost lease or shutdown; long work must watch it. */
  signal: AbortSignal;
  logger: Logger;
}

export interface BuiltinAgent {
  /** Registered at start-up with runtime "builtin" (endpoint "builtin://<id>"). */
  config: AgentConfig;
  /** Returns the task's result (JSON-serialisable). Throw PermanentAgentError for bad input. */
  execute(call: AgentInvocation): Promise<unknown>;
  /** Optional health probe; builtins are healthy when absent. */
  health?(signal: AbortSignal): Promise<{ healthy: boolean; message: string }>;
}
