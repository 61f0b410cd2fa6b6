// Saves a validated definition after checking that every agent it names is registered and every
// child workflow it starts is defined; a definition that differs from the latest is a new version.

import type { AgentRegistry } from '../agents/agent-registry';
import { agentsNamedBy, childWorkflowsNamedBy, normalizeDefinition, type WorkflowDefinition } from './workflow-definition';
import { UnknownAgentsError, UnknownWorkflowsError } from './workflow-errors';
import type { StoredWorkflow, WorkflowStore } from './workflow-store';

export async function saveWorkflow(
  deps: { store: WorkflowStore; registry: AgentRegistry },
  def: WorkflowDefinition,
  source: 'api' | 'file',
): Promise<{ workflow: StoredWorkflow; created: boolean; changed: boolean }> {
  const unknown: string[] = [];
  for (const id of agentsNamedBy(def)) if (!(await deps.registry.find(id))) unknown.push(id);
  if (unknown.length > 0) throw new UnknownAgentsError(def.id, unknown);
  const missing: string[] = [];
  for (const id of childWorkflowsNamedBy(def)) if (id !== def.id && !(await deps.store.find(id))) missing.push(id);
  if (missing.length > 0) throw new UnknownWorkflowsError(def.id, missing);
  return deps.store.save(normalizeDefinition(def), source);
}
