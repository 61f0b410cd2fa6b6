// The rows of `workflows status`: a run's steps in definition order, the branches of a parallel
// group indented under it (a sequence's steps one level further), and for each step what it does
// (its agent, a sleep or a wait with its deadline, a child run).

import type { WorkflowRun } from '../client';

type StepView = WorkflowRun['steps'][number];

function depthOf(step: StepView, byId: ReadonlyMap<string, StepView>): number {
  let depth = 0;
  for (let p = step.parent_id; p !== null && depth < 5; p = byId.get(p)?.parent_id ?? null) depth += 1;
  return depth;
}

function doing(step: StepView): string {
  switch (step.kind) {
    case 'parallel':
      return 'parallel';
    case 'branch':
      return 'sequence';
    case 'sleep':
      return step.deadline ? `sleep until ${step.deadline}` : 'sleep';
    case 'wait':
      return `wait for ${step.waiting_for ?? 'event'}${step.deadline ? ` until ${step.deadline}` : ''}`;
    case 'workflow':
      return step.child_run_id ? `child run ${step.child_run_id}` : 'child run';
    default:
      return step.agent_id;
  }
}

/** [step, what, status, attempts] per step, branches indented under their group. */
export function runStepRows(run: WorkflowRun): [string, string, string, number][] {
  const byId = new Map(run.steps.map((s) => [s.id, s]));
  return run.steps.map((s) => [`${'  '.repeat(depthOf(s, byId))}${s.id}`, doing(s), s.status, s.attempts]);
}
