// A run's transitions, as statement programs that run inside the transaction that caused them (a
// step's task finishing, a timer firing, an event arriving, a child run ending, a cancel request):
// plan what comes next from the definition and the steps' rows, start and park steps, end the run,
// or stop what still runs and compensate completed steps in reverse completion order. Every change
// is guarded in its WHERE, and the caller holds the run's row lock (lockRun), so a transition that
// is delivered twice changes nothing the second time.

import { exec, parseJson, send, waitOn, type DatabaseHandle, type Program, type Tx } from '../../platform/db';
import type { WorkflowRunsTable } from '../../platform/db/schema';
import { NotFoundError } from '../../platform/errors';
import { newRowId } from '../../platform/ids';
import type { NewEvent } from '../events/event';
import type { EventStore, SentAppend } from '../events/event-store';
import { WORKFLOW_TASK_KEY_PREFIX } from '../tasks/reserved-keys';
import type { TaskQueue } from '../tasks/task-queue';
import { planRun } from './plan-run';
import { referencesStepOutputs, renderTemplate, type TemplateScope } from './render-template';
import type { SagaStatements } from './saga-statements';
import { compensationOf, durationMs, isStraightLine, stepKind, stepsById, walkSteps, type AnyStep, type WorkflowDefinition } from './workflow-definition';
import { FINAL_RUN_STATUSES, isActiveLeaf, pendingStep, toRun, toRunStep, type RunStatus, type RunStep, type StepStatus, type WorkflowRun } from './workflow-run';

export const RUN_AGGREGATE = 'workflow_run';
/** The run error a cancel request leaves; the run ends `cancelled` once its compensations are done. */
export const CANCELLED_REASON = 'cancelled by request';
/** Child runs nest at most this deep (a deeper start fails its step: workflows that start each other). */
export const MAX_CHILD_DEPTH = 8;
const MAX_ERROR_LENGTH = 4000;

/** Runs in the transaction that moves a run to a final status. */
export type RunFinishedHook = (trx: Tx, run: WorkflowRun) => Promise<void>;

export interface SagaContext {
  database: DatabaseHandle;
  q: SagaStatements;
  queue: TaskQueue;
  events: EventStore;
  now: () => number;
  runFinishedHooks: readonly RunFinishedHook[];
}

/** What one transaction's transitions leave for after its commit, and their bookkeeping. */
export interface Turn {
  /** Agents with new work (worker wake-ups). */
  agents: Set<string>;
  /** Appends (their events are fanned out after the commit). */
  appended: SentAppend[];
  /**
   * Tasks and child runs to cancel, each in a transaction of its own after this one commits: a
   * task's finish locks the task, then its run; taking a task's row while holding the run's lock
   * would meet that order crosswise (a deadlock on Postgres). A parent never locks its child.
   */
  cancelTasks: Set<string>;
  cancelRuns: Set<string>;
  /** Runs being advanced in this transaction right now, and the events of their children's ends. */
  advancing: Map<string, NewEvent[]>;
  /** Runs whose child ended while they were being advanced (planned again before they return). */
  replan: Set<string>;
}

export const newTurn = (): Turn => ({ agents: new Set(), appended: [], cancelTasks: new Set(), cancelRuns: new Set(), advancing: new Map(), replan: new Set() });

/** How a leaf step ended, and which of its starts the end belongs to. */
export interface LeafEnd {
  status: 'succeeded' | 'failed' | 'cancelled';
  output?: unknown;
  error?: string | null;
  attempts?: number;
  guard: { task: string } | { child: string } | { parked: true };
  /**
   * The step's own finish was already made, earlier in the transaction (a task's success sent
   * with its batch's update, saga-orchestrator.ts prepareTaskFinishes): whether it changed the
   * step, and the completion sequence number it gave it.
   */
  finishedAhead?: { changed: boolean; seq: number | null };
}

const clip = (s: string) => s.slice(0, MAX_ERROR_LENGTH);
const changed = (result: { numAffectedRows?: bigint }) => Number(result.numAffectedRows ?? 0) > 0;
const json = (v: unknown) => JSON.stringify(v ?? null);

export function* lockRun(ctx: SagaContext, runId: string): Program<WorkflowRun | undefined> {
  const { rows } = yield* exec(ctx.q.lockRun.statement({ id: runId }));
  return rows[0] ? toRun(rows[0]) : undefined;
}

export function* loadSteps(ctx: SagaContext, runId: string): Program<Map<string, RunStep>> {
  const { rows } = yield* exec(ctx.q.runSteps.statement({ run: runId }));
  return new Map(rows.map((r) => [r.step_id, toRunStep(r)]));
}

/**
 * Appends to the run's stream; the caller holds the run's lock, so it appends at the end. Sent
 * ahead: nothing in the transition reads the events, which go out after its commit.
 */
export function* appendRunEvents(ctx: SagaContext, runId: string, events: NewEvent[], turn: Turn): Program<void> {
  if (events.length === 0) return;
  turn.appended.push(yield* ctx.events.sendAppendProgram({ aggregateType: RUN_AGGREGATE, aggregateId: runId, expectedVersion: 'any', events }));
}

function scopeOf(run: WorkflowRun, steps: ReadonlyMap<string, RunStep>): TemplateScope {
  const scope: TemplateScope = { input: run.input, steps: {} };
  for (const s of steps.values()) if (s.status === 'succeeded') scope.steps[s.step_id] = { output: s.output };
  return scope;
}

function nextSeq(steps: ReadonlyMap<string, RunStep>): number {
  let max = 0;
  for (const s of steps.values()) if (s.completed_seq !== null && s.completed_seq > max) max = s.completed_seq;
  return max + 1;
}

const set = (steps: Map<string, RunStep>, id: string, change: Partial<RunStep>) => {
  const current = steps.get(id);
  if (current) steps.set(id, { ...current, ...change });
};

/**
 * Plans the running run and carries the plan out: skips, opens and closes groups, starts leaves;
 * ends the run when every step is done. `events` (what led here) are recorded with what it did.
 */
export function* advance(ctx: SagaContext, trx: Tx, run: WorkflowRun, steps: Map<string, RunStep>, events: NewEvent[], turn: Turn): Program<void> {
  turn.advancing.set(run.id, []);
  try {
    for (;;) {
      const plan = planRun(run.definition, steps, run.input);
      if (plan.outcome === 'failed') {
        // A child run ended (or a child could not start) while this plan was carried out.
        const failed = [...steps.values()].find((s) => s.status === 'failed' || s.status === 'cancelled');
        turn.advancing.delete(run.id);
        yield* startCompensating(ctx, trx, run, steps, clip(`step ${failed?.step_id ?? '?'} failed: ${failed?.error ?? 'failed'}`), events, turn);
        return;
      }
      const scope = scopeOf(run, steps);
      const t = ctx.now();
      for (const action of plan.actions) {
        const id = action.step.id;
        switch (action.kind) {
          case 'skip':
            yield* send(ctx.q.skipStep.statement({ t, run: run.id, step: id }));
            set(steps, id, { status: 'skipped', started_at: t, finished_at: t });
            events.push({ type: 'StepSkipped', data: { step_id: id, when: action.step.when ?? null } });
            break;
          case 'open':
            yield* send(ctx.q.openStep.statement({ t, run: run.id, step: id }));
            set(steps, id, { status: 'running', started_at: t });
            events.push({ type: 'StepStarted', data: { step_id: id, kind: stepKind(action.step) } });
            break;
          case 'close':
            yield* send(ctx.q.closeStep.statement({ output: json(action.output), t, run: run.id, step: id }));
            set(steps, id, { status: 'succeeded', output: action.output, finished_at: t });
            scope.steps[id] = { output: action.output };
            events.push({ type: 'StepCompleted', data: { step_id: id, output: action.output ?? null } });
            break;
          case 'start':
            events.push(yield* startLeaf(ctx, trx, run, action.step, scope, steps, turn));
            break;
        }
      }
      if (turn.replan.delete(run.id)) {
        // A child ended during the plan: its end is recorded after its start, and planned on.
        events.push(...turn.advancing.get(run.id)!.splice(0));
        steps = yield* loadSteps(ctx, run.id);
        continue;
      }
      if (plan.outcome === 'done') {
        turn.advancing.delete(run.id);
        yield* finishRun(ctx, trx, run, 'running', 'completed', null, plan.output ?? null, [...events, { type: 'SagaCompleted', data: {} }], turn);
        return;
      }
      break;
    }
  } finally {
    turn.advancing.delete(run.id);
  }
  yield* appendRunEvents(ctx, run.id, events, turn);
}

/** Starts a leaf: enqueues an agent step's task, parks a sleep or a wait, or starts a child run. */
function* startLeaf(ctx: SagaContext, trx: Tx, run: WorkflowRun, step: AnyStep, scope: TemplateScope, steps: Map<string, RunStep>, turn: Turn): Program<NewEvent> {
  const t = ctx.now();
  const deadline = step.timeout_seconds !== undefined ? t + step.timeout_seconds * 1000 : null;
  switch (stepKind(step)) {
    case 'sleep': {
      const wake = t + durationMs(step.sleep!);
      yield* exec(ctx.q.parkStep.statement({ t, wake, type: null, spec: null, run: run.id, step: step.id }));
      set(steps, step.id, { status: 'waiting', started_at: t, wake_at: wake });
      return { type: 'StepWaiting', data: { step_id: step.id, kind: 'sleep', until: new Date(wake).toISOString() } };
    }
    case 'wait': {
      const wait = step.wait_for_event!;
      const wake = t + durationMs(wait.timeout);
      // Only events appended after the wait began count: it remembers the stream's head.
      const { rows } = yield* exec(ctx.q.headPosition.statement({}));
      const after = Number(rows[0]?.head ?? 0);
      const match = renderTemplate(wait.match ?? {}, scope) as Record<string, unknown>;
      yield* exec(ctx.q.parkStep.statement({ t, wake, type: wait.type, spec: JSON.stringify({ match, after }), run: run.id, step: step.id }));
      set(steps, step.id, { status: 'waiting', started_at: t, wake_at: wake, wait_type: wait.type });
      return { type: 'StepWaiting', data: { step_id: step.id, kind: 'wait', event_type: wait.type, match, until: new Date(wake).toISOString() } };
    }
    case 'workflow':
      return yield* startChild(ctx, trx, run, step, scope, steps, deadline, turn);
    default: {
      // The insert, the step's start and the rest of the transition go out together, unanswered
      // (an insert that fails fails the transaction at its COMMIT). The step runs the task that
      // holds its key (WORKFLOW_TASK_KEY_PREFIX): the one inserted here, as only a saga makes such keys.
      const key = `${WORKFLOW_TASK_KEY_PREFIX}${run.id}:${step.id}`;
      const { task } = yield* ctx.queue.sendEnqueueProgram({
        agentId: step.agent_id!,
        action: step.action!,
        input: renderTemplate(step.input ?? {}, scope),
        timeoutSeconds: step.timeout_seconds,
        maxAttempts: step.retry?.max_attempts ?? step.max_attempts,
        retry: step.retry?.backoff_seconds !== undefined || step.retry?.max_backoff_seconds !== undefined ? { baseMs: secondsToMs(step.retry.backoff_seconds), maxMs: secondsToMs(step.retry.max_backoff_seconds) } : undefined,
        idempotencyKey: key,
        correlationId: run.correlation_id,
        workflow: { runId: run.id, stepId: step.id, kind: 'step' },
      });
      yield* send(ctx.q.startTaskStep.statement({ task: task.id, agent: step.agent_id!, key, t, deadline, run: run.id, step: step.id }));
      set(steps, step.id, { status: 'running', task_id: task.id, started_at: t, wake_at: deadline });
      turn.agents.add(step.agent_id!);
      return { type: 'StepStarted', data: { step_id: step.id, agent_id: step.agent_id!, action: step.action!, task_id: task.id } };
    }
  }
}

const secondsToMs = (s: number | undefined) => (s === undefined ? undefined : Math.round(s * 1000));

function* startChild(ctx: SagaContext, trx: Tx, run: WorkflowRun, step: AnyStep, scope: TemplateScope, steps: Map<string, RunStep>, deadline: number | null, turn: Turn): Program<NewEvent> {
  const t = ctx.now();
  const depth = Number(run.metadata.depth ?? 0) + 1;
  const { rows } = yield* exec(ctx.q.findWorkflow.statement({ id: step.workflow! }));
  const stored = rows[0];
  const childId = newRowId();
  // The step is running with its child before the child starts: a child that ends at once finds it.
  yield* exec(ctx.q.startChildStep.statement({ child: childId, t, deadline, run: run.id, step: step.id }));
  set(steps, step.id, { status: 'running', child_run_id: childId, started_at: t, wake_at: deadline });
  const started: NewEvent = { type: 'StepStarted', data: { step_id: step.id, kind: 'workflow', workflow_id: step.workflow!, child_run_id: childId } };
  const refusal = !stored ? `workflow "${step.workflow}" is not defined` : depth > MAX_CHILD_DEPTH ? `child runs nest deeper than ${MAX_CHILD_DEPTH} (workflows that start each other?)` : undefined;
  if (refusal) {
    yield* exec(ctx.q.finishChildStep.statement({ status: 'failed', output: null, error: refusal, seq: null, t, run: run.id, step: step.id, child: childId }));
    turn.advancing.get(run.id)?.push({ type: 'StepFailed', data: { step_id: step.id, child_run_id: null, error: refusal } });
    turn.replan.add(run.id);
    return started;
  }
  const definition = JSON.parse(stored!.definition) as WorkflowDefinition;
  yield* startRunProgram(
    ctx,
    trx,
    {
      id: childId,
      workflowId: stored!.id,
      version: Number(stored!.version),
      definition,
      input: renderTemplate(step.input ?? {}, scope),
      idempotencyKey: null,
      metadata: { parent_run_id: run.id, parent_step_id: step.id, depth },
      correlationId: run.correlation_id,
      parent: { runId: run.id, stepId: step.id },
    },
    turn,
  );
  return started;
}

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

/**
 * The steps' states of a running straight-line run (agent steps one after another, no conditions)
 * whose step `stepId` is ending, without reading them: every step before it succeeded and every
 * step after it is pending, or the run would not be running. Undefined where that does not hold
 * or where the next step's input reads earlier outputs (the rows are read then).
 */
function straightLineSteps(run: WorkflowRun, stepId: string): Map<string, RunStep> | undefined {
  if (run.status !== 'running' || !isStraightLine(run.definition)) return undefined;
  const defs = run.definition.steps;
  const index = defs.findIndex((s) => s.id === stepId);
  if (index < 0 || (index + 1 < defs.length && referencesStepOutputs(defs[index + 1]!.input))) return undefined;
  const steps = new Map<string, RunStep>();
  defs.forEach((s, i) => {
    // In a straight line completions come in step order.
    const state = i < index ? { status: 'succeeded' as const, completed_seq: i + 1 } : i === index ? { status: 'running' as const } : {};
    steps.set(s.id, { ...pendingStep(s.id, i, 'agent', null), ...state });
  });
  return steps;
}

/** Records a leaf's end and moves the run on: plans what follows, or compensates after a failure. */
export function* finishLeaf(ctx: SagaContext, trx: Tx, run: WorkflowRun, stepId: string, end: LeafEnd, turn: Turn): Program<boolean> {
  const steps = straightLineSteps(run, stepId) ?? (yield* loadSteps(ctx, run.id));
  const step = steps.get(stepId);
  if (!step) return false;
  const t = ctx.now();
  const succeeded = end.status === 'succeeded';
  const status: StepStatus = end.status;
  const output = succeeded ? (end.output ?? null) : null;
  const error = succeeded ? null : clip(end.error ?? end.status);
  const { guard, finishedAhead: ahead } = end;
  const seq = ahead ? ahead.seq : succeeded ? nextSeq(steps) : null;
  const base = { status, output: succeeded ? json(output) : null, error, seq, t, run: run.id, step: stepId };
  const finished = ahead
    ? ahead.changed
    : changed(
        'task' in guard
          ? yield* exec(ctx.q.finishTaskStep.statement({ ...base, attempts: end.attempts ?? step.attempts, task: guard.task }))
          : 'child' in guard
            ? yield* exec(ctx.q.finishChildStep.statement({ ...base, child: guard.child }))
            : yield* exec(ctx.q.finishParkedStep.statement(base)),
      );
  if (!finished) return false; // already ended (a redelivered finish, a timer that fired twice)
  set(steps, stepId, { status, output, error, completed_seq: seq, finished_at: t, wake_at: null, attempts: end.attempts ?? step.attempts });

  const ref = 'task' in guard ? { task_id: guard.task } : 'child' in guard ? { child_run_id: guard.child } : {};
  const attempts = end.attempts !== undefined ? { attempts: end.attempts } : {};
  const event: NewEvent = succeeded
    ? { type: 'StepCompleted', data: { step_id: stepId, ...ref, ...attempts, output } }
    : end.status === 'cancelled'
      ? { type: 'StepCancelled', data: { step_id: stepId, ...ref, error } }
      : { type: 'StepFailed', data: { step_id: stepId, ...ref, ...attempts, error } };

  const deferred = turn.advancing.get(run.id);
  if (deferred) {
    // The run is being planned further up this transaction (this step was a child that ended at once).
    deferred.push(event);
    turn.replan.add(run.id);
    return true;
  }
  if (run.status === 'running') {
    if (succeeded) yield* advance(ctx, trx, run, steps, [event], turn);
    else yield* startCompensating(ctx, trx, run, steps, clip(`step ${stepId} ${end.status === 'cancelled' ? 'was cancelled' : 'failed'}: ${error}`), [event], turn);
    return true;
  }
  // A cancel or another branch's failure came first: a step that completed anyway is undone too.
  yield* appendRunEvents(ctx, run.id, [event], turn);
  if (run.status === 'compensating') yield* compensateNext(ctx, trx, run, turn);
  return true;
}

/**
 * Moves a running run to compensating: sleeps and waits end at once; running steps' tasks and
 * child runs are cancelled after the commit. Compensation starts once nothing runs any more (the
 * last running step's end starts it).
 */
export function* startCompensating(ctx: SagaContext, trx: Tx, run: WorkflowRun, steps: Map<string, RunStep>, reason: string, events: NewEvent[], turn: Turn): Program<void> {
  const t = ctx.now();
  yield* exec(ctx.q.startCompensating.statement({ error: reason, t, id: run.id }));
  run = { ...run, status: 'compensating', error: reason };
  events.push({ type: 'CompensationStarted', data: { reason } });
  const active = [...steps.values()].filter(isActiveLeaf);
  // Running tasks end after this commit (a queued one at once, a running one when its worker
  // sees the request); each end comes back through finishLeaf while the run compensates.
  for (const s of active) if (s.kind === 'agent' && s.task_id) turn.cancelTasks.add(s.task_id);
  for (const s of active.filter((a) => a.status === 'waiting')) {
    yield* exec(ctx.q.finishParkedStep.statement({ status: 'cancelled', output: null, error: 'the run stopped waiting', seq: null, t, run: run.id, step: s.step_id }));
    set(steps, s.step_id, { status: 'cancelled' });
    events.push({ type: 'StepCancelled', data: { step_id: s.step_id, error: 'the run stopped waiting' } });
  }
  for (const s of active) if (s.kind === 'workflow' && s.child_run_id) turn.cancelRuns.add(s.child_run_id);
  yield* exec(ctx.q.failOpenSteps.statement({ t, run: run.id }));
  yield* appendRunEvents(ctx, run.id, events, turn);
  if (![...steps.values()].some(isActiveLeaf)) yield* compensateNext(ctx, trx, run, turn);
}

/**
 * Once nothing runs, starts the compensation of the last completed step that has one (reverse
 * completion order, one at a time), or, when none is left, ends the run: `failed` if a compensation
 * failed, `cancelled` after a cancel request, else `compensated`.
 */
export function* compensateNext(ctx: SagaContext, trx: Tx, run: WorkflowRun, turn: Turn): Program<void> {
  const steps = [...(yield* loadSteps(ctx, run.id)).values()];
  if (steps.some(isActiveLeaf)) return;
  const defs = stepsById(run.definition);
  const order = (s: RunStep) => s.completed_seq ?? s.position;
  const next = steps
    .filter((s) => s.status === 'succeeded' && defs.has(s.step_id) && compensationOf(defs.get(s.step_id)!) !== undefined)
    .sort((a, b) => order(b) - order(a))[0];
  if (next) {
    const def = defs.get(next.step_id)!;
    const comp = compensationOf(def)!;
    const { task } = yield* ctx.queue.enqueueProgram({
      agentId: comp.agentId,
      action: comp.action,
      input: { step_id: next.step_id, output: next.output, input: run.input },
      timeoutSeconds: def.timeout_seconds,
      maxAttempts: def.retry?.max_attempts ?? def.max_attempts,
      idempotencyKey: `${WORKFLOW_TASK_KEY_PREFIX}${run.id}:${next.step_id}:compensation`,
      correlationId: run.correlation_id,
      workflow: { runId: run.id, stepId: next.step_id, kind: 'compensation' },
    });
    yield* exec(ctx.q.startCompensation.statement({ task: task.id, run: run.id, step: next.step_id }));
    turn.agents.add(comp.agentId);
    yield* appendRunEvents(ctx, run.id, [{ type: 'CompensationStepStarted', data: { step_id: next.step_id, agent_id: comp.agentId, action: comp.action, task_id: task.id } }], turn);
    return;
  }
  const failedCompensations = steps.filter((s) => s.status === 'compensation_failed').map((s) => s.step_id);
  if (failedCompensations.length > 0) {
    yield* finishRun(ctx, trx, run, 'compensating', 'failed', run.error, null, [{ type: 'SagaFailed', data: { error: run.error, failed_compensations: failedCompensations } }], turn);
  } else if (run.error === CANCELLED_REASON) {
    yield* finishRun(ctx, trx, run, 'compensating', 'cancelled', run.error, null, [{ type: 'SagaCancelled', data: {} }], turn);
  } else {
    yield* finishRun(ctx, trx, run, 'compensating', 'compensated', run.error, null, [{ type: 'SagaCompensated', data: { error: run.error } }], turn);
  }
}

/** A compensation task ended: record it, then go on with the next compensation. */
export function* finishCompensation(ctx: SagaContext, trx: Tx, run: WorkflowRun, stepId: string, taskId: string, outcome: 'succeeded' | 'failed' | 'cancelled', taskError: string | null, attempts: number, turn: Turn): Program<void> {
  const succeeded = outcome === 'succeeded';
  const error = succeeded ? null : clip(outcome === 'cancelled' ? 'compensation cancelled' : (taskError ?? 'failed'));
  const steps = yield* loadSteps(ctx, run.id);
  const updated = yield* exec(
    ctx.q.finishCompensation.statement({
      status: succeeded ? 'compensated' : 'compensation_failed',
      error: succeeded ? (steps.get(stepId)?.error ?? null) : clip(`compensation failed: ${error}`),
      run: run.id,
      step: stepId,
      task: taskId,
    }),
  );
  if (!changed(updated)) return;
  if (succeeded) {
    yield* appendRunEvents(ctx, run.id, [{ type: 'StepCompensated', data: { step_id: stepId, task_id: taskId, attempts } }], turn);
  } else {
    // The failure is recorded on the run and the remaining compensations still run.
    const reason = clip([run.error, `compensation of step ${stepId} failed: ${error}`].filter(Boolean).join('; '));
    yield* exec(ctx.q.compensatingError.statement({ error: reason, t: ctx.now(), id: run.id }));
    run = { ...run, error: reason };
    yield* appendRunEvents(ctx, run.id, [{ type: 'CompensationFailed', data: { step_id: stepId, task_id: taskId, attempts, error } }], turn);
  }
  if (run.status === 'compensating') yield* compensateNext(ctx, trx, run, turn);
}

/**
 * Ends the run (if still in `from`) and records `events` (those leading up to it, then its own);
 * the run-finished hooks run in `trx`, and a child's end moves its parent's step on.
 */
export function* finishRun(ctx: SagaContext, trx: Tx, run: WorkflowRun, from: RunStatus, status: RunStatus, error: string | null, output: unknown, events: NewEvent[], turn: Turn): Program<void> {
  const t = ctx.now();
  const values = { status, error, output: status === 'completed' ? json(output) : null, t, id: run.id, from };
  let finished: WorkflowRun;
  if (ctx.database.strategy.pipelinesStatements && run.status === from) {
    // Postgres, the run read under its lock in this transaction and in the status it leaves: its
    // end cannot miss, so it goes out with the next statement (no round trip of its own), asserting
    // that it wrote, and the ended run is the one at hand with the end's changes.
    yield* send(ctx.q.finishKnownRun.statement(values));
    finished = { ...run, status, error, output: values.output === null ? null : parseJson<unknown>(values.output, null), updated_at: t, finished_at: t };
  } else {
    const { rows } = yield* exec(ctx.q.finishRun.statement(values));
    const row = rows[0];
    if (!row) {
      // Another transition ended it first; what led up to this one is still recorded.
      if (events.length > 1) yield* appendRunEvents(ctx, run.id, events.slice(0, -1), turn);
      return;
    }
    finished = toRun(row);
  }
  yield* appendRunEvents(ctx, run.id, events, turn);
  for (const hook of ctx.runFinishedHooks) yield* waitOn(() => hook(trx, finished));
  if (finished.parent_run_id && finished.parent_step_id) yield* childRunFinished(ctx, trx, finished, turn);
}

/** A child run ended: its parent's step ends with it (the child's lock is held, then the parent's). */
function* childRunFinished(ctx: SagaContext, trx: Tx, child: WorkflowRun, turn: Turn): Program<void> {
  const parent = yield* lockRun(ctx, child.parent_run_id!);
  if (!parent || FINAL_RUN_STATUSES.includes(parent.status)) return;
  const status = child.status === 'completed' ? 'succeeded' : child.status === 'cancelled' ? 'cancelled' : 'failed';
  yield* finishLeaf(
    ctx,
    trx,
    parent,
    child.parent_step_id!,
    {
      status,
      output: child.output,
      error: status === 'succeeded' ? null : `child run ${child.id} ended ${child.status}${child.error ? `: ${child.error}` : ''}`,
      guard: { child: child.id },
    },
    turn,
  );
}
