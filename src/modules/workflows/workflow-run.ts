// A workflow run and its steps as the orchestrator and the API see them, and their conversion from rows.

import { z } from 'zod';
import { parseJson } from '../../platform/db';
import type { WorkflowRunStepsTable, WorkflowRunsTable } from '../../platform/db/schema';
import { WorkflowEventSchema } from '../events/event';
import type { WorkflowDefinition } from './workflow-definition';

export const RUN_STATUSES = ['running', 'completed', 'compensating', 'compensated', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** A run in one of these never changes again (run-finished hooks fire on reaching one). */
export const FINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'compensated', 'failed', 'cancelled'];

export const STEP_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'skipped', 'compensating', 'compensated', 'compensation_failed'] as const;
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
}

export interface RunStep {
  step_id: string;
  position: number;
  status: StepStatus;
  task_id: string | null;
  compensation_task_id: string | null;
  attempts: number;
  output: unknown;
  error: string | null;
  started_at: number | null;
  finished_at: number | null;
}

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
  };
}

export function toRunStep(row: WorkflowRunStepsTable): RunStep {
  return {
    ...row,
    position: Number(row.position),
    attempts: Number(row.attempts),
    output: row.output === null ? null : parseJson<unknown>(row.output, null),
    started_at: n(row.started_at),
    finished_at: n(row.finished_at),
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const RunStepViewSchema = z
  .object({
    id: z.string(),
    agent_id: z.string(),
    status: z.enum(STEP_STATUSES),
    attempts: z.number().int(),
    output: z.unknown(),
    error: z.string().nullable(),
    task_id: z.string().nullable(),
    compensation_task_id: z.string().nullable(),
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
    created_at: iso(run.created_at)!,
    updated_at: iso(run.updated_at)!,
    finished_at: iso(run.finished_at),
  };
}

export function toRunStepView(run: WorkflowRun, step: RunStep): z.infer<typeof RunStepViewSchema> {
  const def = run.definition.steps.find((s) => s.id === step.step_id);
  return {
    id: step.step_id,
    agent_id: def?.agent_id ?? '',
    status: step.status,
    attempts: step.attempts,
    output: step.output,
    error: step.error,
    task_id: step.task_id,
    compensation_task_id: step.compensation_task_id,
    started_at: iso(step.started_at),
    finished_at: iso(step.finished_at),
  };
}
