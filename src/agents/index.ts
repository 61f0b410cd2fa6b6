// The three built-in grant-research agents (bmf_filter, network_analyzer, ai_heavy) and their shared types.
export * from './bmf-filter';
export * from './network-analyzer';
export * from './ai-heavy';
export type { CandidateOrganization, GrantProfile } from './profile';
export { AgentError } from './agent-error';
