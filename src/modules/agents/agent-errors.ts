// How an agent call failed: retryable (timeouts, 5xx, 408/429, connection errors) or permanent.

export class AgentCallError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly details: { status?: number; agentId?: string } = {},
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'AgentCallError';
  }
}

/** Thrown by builtin handlers for input that will never succeed (no retry). */
export class PermanentAgentError extends AgentCallError {
  constructor(message: string, details: { status?: number; agentId?: string } = {}) {
    super(message, false, details);
    this.name = 'PermanentAgentError';
  }
}
