// A workflow run and its steps as the orchestrator and the API see them, and their conversion from rows.

import { z } from 'zod';
import { parseJson } from '../../platform/db';
import type { WorkflowRunStepsTable, WorkflowRunsTable } from '../../platform/db/schema';
import { WorkflowEventSchema } from '../events/event';
import { stepKind, stepsById, type AnyStep, type StepKind, type WorkflowDefinition } from './workflow-definition';

export const RUN_STATUSES = ['running', 'completed', 'compensating', 'compensated', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** A run in one of these never changes again (run-finished hooks fire on reaching one). */
export const FINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'compensated', 'failed', 'cancelled'];

export const STEP_STATUSES = ['pending', 'running', 'waiting', 'succeeded', 'failed', 'skipped', 'cancelled', 'compensating', 'compensated', 'compensation_failed'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export interface WorkflowRun {
  id: string;
  workflow_id: string;
  status: RunStatus;
  input: unknown;
  definition: WorkflowDefinition;
  idempotency_key: string | null;
  error: string | null;
  metadata: Record<string, unknown>;
  correlation_id: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  parent_run_id: string | null;
  parent_step_id: string | null;
  workflow_version: number | null;
  /** The result of a completed run: the output of its last step that ran. */
  output: unknown;
}

export interface RunStep {
  step_id: string;
  position: number;
  kind: StepKind;
  parent_id: string | null;
  status: StepStatus;
  task_id: string | null;
  compensation_task_id: string | null;
  child_run_id: string | null;
  attempts: number;
  output: unknown;
  error: string | null;
  started_at: number | null;
  finished_at: number | null;
  wake_at: number | null;
  wait_type: string | null;
  completed_seq: number | null;
}

/** A step row as a new run inserts it: pending, nothing run yet. */
export function pendingStep(stepId: string, position: number, kind: StepKind, parentId: string | null): RunStep {
  return {
    step_id: stepId,
    position,
    kind,
    parent_id: parentId,
    status: 'pending',
    task_id: null,
    compensation_task_id: null,
    child_run_id: null,
    attempts: 0,
    output: null,
    error: null,
    started_at: null,
    finished_at: null,
    wake_at: null,
    wait_type: null,
    completed_seq: null,
  };
}

/** A leaf that has started and not finished: a running task or child run, a sleep or a wait. */
export const isActiveLeaf = (s: RunStep) => (s.status === 'running' || s.status === 'waiting') && s.kind !== 'parallel' && s.kind !== 'branch';

const n = (v: number | null) => (v === null ? null : Number(v));

export function toRun(row: WorkflowRunsTable): WorkflowRun {
  return {
    ...row,
    input: parseJson<unknown>(row.input, null),
    definition: parseJson<WorkflowDefinition>(row.definition, { id: row.workflow_id, name: row.workflow_id, steps: [] } as unknown as WorkflowDefinition),
    metadata: parseJson<Record<string, unknown>>(row.metadata, {}),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
    finished_at: n(row.finished_at),
    parent_run_id: row.parent_run_id ?? null,
    parent_step_id: row.parent_step_id ?? null,
    workflow_version: n(row.workflow_version ?? null),
    output: row.output == null ? null : parseJson<unknown>(row.output, null),
  };
}

export function toRunStep(row: WorkflowRunStepsTable): RunStep {
  return {
    step_id: row.step_id,
    position: Number(row.position),
    kind: row.kind ?? 'agent',
    parent_id: row.parent_id ?? null,
    status: row.status,
    task_id: row.task_id,
    compensation_task_id: row.compensation_task_id,
    child_run_id: row.child_run_id ?? null,
    attempts: Number(row.attempts),
    output: row.output === null ? null : parseJson<unknown>(row.output, null),
    error: row.error,
    started_at: n(row.started_at),
    finished_at: n(row.finished_at),
    wake_at: n(row.wake_at ?? null),
    wait_type: row.wait_type ?? null,
    completed_seq: n(row.completed_seq ?? null),
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const RunStepViewSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['agent', 'sleep', 'wait', 'workflow', 'parallel', 'branch']),
    /** The group or sequence this step belongs to; null at the top level. */
    parent_id: z.string().nullable(),
    agent_id: z.string(),
    status: z.enum(STEP_STATUSES),
    attempts: z.number().int(),
    output: z.unknown(),
    error: z.string().nullable(),
    task_id: z.string().nullable(),
    compensation_task_id: z.string().nullable(),
    child_run_id: z.string().nullable(),
    /** The event type a wait step waits for. */
    waiting_for: z.string().nullable(),
    /** When a sleep ends, a wait gives up, or a running step's time is up. */
    deadline: z.string().nullable(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
  })
  .meta({ id: 'WorkflowRunStep' });

export const RunSummarySchema = z
  .object({
    id: z.string(),
    workflow_id: z.string(),
    status: z.enum(RUN_STATUSES),
    input: z.unknown(),
    error: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    idempotency_key: z.string().nullable(),
    workflow_version: z.number().int().nullable(),
    parent_run_id: z.string().nullable(),
    output: z.unknown(),
    created_at: z.string(),
    updated_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .meta({ id: 'WorkflowRunSummary' });
export type RunSummary = z.infer<typeof RunSummarySchema>;

export const RunViewSchema = RunSummarySchema.extend({
  steps: z.array(RunStepViewSchema),
  timeline: z.array(WorkflowEventSchema),
}).meta({ id: 'WorkflowRun' });
export type RunView = z.infer<typeof RunViewSchema>;

export function toRunSummary(run: WorkflowRun): RunSummary {
  return {
    id: run.id,
    workflow_id: run.workflow_id,
    status: run.status,
    input: run.input,
    error: run.error,
    metadata: run.metadata,
    idempotency_key: run.idempotency_key,
    workflow_version: run.workflow_version,
    parent_run_id: run.parent_run_id,
    output: run.output,
    created_at: iso(run.created_at)!,
    updated_at: iso(run.updated_at)!,
    finished_at: iso(run.finished_at),
  };
}

/** The run's steps as the API shows them, in definition order (a group before its branches). */
export function toRunStepViews(run: WorkflowRun, steps: readonly RunStep[]): z.infer<typeof RunStepViewSchema>[] {
  const defs = stepsById(run.definition);
  return [...steps].sort((a, b) => a.position - b.position).map((s) => toRunStepView(s, defs.get(s.step_id)));
}

function toRunStepView(step: RunStep, def: AnyStep | undefined): z.infer<typeof RunStepViewSchema> {
  const parked = step.status === 'waiting' || step.status === 'running';
  return {
    id: step.step_id,
    kind: def ? stepKind(def) : step.kind,
    parent_id: step.parent_id,
    agent_id: def?.agent_id ?? '',
    status: step.status,
    attempts: step.attempts,
    output: step.output,
    error: step.error,
    task_id: step.task_id,
    compensation_task_id: step.compensation_task_id,
    child_run_id: step.child_run_id,
    waiting_for: step.wait_type,
    deadline: parked ? iso(step.wake_at) : null,
    started_at: iso(step.started_at),
    finished_at: iso(step.finished_at),
  };
}
