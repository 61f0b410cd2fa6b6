// A task as the queue and the API see it, and its conversion from a row.

import { z } from 'zod';
import { parseJson } from '../../platform/db';
import type { TasksTable } from '../../platform/db/schema';

export const TASK_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const FINISHED_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'cancelled'];

export interface Task {
  id: string;
  agent_id: string;
  action: string;
  input: unknown;
  status: TaskStatus;
  priority: number;
  run_at: number;
  attempts: number;
  max_attempts: number;
  timeout_seconds: number | null;
  idempotency_key: string | null;
  result: unknown;
  last_error: string | null;
  locked_by: string | null;
  locked_until: number | null;
  cancel_requested: boolean;
  correlation_id: string | null;
  workflow_run_id: string | null;
  workflow_step_id: string | null;
  workflow_task_kind: 'step' | 'compensation' | null;
  retry_base_ms: number | null;
  retry_max_ms: number | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
}

const n = (v: number | null) => (v === null ? null : Number(v));

/**
 * A row as the task the queue and the API see. Every field is written out (no spread of the row):
 * objects of one literal shape are much cheaper to build, and a worker builds one per attempt.
 */
export function toTask(row: TasksTable): Task {
  return {
    id: row.id,
    agent_id: row.agent_id,
    action: row.action,
    input: parseJson<unknown>(row.input, null),
    status: row.status,
    priority: Number(row.priority),
    run_at: Number(row.run_at),
    attempts: Number(row.attempts),
    max_attempts: Number(row.max_attempts),
    timeout_seconds: n(row.timeout_seconds),
    idempotency_key: row.idempotency_key,
    result: parseJson<unknown>(row.result, null),
    last_error: row.last_error,
    locked_by: row.locked_by,
    locked_until: n(row.locked_until),
    cancel_requested: Number(row.cancel_requested) === 1,
    correlation_id: row.correlation_id,
    workflow_run_id: row.workflow_run_id,
    workflow_step_id: row.workflow_step_id,
    workflow_task_kind: row.workflow_task_kind,
    retry_base_ms: n(row.retry_base_ms ?? null),
    retry_max_ms: n(row.retry_max_ms ?? null),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
    started_at: n(row.started_at),
    finished_at: n(row.finished_at),
  };
}

/** A task leased to a worker for one attempt. */
export interface ClaimedTask extends Task {
  /** When this attempt was admitted; the circuit breaker matches the attempt's report by it. */
  claimedAt: number;
}

export function toClaimedTask(row: TasksTable, claimedAt: number): ClaimedTask {
  // One object per claimed task (Object.assign with a literal made a second one, once per attempt).
  const task = toTask(row) as ClaimedTask;
  task.claimedAt = claimedAt;
  return task;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const TaskViewSchema = z
  .object({
    id: z.string(),
    agent_id: z.string(),
    action: z.string(),
    input: z.unknown(),
    status: z.enum(TASK_STATUSES),
    priority: z.number().int(),
    attempts: z.number().int(),
    max_attempts: z.number().int(),
    result: z.unknown(),
    last_error: z.string().nullable(),
    idempotency_key: z.string().nullable(),
    correlation_id: z.string().nullable(),
    cancel_requested: z.boolean(),
    workflow_run_id: z.string().nullable(),
    workflow_step_id: z.string().nullable(),
    run_at: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
  })
  .meta({ id: 'Task' });
export type TaskView = z.infer<typeof TaskViewSchema>;

export function toTaskView(t: Task): TaskView {
  return {
    id: t.id,
    agent_id: t.agent_id,
    action: t.action,
    input: t.input,
    status: t.status,
    priority: t.priority,
    attempts: t.attempts,
    max_attempts: t.max_attempts,
    result: t.result,
    last_error: t.last_error,
    idempotency_key: t.idempotency_key,
    correlation_id: t.correlation_id,
    cancel_requested: t.cancel_requested,
    workflow_run_id: t.workflow_run_id,
    workflow_step_id: t.workflow_step_id,
    run_at: iso(t.run_at)!,
    created_at: iso(t.created_at)!,
    updated_at: iso(t.updated_at)!,
    started_at: iso(t.started_at),
    finished_at: iso(t.finished_at),
  };
}
