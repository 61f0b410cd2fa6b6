// The seed's StepDefinition and WorkflowDefinition contracts, grown to branch and wait: one runtime
// schema each gives the TypeScript type, request validation and the OpenAPI component.
//
// A workflow's `steps` run one after another. A step is one of
//   an agent step   {id, agent_id, action, input?, timeout_seconds, retry?, compensation_…?}
//   a sleep         {id, sleep: "10m"}
//   a wait          {id, wait_for_event: {type, match?, timeout}}
//   a child run     {id, workflow: "<workflow id>", input?, timeout_seconds?}
//   a group         {id, parallel: [branch, …]}  (top level only; completes when every branch has)
// and any of them may carry `when` (skipped, and recorded so, when it does not hold). A branch is a
// step (not a group) or a sequence {id, steps: [step, …]}. Step ids are unique across the tree.
// The shape is flat (optional fields, checked per kind in checkDefinition) so that errors name
// the field at fault and the OpenAPI document stays free of recursion.

import cron from 'node-cron';
import { z } from 'zod';
import { durationSeconds } from '../../config/env-parsers';
import { conditionRefs, ConditionSyntaxError, parseCondition } from './condition';
import { templateRefs } from './render-template';

const Id = z.string().min(1).max(100).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : - only');
const Duration = z.union([z.number().positive().max(31_536_000), z.string().min(1).max(40)]);

export const RetryPolicySchema = z
  .object({
    max_attempts: z.number().int().min(1).max(100).optional(),
    /** First back-off between attempts; doubles per attempt (with jitter) up to max_backoff_seconds. */
    backoff_seconds: z.number().min(0.001).max(86_400).optional(),
    max_backoff_seconds: z.number().min(0.001).max(86_400).optional(),
  })
  .strict()
  .meta({ id: 'RetryPolicy' });
export type RetryPolicy = z.infer<typeof RetryPolicySchema>;

export const WaitForEventSchema = z
  .object({
    type: z.string().min(1).max(200),
    /** Dotted paths into the event (`data.order_id`, `aggregate_id`) and the values they must equal; values may be templates. */
    match: z.record(z.string().min(1).max(200), z.unknown()).optional(),
    timeout: Duration,
  })
  .strict()
  .meta({ id: 'WaitForEvent' });

const leafShape = {
  id: Id,
  /** A condition over earlier outputs and the input, e.g. `{{steps.filter.output.count}} > 0`. */
  when: z.string().min(1).max(1000).optional(),
  agent_id: z.string().min(1).max(100).optional(),
  action: z.string().min(1).max(200).optional(),
  /** Any JSON value; strings may hold {{input.x}} and {{steps.<id>.output.y}} placeholders. */
  input: z.unknown().optional(),
  compensation_agent_id: z.string().min(1).max(100).optional(),
  compensation_action: z.string().min(1).max(200).optional(),
  /** The whole step's time, retries included (an agent step's attempts get no longer either). */
  timeout_seconds: z.number().int().min(1).max(86_400).optional(),
  max_attempts: z.number().int().min(1).max(100).optional(),
  retry: RetryPolicySchema.optional(),
  /** A durable sleep: seconds, or "30s", "10m", "1h", "2d". */
  sleep: Duration.optional(),
  wait_for_event: WaitForEventSchema.optional(),
  /** Starts this workflow as a child run; the step completes with its result. */
  workflow: Id.optional(),
};

export const LeafStepSchema = z.object(leafShape).strict().meta({ id: 'BranchStep' });
export const BranchSchema = z
  .object({ ...leafShape, steps: z.array(LeafStepSchema).max(50).optional() })
  .strict()
  .meta({ id: 'ParallelBranch' });
export const StepDefinitionSchema = z
  .object({ ...leafShape, parallel: z.array(BranchSchema).max(20).optional() })
  .strict()
  .meta({ id: 'StepDefinition' });

export type LeafStep = z.infer<typeof LeafStepSchema>;
export type Branch = z.infer<typeof BranchSchema>;
export type StepDefinition = z.infer<typeof StepDefinitionSchema>;
/** Any node of a definition's tree. */
export type AnyStep = StepDefinition & Branch;

/** The seed's `compensations` map entry: the undo of the step with the same id. */
export const CompensationDefinitionSchema = z
  .object({
    agent_id: z.string().min(1).max(100),
    action: z.string().min(1).max(200).optional(),
  })
  .meta({ id: 'CompensationDefinition' });

export type StepKind = 'agent' | 'sleep' | 'wait' | 'workflow' | 'parallel' | 'branch';

const KIND_KEYS = [
  ['agent_id', 'agent'],
  ['sleep', 'sleep'],
  ['wait_for_event', 'wait'],
  ['workflow', 'workflow'],
  ['parallel', 'parallel'],
  ['steps', 'branch'],
] as const;

/** The kinds a step names (exactly one is valid). */
function kindsOf(step: AnyStep): StepKind[] {
  return KIND_KEYS.filter(([key]) => step[key] !== undefined).map(([, kind]) => kind);
}

/** The kind of a validated step. */
export function stepKind(step: AnyStep): StepKind {
  return kindsOf(step)[0] ?? 'agent';
}

/** Fields each kind may carry besides id and when. */
const ALLOWED: Record<StepKind, readonly string[]> = {
  agent: ['agent_id', 'action', 'input', 'compensation_agent_id', 'compensation_action', 'timeout_seconds', 'max_attempts', 'retry'],
  sleep: ['sleep'],
  wait: ['wait_for_event'],
  workflow: ['workflow', 'input', 'timeout_seconds', 'compensation_agent_id', 'compensation_action'],
  parallel: ['parallel'],
  branch: ['steps'],
};

/** The children of a group (its branches) or a sequence branch (its steps). */
export function childrenOf(step: AnyStep): AnyStep[] {
  return (step.parallel ?? step.steps ?? []) as AnyStep[];
}

/** Every node of the tree in pre-order (a group before its branches), with its parent's id. */
export function walkSteps(steps: readonly AnyStep[], parentId: string | null = null, out: { step: AnyStep; parentId: string | null }[] = []) {
  for (const step of steps) {
    out.push({ step, parentId });
    walkSteps(childrenOf(step), step.id, out);
  }
  return out;
}

/** Every node of a definition's tree by id. */
export function stepsById(def: { steps: readonly unknown[] }): Map<string, AnyStep> {
  return new Map(walkSteps(def.steps as AnyStep[]).map(({ step }) => [step.id, step]));
}

const parseDuration = durationSeconds();
/** A validated duration in milliseconds. */
export function durationMs(d: number | string): number {
  if (typeof d === 'number') return Math.round(d * 1000);
  const parsed = parseDuration(d);
  if (!parsed.ok) throw new Error(parsed.message);
  return Math.round(parsed.value * 1000);
}

export interface DefinitionProblem {
  path: (string | number)[];
  message: string;
}

/** Which `steps.<id>` a template or condition reads (ids only). */
function stepIdsRead(paths: string[]): string[] {
  return paths.filter((p) => p.split('.')[0] === 'steps').map((p) => p.split('.')[1] ?? '');
}

/**
 * The checks a schema cannot express: one kind per step and only its fields, unique ids, groups
 * with branches, valid durations and conditions, and references only to steps that finish before
 * the reader starts (an unknown id, or one that runs later or beside it, would be a cycle).
 */
export function checkDefinition(def: { id: string; steps: readonly AnyStep[]; compensations?: Record<string, unknown> }): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const all = new Map<string, StepKind>();
  for (const { step } of walkSteps(def.steps)) {
    if (all.has(step.id)) problems.push({ path: ['steps'], message: `duplicate step id "${step.id}"` });
    all.set(step.id, kindsOf(step)[0] ?? 'agent');
  }

  function checkStep(step: AnyStep, path: (string | number)[], before: ReadonlySet<string>, level: 'top' | 'branch' | 'leaf') {
    const kinds = kindsOf(step);
    const say = (message: string, at: (string | number)[] = []) => problems.push({ path: [...path, ...at], message });
    if (kinds.length !== 1) {
      say(
        kinds.length === 0
          ? `step "${step.id}" needs one of agent_id, sleep, wait_for_event, workflow${level === 'top' ? ', parallel' : level === 'branch' ? ', steps' : ''}`
          : `step "${step.id}" is both ${kinds.join(' and ')}: a step does one thing`,
      );
      return;
    }
    const kind = kinds[0]!;
    if (kind === 'parallel' && level !== 'top') return say(`parallel group "${step.id}" must be a top-level step (groups do not nest)`);
    if (kind === 'branch' && level !== 'branch') return say(`sequence "${step.id}" can only be a branch of a parallel group`);
    for (const key of Object.keys(step)) {
      if (key === 'id' || key === 'when' || ALLOWED[kind].includes(key)) continue;
      say(`"${key}" does not apply to a ${kind === 'branch' ? 'sequence' : kind} step`, [key]);
    }
    const reads: string[] = [];
    if (step.when !== undefined) {
      try {
        reads.push(...conditionRefs(parseCondition(step.when)));
      } catch (err) {
        if (!(err instanceof ConditionSyntaxError)) throw err;
        say(err.message, ['when']);
      }
    }
    switch (kind) {
      case 'agent':
        if (!step.action) say(`agent step "${step.id}" needs an action`, ['action']);
        if (step.timeout_seconds === undefined) say(`agent step "${step.id}" needs timeout_seconds`, ['timeout_seconds']);
        if (step.max_attempts !== undefined && step.retry?.max_attempts !== undefined) say('give max_attempts or retry.max_attempts, not both', ['retry']);
        reads.push(...templateRefs(step.input));
        break;
      case 'workflow':
        if (step.workflow === def.id) say(`step "${step.id}" starts workflow "${def.id}" itself: a cycle`, ['workflow']);
        if (step.compensation_action && !step.compensation_agent_id) say('a child workflow step names its compensation_agent_id', ['compensation_agent_id']);
        reads.push(...templateRefs(step.input));
        break;
      case 'sleep':
        if (typeof step.sleep === 'string' && !parseDuration(step.sleep).ok) say(`sleep "${step.sleep}" is not a duration such as 30s, 10m or 1h`, ['sleep']);
        break;
      case 'wait': {
        const timeout = step.wait_for_event!.timeout;
        if (typeof timeout === 'string' && !parseDuration(timeout).ok) say(`timeout "${timeout}" is not a duration such as 30s, 10m or 1h`, ['wait_for_event', 'timeout']);
        reads.push(...templateRefs(step.wait_for_event!.match ?? {}));
        break;
      }
      case 'parallel':
      case 'branch': {
        const children = childrenOf(step);
        if (children.length === 0) say(kind === 'parallel' ? `parallel group "${step.id}" has no branches` : `sequence "${step.id}" has no steps`, [kind === 'parallel' ? 'parallel' : 'steps']);
        if (kind === 'parallel') {
          // Branches run side by side: each sees only what finished before the group started.
          children.forEach((b, i) => checkStep(b, [...path, 'parallel', i], before, 'branch'));
        } else {
          const seen = new Set(before);
          children.forEach((s, i) => {
            checkStep(s, [...path, 'steps', i], seen, 'leaf');
            for (const { step: n } of walkSteps([s])) seen.add(n.id);
          });
        }
        break;
      }
    }
    for (const id of stepIdsRead(reads)) {
      if (!all.has(id)) say(`step "${step.id}" reads steps.${id}, which is not a step of this workflow`);
      else if (!before.has(id)) say(`step "${step.id}" reads steps.${id}, which does not finish before "${step.id}" starts (a cycle)`);
    }
  }

  const seen = new Set<string>();
  def.steps.forEach((s, i) => {
    checkStep(s, ['steps', i], seen, 'top');
    for (const { step: n } of walkSteps([s])) seen.add(n.id);
  });
  for (const key of Object.keys(def.compensations ?? {})) {
    const kind = all.get(key);
    if (!kind) problems.push({ path: ['compensations', key], message: `names no step of this workflow` });
    else if (kind !== 'agent' && kind !== 'workflow') problems.push({ path: ['compensations', key], message: `step "${key}" is a ${kind} step, which has nothing to undo` });
  }
  return problems;
}

export const WorkflowDefinitionSchema = z
  .object({
    id: Id,
    name: z.string().min(1).max(200),
    steps: z.array(StepDefinitionSchema).min(1).max(50),
    compensations: z.record(z.string(), CompensationDefinitionSchema).optional(),
    schedule: z
      .string()
      .min(1)
      .max(100)
      .refine((s) => cron.validate(s), 'not a valid cron expression')
      .optional(),
  })
  .strict()
  .superRefine((def, ctx) => {
    for (const p of checkDefinition(def as { id: string; steps: AnyStep[]; compensations?: Record<string, unknown> })) {
      ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
    }
  })
  .meta({ id: 'WorkflowDefinition' });
export type WorkflowDefinition = z.infer<typeof WorkflowDefinitionSchema>;

/** The compensation a step runs when a later step fails, or undefined when it has none. */
export function compensationOf(step: AnyStep): { agentId: string; action: string } | undefined {
  if (!step.compensation_agent_id && !step.compensation_action) return undefined;
  const agentId = step.compensation_agent_id ?? step.agent_id;
  if (!agentId) return undefined;
  return { agentId, action: step.compensation_action ?? 'compensate' };
}

/** Folds the seed's `compensations` map into the steps, so the orchestrator reads one shape. */
export function normalizeDefinition(def: WorkflowDefinition): WorkflowDefinition {
  const { compensations, ...rest } = def;
  if (!compensations) return rest;
  const fold = <T extends AnyStep>(s: T): T => {
    const c = compensations[s.id];
    const withChildren = s.parallel ? { ...s, parallel: s.parallel.map((b) => fold(b as AnyStep)) } : s.steps ? { ...s, steps: s.steps.map((l) => fold(l as AnyStep)) } : s;
    return (c ? { ...withChildren, compensation_agent_id: c.agent_id, compensation_action: c.action ?? s.compensation_action ?? 'compensate' } : withChildren) as T;
  };
  return { ...rest, steps: def.steps.map((s) => fold(s as AnyStep)) };
}

/** Every agent a definition names (steps and compensations), for the "unknown agent" check. */
export function agentsNamedBy(def: WorkflowDefinition): string[] {
  const ids = new Set<string>();
  for (const { step } of walkSteps(def.steps as AnyStep[])) {
    if (step.agent_id) ids.add(step.agent_id);
    if (step.compensation_agent_id) ids.add(step.compensation_agent_id);
  }
  for (const c of Object.values(def.compensations ?? {})) ids.add(c.agent_id);
  return [...ids];
}

/** Every workflow a definition starts as a child, for the "unknown workflow" check. */
export function childWorkflowsNamedBy(def: WorkflowDefinition): string[] {
  return [...new Set(walkSteps(def.steps as AnyStep[]).flatMap(({ step }) => (step.workflow ? [step.workflow] : [])))];
}

/** Whether the definition is a plain sequence of agent steps without conditions (the seed's saga). */
export function isStraightLine(def: WorkflowDefinition): boolean {
  return def.steps.every((s) => s.agent_id !== undefined && s.when === undefined);
}
