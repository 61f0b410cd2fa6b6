// Collects a finishing tier run's step outputs from its event stream, inside the finishing transaction.
//
// The run's StepCompleted events (its public timeline) carry each step's output; reading them
// through the caller's transaction sees the last step's output, which is not committed yet, and
// keeps this module out of the workflows module's tables.

import type { Tx } from '../../platform/db';
import { readStreamIn } from '../events/read-events-in';
import { RUN_AGGREGATE } from '../workflows/saga-orchestrator';
import { walkSteps, type AnyStep } from '../workflows/workflow-definition';
import type { WorkflowRun } from '../workflows/workflow-run';
import type { TierStepOutputs } from './intelligence-report';

/** The builtin agents whose outputs make up a report, by the part they play. */
const PART_OF_AGENT: Record<string, 'filter' | 'score' | 'network'> = {
  bmf_filter: 'filter',
  ai_heavy: 'score',
  network_analyzer: 'network',
};

export async function readTierStepOutputs(trx: Tx, run: WorkflowRun): Promise<TierStepOutputs> {
  const partOfStep = new Map<string, 'filter' | 'score' | 'network'>();
  // Branches of a parallel group count like top-level steps.
  for (const { step } of walkSteps(run.definition.steps as AnyStep[])) {
    const part = step.agent_id ? PART_OF_AGENT[step.agent_id] : undefined;
    // The first step of each agent counts; a definition naming an agent twice is not a tier shape.
    if (part && ![...partOfStep.values()].includes(part)) partOfStep.set(step.id, part);
  }
  const outputs: TierStepOutputs = { hasNetworkStep: [...partOfStep.values()].includes('network') };
  for (const event of await readStreamIn(trx, RUN_AGGREGATE, run.id)) {
    if (event.type !== 'StepCompleted') continue;
    const part = partOfStep.get(String(event.data.step_id));
    if (part) outputs[part] = event.data.output;
  }
  return outputs;
}
