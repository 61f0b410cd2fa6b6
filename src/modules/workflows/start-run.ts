// Starting a run: its row (from a definition given, from the stored workflow's current version,
// or, on Postgres, from a version the process knows, in one round trip), its pending steps, and
// its first plan carried out. A taken idempotency key answers the run first started with it.

import { exec, send, type Program, type Tx } from '../../platform/db';
import type { WorkflowRunsTable } from '../../platform/db/schema';
import { NotFoundError } from '../../platform/errors';
import type { NewEvent } from '../events/event';
import { advance } from './advance-run';
import { json, type SagaContext, type Turn } from './saga-context';
import { stepKind, walkSteps, type AnyStep, type WorkflowDefinition } from './workflow-definition';
import { pendingStep, toRun, type RunStep, type WorkflowRun } from './workflow-run';

export interface NewRun {
  id: string;
  workflowId: string;
  version: number | null;
  definition: WorkflowDefinition;
  input: unknown;
  idempotencyKey: string | null;
  metadata: Record<string, unknown>;
  correlationId: string | null;
  parent?: { runId: string; stepId: string };
}

/** A run of a stored workflow's current version, which the run's insert reads itself. */
export type NewStoredRun = Omit<NewRun, 'version' | 'definition' | 'parent'>;

/** Inserts a run with its pending steps and starts it; a taken idempotency key answers the first run. */
export function* startRunProgram(ctx: SagaContext, trx: Tx, req: NewRun, turn: Turn): Program<{ run: WorkflowRun; created: boolean }> {
  // ON CONFLICT DO NOTHING: the unique (workflow, idempotency key) index decides between two
  // concurrent starts; the loser reads the winner's run. NULL keys never conflict.
  const {
    rows: [inserted],
  } = yield* exec(
    ctx.q.insertRun.statement({
      id: req.id,
      workflow: req.workflowId,
      version: req.version,
      input: json(req.input),
      definition: JSON.stringify(req.definition),
      key: req.idempotencyKey,
      metadata: JSON.stringify(req.metadata),
      correlation: req.correlationId,
      parentRun: req.parent?.runId ?? null,
      parentStep: req.parent?.stepId ?? null,
      t: ctx.now(),
    }),
  );
  return yield* begunOrKeyed(ctx, trx, inserted, req, turn, () => new Error(`run of workflow ${req.workflowId} with idempotency key ${req.idempotencyKey ?? ''} was neither inserted nor found`));
}

/**
 * Starts a run of a stored workflow's current version: the insert copies the definition from the
 * workflow's row, so the start reads no workflow of its own (one statement and round trip fewer).
 * Throws NotFoundError when there is no such workflow.
 */
export function* startStoredRunProgram(ctx: SagaContext, trx: Tx, req: NewStoredRun, turn: Turn): Program<{ run: WorkflowRun; created: boolean }> {
  const {
    rows: [inserted],
  } = yield* exec(
    ctx.q.insertStoredRun.statement({
      id: req.id,
      workflow: req.workflowId,
      input: json(req.input),
      key: req.idempotencyKey,
      metadata: JSON.stringify(req.metadata),
      correlation: req.correlationId,
      t: ctx.now(),
    }),
  );
  // Nothing inserted and no run under the key: there is no such workflow.
  return yield* begunOrKeyed(ctx, trx, inserted, req, turn, () => new NotFoundError('workflow', req.workflowId));
}

/** What a process knows of a stored workflow's current version, to start its runs in one round trip. */
export interface KnownVersion {
  version: number;
  /** The version's definition as stored (the run's row holds it, copied by the insert). */
  definitionText: string;
}

/**
 * Postgres: startStoredRunProgram for a workflow whose current version the process knows. The
 * run's insert is sent without waiting for its answer, and the run starts from the row as bound:
 * the whole start goes out with COMMIT in one round trip. If the insert writes nothing (the
 * version is no longer current, the workflow is gone, or the idempotency key is taken) its
 * statement raises CXW01 (insertStoredRunAt), the transaction rolls back whatever was sent after
 * it, and the caller starts the run with startStoredRunProgram (isRunNotWritten).
 */
export function* startKnownRunProgram(ctx: SagaContext, trx: Tx, req: NewStoredRun, known: KnownVersion, turn: Turn): Program<{ run: WorkflowRun; created: boolean }> {
  const t = ctx.now();
  const row: WorkflowRunsTable = {
    id: req.id,
    workflow_id: req.workflowId,
    workflow_version: known.version,
    status: 'running',
    input: json(req.input),
    definition: known.definitionText,
    idempotency_key: req.idempotencyKey,
    error: null,
    metadata: JSON.stringify(req.metadata),
    correlation_id: req.correlationId,
    parent_run_id: null,
    parent_step_id: null,
    output: null,
    created_at: t,
    updated_at: t,
    finished_at: null,
  };
  yield* send(
    ctx.q.insertStoredRunAt.statement({
      id: row.id,
      workflow: row.workflow_id,
      version: known.version,
      input: row.input,
      key: row.idempotency_key,
      metadata: row.metadata,
      correlation: row.correlation_id,
      t,
    }),
  );
  return { run: yield* beginRun(ctx, trx, row, turn), created: true };
}

/** True when `err` is a known-version start whose run's insert wrote nothing (start it the long way). */
export function isRunNotWritten(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'CXW01';
}

/** A run's insert answered: the run it inserted, started; else the run its idempotency key names, or `missing()` thrown. */
function* begunOrKeyed(
  ctx: SagaContext,
  trx: Tx,
  inserted: WorkflowRunsTable | undefined,
  req: Pick<NewRun, 'workflowId' | 'idempotencyKey'>,
  turn: Turn,
  missing: () => Error,
): Program<{ run: WorkflowRun; created: boolean }> {
  if (inserted) return { run: yield* beginRun(ctx, trx, inserted, turn), created: true };
  if (req.idempotencyKey !== null) {
    const { rows } = yield* exec(ctx.q.keyedRun.statement({ workflow: req.workflowId, key: req.idempotencyKey }));
    if (rows[0]) return { run: toRun(rows[0]), created: false };
  }
  throw missing();
}

/** A run just inserted: its pending steps, then its first plan carried out. */
function* beginRun(ctx: SagaContext, trx: Tx, inserted: WorkflowRunsTable, turn: Turn): Program<WorkflowRun> {
  const run = toRun(inserted);
  const nodes = walkSteps(run.definition.steps as AnyStep[]);
  const values: Record<string, unknown> = { run: run.id };
  const steps = new Map<string, RunStep>();
  nodes.forEach(({ step, parentId }, i) => {
    const kind = stepKind(step);
    values[`step${i}`] = step.id;
    values[`kind${i}`] = kind;
    values[`parent${i}`] = parentId;
    steps.set(step.id, pendingStep(step.id, i, kind, parentId));
  });
  // Nothing reads its answer: it goes out with the first step's start.
  yield* send(ctx.q.insertSteps.statement(values, nodes.length));
  const events: NewEvent[] = [{ type: 'SagaStarted', data: { workflow_id: run.workflow_id, version: run.workflow_version, input: run.input ?? null, metadata: run.metadata } }];
  yield* advance(ctx, trx, run, steps, events, turn);
  return run;
}
