// The agent SDK's public surface (`catalynx/agent-sdk`): define an agent, serve it to Catalynx.

export { defineAgent } from './define-agent';
export type { ActionContext, ActionHandler, AgentDefinition, AgentSpec } from './define-agent';
export { serveAgent } from './serve-agent';
export type { ServeAgentOptions, ServedAgent } from './serve-agent';
export { PermanentError } from './permanent-error';
export { RetryableError } from './retryable-error';
export { AgentDefinitionError } from './agent-definition-error';
export { RegistrationError } from './registration-error';
export { jsonLineLogger, silentLogger } from './agent-logger';
export type { AgentLogger } from './agent-logger';
