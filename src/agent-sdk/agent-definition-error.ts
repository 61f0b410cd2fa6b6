// defineAgent() was given a definition Catalynx would refuse (bad id, no actions).

export class AgentDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentDefinitionError';
  }
}
