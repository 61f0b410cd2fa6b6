// defineAgent(): an agent's identity and its actions, checked once so a mistake shows at start-up
// rather than as refused registrations or failing tasks.

import { AgentDefinitionError } from './agent-definition-error';

/** What a handler knows about the attempt it serves. */
export interface ActionContext {
  taskId: string;
  agentId: string;
  action: string;
  /** 1 for the first attempt; a retry or a re-leased task comes with a higher one. */
  attempt: number;
  /** The Idempotency-Key the worker sent (the task id): the same for every attempt of one task. */
  idempotencyKey: string;
  correlationId: string;
  /** Aborted when the worker gives up on this attempt (its timeout), at the agent's own timeout, or on a forced shutdown. */
  signal: AbortSignal;
}

/** One action: its input as the task carries it (validate it; throw PermanentError when it is wrong). */
export type ActionHandler = (input: unknown, ctx: ActionContext) => unknown | Promise<unknown>;

export interface AgentSpec {
  /** Lowercase letters, digits, `_`, `-` or `.`; 1 to 64 characters (the registry's rule). */
  id: string;
  name?: string;
  version?: string;
  capabilities: string[];
  actions: Record<string, ActionHandler>;
  metadata?: Record<string, string>;
  /** Extra health check behind GET /health (a dependency ping); throw or return false when unhealthy. */
  health?: () => boolean | Promise<boolean>;
}

export interface AgentDefinition {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly capabilities: readonly string[];
  readonly actions: ReadonlyMap<string, ActionHandler>;
  readonly metadata: Readonly<Record<string, string>>;
  readonly health?: () => boolean | Promise<boolean>;
}

const AGENT_ID = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

export function defineAgent(spec: AgentSpec): AgentDefinition {
  if (!AGENT_ID.test(spec.id)) {
    throw new AgentDefinitionError(`agent id "${spec.id}" must be lowercase letters, digits, "_", "-" or "." (1 to 64 characters)`);
  }
  const actions = Object.entries(spec.actions ?? {});
  if (actions.length === 0) throw new AgentDefinitionError(`agent "${spec.id}" needs at least one action`);
  for (const [name, handler] of actions) {
    if (typeof handler !== 'function') throw new AgentDefinitionError(`action "${name}" of agent "${spec.id}" is not a function`);
  }
  return Object.freeze({
    id: spec.id,
    name: spec.name ?? spec.id,
    version: spec.version ?? '1.0.0',
    capabilities: Object.freeze([...spec.capabilities]),
    actions: new Map(actions),
    metadata: Object.freeze({ ...(spec.metadata ?? {}) }),
    health: spec.health,
  });
}
