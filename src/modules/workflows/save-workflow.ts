// Saves a validated definition after checking that every agent it names is registered.

import type { AgentRegistry } from '../agents/agent-registry';
import { agentsNamedBy, normalizeDefinition, type WorkflowDefinition } from './workflow-definition';
import { UnknownAgentsError } from './workflow-errors';
import type { StoredWorkflow, WorkflowStore } from './workflow-store';

export async function saveWorkflow(
  deps: { store: WorkflowStore; registry: AgentRegistry },
  def: WorkflowDefinition,
  source: 'api' | 'file',
): Promise<{ workflow: StoredWorkflow; created: boolean }> {
  const unknown: string[] = [];
  for (const id of agentsNamedBy(def)) if (!(await deps.registry.find(id))) unknown.push(id);
  if (unknown.length > 0) throw new UnknownAgentsError(def.id, unknown);
  return deps.store.save(normalizeDefinition(def), source);
}
