// Base class for every typed error thrown by the built-in grant-research agents.

/**
 * All agent errors extend this so a caller can tell "the agent refused or failed in a known way"
 * (`instanceof AgentError`) from programming errors. Subclasses add their own context fields.
 */
export class AgentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
