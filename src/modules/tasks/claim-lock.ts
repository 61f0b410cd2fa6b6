// The claim lock's name: one lock per agent, taken by its claims and by updates of its breaker.

/** The lock that serialises claims of an agent and updates of its breaker, across workers. */
export const claimLockName = (agentId: string) => `claim:${agentId}`;
