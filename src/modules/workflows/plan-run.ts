// Decides what a running run does next, from its definition and the state of its steps: which steps
// to start, which to skip (their `when` does not hold), which groups and sequences open or close,
// and whether the run is done or has failed. A pure function, so the orchestrator can call it after
// every change inside the transaction that made it, and a resumed run plans exactly like one that
// never stopped.
//
// A sequence runs its steps in order; a group runs all its branches at once and completes when
// every branch has; a failed (or cancelled) step fails its sequence, its group and the run.

import { conditionHolds, parseCondition } from './condition';
import { lookup } from './render-template';
import { childrenOf, stepKind, type AnyStep, type WorkflowDefinition } from './workflow-definition';
import type { StepStatus } from './workflow-run';

export interface StepState {
  status: StepStatus;
  output: unknown;
}

export type PlanAction =
  /** Start a leaf: enqueue its task, park it (sleep, wait) or start its child run. */
  | { kind: 'start'; step: AnyStep }
  /** A group or a sequence begins (recorded as running). */
  | { kind: 'open'; step: AnyStep }
  /** A group or a sequence completed with this output. */
  | { kind: 'close'; step: AnyStep; output: unknown }
  | { kind: 'skip'; step: AnyStep };

export interface Plan {
  actions: PlanAction[];
  /** done: every step succeeded or was skipped; failed: a step failed or was cancelled. */
  outcome: 'active' | 'done' | 'failed';
  /** The run's result when done: the output of its last step that ran. */
  output?: unknown;
}

type Verdict = { state: 'active' } | { state: 'failed' } | { state: 'done'; output: unknown; ran: boolean };

export function planRun(definition: WorkflowDefinition, states: ReadonlyMap<string, StepState>, input: unknown): Plan {
  const actions: PlanAction[] = [];
  // What this plan has decided so far, over what the rows say.
  const decided = new Map<string, StepState>();
  const stateOf = (id: string): StepState => decided.get(id) ?? states.get(id) ?? { status: 'pending', output: null };
  const read = (path: string) => {
    if (path === 'input' || path.startsWith('input.')) return path === 'input' ? input : lookup(input, path.slice(6));
    const [head, id, ...rest] = path.split('.');
    if (head !== 'steps' || !id) return undefined;
    const { status, output } = stateOf(id);
    if (status !== 'succeeded') return undefined;
    return rest.length === 0 ? { output } : lookup({ output }, rest.join('.'));
  };
  const holds = (step: AnyStep) => step.when === undefined || conditionHolds(parseCondition(step.when), read);

  function sequence(steps: readonly AnyStep[]): Verdict {
    let last: unknown = null;
    for (const step of steps) {
      const v = node(step);
      if (v.state !== 'done') return v;
      if (v.ran) last = v.output;
    }
    return { state: 'done', output: last, ran: true };
  }

  function node(step: AnyStep): Verdict {
    const { status, output } = stateOf(step.id);
    switch (status) {
      case 'succeeded':
        return { state: 'done', output, ran: true };
      case 'skipped':
        return { state: 'done', output: null, ran: false };
      case 'running':
      case 'waiting':
        if (isStructural(step)) break;
        return { state: 'active' };
      case 'pending':
        if (!holds(step)) {
          actions.push({ kind: 'skip', step });
          decided.set(step.id, { status: 'skipped', output: null });
          return { state: 'done', output: null, ran: false };
        }
        if (!isStructural(step)) {
          actions.push({ kind: 'start', step });
          decided.set(step.id, { status: 'running', output: null });
          return { state: 'active' };
        }
        actions.push({ kind: 'open', step });
        decided.set(step.id, { status: 'running', output: null });
        break;
      default:
        return { state: 'failed' };
    }
    // A group or sequence that is running: look at its children.
    const children = childrenOf(step);
    let verdict: Verdict;
    if (stepKind(step) === 'parallel') {
      const each = children.map((b) => [b.id, node(b)] as const);
      if (each.some(([, v]) => v.state === 'failed')) verdict = { state: 'failed' };
      else if (each.some(([, v]) => v.state === 'active')) verdict = { state: 'active' };
      else verdict = { state: 'done', output: Object.fromEntries(each.map(([id, v]) => [id, v.state === 'done' ? v.output : null])), ran: true };
    } else {
      verdict = sequence(children);
    }
    if (verdict.state === 'done') {
      actions.push({ kind: 'close', step, output: verdict.output });
      decided.set(step.id, { status: 'succeeded', output: verdict.output });
    }
    return verdict;
  }

  const verdict = sequence(definition.steps as AnyStep[]);
  if (verdict.state === 'done') return { actions, outcome: 'done', output: verdict.output };
  return { actions, outcome: verdict.state };
}

export function isStructural(step: AnyStep): boolean {
  const kind = stepKind(step);
  return kind === 'parallel' || kind === 'branch';
}
