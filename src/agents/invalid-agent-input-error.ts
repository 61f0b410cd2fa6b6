// The error a builtin grant-research agent throws for input it can never act on (no retry).
import { PermanentAgentError } from '../modules/agents/agent-errors';

/**
 * Extends PermanentAgentError so the task queue fails the task at once instead of retrying it.
 * `problems` lists every reason, one sentence each (e.g. "candidates.0.ein: Invalid input").
 */
export class InvalidAgentInputError extends PermanentAgentError {
  constructor(
    readonly agentId: string,
    readonly problems: string[],
  ) {
    super(`Invalid input for ${agentId}: ${problems.join('; ')}`, { agentId });
    this.name = 'InvalidAgentInputError';
  }
}
