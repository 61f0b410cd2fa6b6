// The saga orchestrator: starts runs and advances them from the task queue's finish hook, inside the
// transaction that finishes the step's task. Saga state lives only in the database, so a crash at any
// point either commits "task finished + saga advanced" together or neither; every transition is
// guarded by the current status in its WHERE, so a redelivered hook cannot advance a run twice.

import { newRowId } from '../../platform/ids';
import { exec, runProgram, waitOn, type DatabaseHandle, type Program, type Tx } from '../../platform/db';
import type { WorkflowRunStepsTable, WorkflowRunsTable } from '../../platform/db/schema';
import { queryTemplate } from '../../platform/db/query-template';
import { NotFoundError } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import type { Notifier } from '../../platform/notifier';
import type { NewEvent, StoredEvent, WorkflowEvent } from '../events/event';
import type { EventStore } from '../events/event-store';
import { publishAppended } from '../events/publish-appended';
import type { Task } from '../tasks/task';
import { subscribeFinished } from '../tasks/finished-notice';
import type { FinishOutcome, TaskQueue } from '../tasks/task-queue';
import { TaskStateError } from '../tasks/task-errors';
import { referencesStepOutputs, renderTemplate, type TemplateScope } from './render-template';
import { compensationOf, type WorkflowDefinition } from './workflow-definition';
import { RunStateError } from './workflow-errors';
import { FINAL_RUN_STATUSES, toRun, toRunStep, type RunStatus, type RunStep, type WorkflowRun } from './workflow-run';
import type { WorkflowStore } from './workflow-store';

export const RUN_AGGREGATE = 'workflow_run';
/** The run error a cancel request leaves; the run ends `cancelled` once its compensations are done. */
export const CANCELLED_REASON = 'cancelled by request';

/** Runs in the transaction that moves a run to a final status. */
export type RunFinishedHook = (trx: Tx, run: WorkflowRun) => Promise<void>;

export interface StartRunOptions {
  idempotencyKey?: string | null;
  metadata?: Record<string, unknown>;
  correlationId?: string | null;
}

export interface SagaOrchestrator {
  /** Starts a run (or returns the one started with the same idempotency key; `created` tells which). */
  startRun(workflowId: string, input: unknown, opts?: StartRunOptions): Promise<{ run: WorkflowRun; created: boolean }>;
  /** Stops the running step and compensates the completed ones; the run ends `cancelled`. */
  cancelRun(runId: string): Promise<WorkflowRun>;
  getRun(runId: string): Promise<WorkflowRun | undefined>;
  steps(runId: string): Promise<RunStep[]>;
  timeline(runId: string): Promise<WorkflowEvent[]>;
  listRuns(filter: { workflowId?: string; status?: RunStatus; limit: number; offset: number }): Promise<{ runs: WorkflowRun[]; total: number }>;
  /** The queue's finish hook (register with queue.onFinished), as a statement program. */
  handleTaskFinished(trx: Tx, task: Task, outcome: FinishOutcome): Program<void>;
  onRunFinished(hook: RunFinishedHook): void;
}

export interface SagaOrchestratorOptions {
  database: DatabaseHandle;
  queue: TaskQueue;
  events: EventStore;
  workflows: WorkflowStore;
  notifier: Notifier;
  logger: Logger;
  now?: () => number;
}

/** Work to announce once a hook's transaction has committed (worker wake-ups, event fan-out). */
interface AfterCommit {
  agents: Set<string>;
  appended: StoredEvent[];
}

const MAX_ERROR_LENGTH = 4000;
const PENDING_NOTICE_TTL_MS = 60_000;

export function createSagaOrchestrator(opts: SagaOrchestratorOptions): SagaOrchestrator {
  const { db, strategy } = opts.database;
  const now = opts.now ?? Date.now;
  const log = opts.logger.child('workflows');
  const runFinishedHooks: RunFinishedHook[] = [];
  // A hook cannot see its transaction commit; the queue announces every committed finish on
  // `task-finished`, so the notices wait here for it. A rolled-back finish never announces: its
  // notice expires, and pollers pick the work up anyway (notices only shorten the wait).
  const pendingNotices = new Map<string, AfterCommit & { expires: number }>();
  subscribeFinished(opts.notifier, (taskIds) => {
    if (pendingNotices.size === 0) return;
    for (const taskId of taskIds) {
      const notice = pendingNotices.get(taskId);
      if (notice) {
        pendingNotices.delete(taskId);
        announce(notice);
      }
    }
    const t = now();
    for (const [id, n] of pendingNotices) if (n.expires < t) pendingNotices.delete(id);
  });

  function announce(notice: AfterCommit) {
    for (const agentId of notice.agents) opts.notifier.publish('tasks', agentId);
    publishAppended(opts.notifier, notice.appended);
  }

  /** Appends to the run's stream; the caller holds the run's lock, so it appends at the end. */
  function* appendRunEvents(runId: string, events: NewEvent[], after: AfterCommit): Program<void> {
    const appended = yield* opts.events.appendProgram({ aggregateType: RUN_AGGREGATE, aggregateId: runId, expectedVersion: 'any', events });
    after.appended.push(...appended);
  }

  // The statements of the transitions, built and compiled once. The transitions are statement
  // programs (platform/db/statement-program.ts): on SQLite, inside the finishing transaction, they
  // run straight on its connection without a promise per statement.
  const lockRunQuery = queryTemplate<'id', WorkflowRunsTable>((p) => {
    const q = db.selectFrom('workflow_runs').selectAll().where('id', '=', p.id);
    return strategy.supportsSkipLocked ? q.forUpdate() : q;
  });
  const finishStepQuery = queryTemplate<'status' | 'output' | 'error' | 'attempts' | 't' | 'run' | 'step' | 'task', never>((p) =>
    db
      .updateTable('workflow_run_steps')
      .set({ status: p.status, output: p.output, error: p.error, attempts: p.attempts, finished_at: p.t })
      .where('run_id', '=', p.run)
      .where('step_id', '=', p.step)
      .where('status', '=', 'running')
      .where('task_id', '=', p.task),
  );
  const startStepQuery = queryTemplate<'task' | 't' | 'run' | 'step', never>((p) =>
    db
      .updateTable('workflow_run_steps')
      .set({ status: 'running', task_id: p.task, started_at: p.t })
      .where('run_id', '=', p.run)
      .where('step_id', '=', p.step)
      .where('status', '=', 'pending'),
  );
  const finishRunQuery = queryTemplate<'status' | 'error' | 't' | 'id' | 'from', WorkflowRunsTable>((p) =>
    db.updateTable('workflow_runs').set({ status: p.status, error: p.error, updated_at: p.t, finished_at: p.t }).where('id', '=', p.id).where('status', '=', p.from).returningAll(),
  );

  const insertRunQuery = queryTemplate<'id' | 'workflow' | 'input' | 'definition' | 'key' | 'metadata' | 'correlation' | 't', WorkflowRunsTable>((p) =>
    db
      .insertInto('workflow_runs')
      .values({
        id: p.id,
        workflow_id: p.workflow,
        status: 'running',
        input: p.input,
        definition: p.definition,
        idempotency_key: p.key,
        error: null,
        metadata: p.metadata,
        correlation_id: p.correlation,
        created_at: p.t,
        updated_at: p.t,
        finished_at: null,
      })
      .onConflict((oc) => oc.columns(['workflow_id', 'idempotency_key']).doNothing())
      .returningAll(),
  );
  /** The pending step rows of a new run with `k` steps (`step0` … `step{k-1}`, in order). */
  const insertStepsQuery = queryTemplate<string, never>((p, k) =>
    db.insertInto('workflow_run_steps').values(
      Array.from({ length: k }, (_, i) => ({
        run_id: p.run,
        step_id: p[`step${i}`],
        position: i,
        status: 'pending' as const,
        task_id: null,
        compensation_task_id: null,
        attempts: 0,
        output: null,
        error: null,
        started_at: null,
        finished_at: null,
      })),
    ),
  );

  const runStepsQuery = queryTemplate<'run', WorkflowRunStepsTable>((p) => db.selectFrom('workflow_run_steps').selectAll().where('run_id', '=', p.run).orderBy('position'));
  const startCompensationQuery = queryTemplate<'task' | 'run' | 'step', never>((p) =>
    db
      .updateTable('workflow_run_steps')
      .set({ status: 'compensating', compensation_task_id: p.task })
      .where('run_id', '=', p.run)
      .where('step_id', '=', p.step)
      .where('status', '=', 'succeeded'),
  );
  const stepErrorQuery = queryTemplate<'run' | 'step', { error: string | null }>((p) =>
    db.selectFrom('workflow_run_steps').select('error').where('run_id', '=', p.run).where('step_id', '=', p.step),
  );
  const finishCompensationQuery = queryTemplate<'status' | 'error' | 'run' | 'step' | 'task', never>((p) =>
    db
      .updateTable('workflow_run_steps')
      .set({ status: p.status, error: p.error })
      .where('run_id', '=', p.run)
      .where('step_id', '=', p.step)
      .where('status', '=', 'compensating')
      .where('compensation_task_id', '=', p.task),
  );
  /** A running run starts compensating, with the reason. */
  const startCompensatingQuery = queryTemplate<'error' | 't' | 'id', never>((p) =>
    db.updateTable('workflow_runs').set({ status: 'compensating', error: p.error, updated_at: p.t }).where('id', '=', p.id).where('status', '=', 'running'),
  );
  const compensatingErrorQuery = queryTemplate<'error' | 't' | 'id', never>((p) =>
    db.updateTable('workflow_runs').set({ error: p.error, updated_at: p.t }).where('id', '=', p.id).where('status', '=', 'compensating'),
  );
  const keyedRunQuery = queryTemplate<'workflow' | 'key', WorkflowRunsTable>((p) =>
    db.selectFrom('workflow_runs').selectAll().where('workflow_id', '=', p.workflow).where('idempotency_key', '=', p.key),
  );

  const changed = (result: { numAffectedRows?: bigint }) => Number(result.numAffectedRows ?? 0) > 0;

  /** Reads the run, holding its row lock on Postgres so two transitions of one run serialize. */
  function* lockRun(runId: string): Program<WorkflowRun | undefined> {
    const { rows } = yield* exec(lockRunQuery.statement({ id: runId }));
    return rows[0] ? toRun(rows[0]) : undefined;
  }

  function* runSteps(runId: string): Program<RunStep[]> {
    return (yield* exec(runStepsQuery.statement({ run: runId }))).rows.map(toRunStep);
  }

  /** Renders and enqueues step `index`, marks it running and records StepStarted. */
  function* startStep(run: WorkflowRun, index: number, after: AfterCommit): Program<NewEvent> {
    const step = run.definition.steps[index]!;
    const scope: TemplateScope = { input: run.input, steps: {} };
    // Earlier steps' outputs are read only for an input that uses them.
    if (referencesStepOutputs(step.input)) {
      for (const s of yield* runSteps(run.id)) if (s.output !== null) scope.steps[s.step_id] = { output: s.output };
    }
    const { task } = yield* opts.queue.enqueueProgram({
      agentId: step.agent_id,
      action: step.action,
      input: renderTemplate(step.input ?? {}, scope),
      timeoutSeconds: step.timeout_seconds,
      maxAttempts: step.max_attempts,
      // A second enqueue of the same step (it cannot happen past the status guards) would get the first task back.
      idempotencyKey: `workflow:${run.id}:${step.id}`,
      correlationId: run.correlation_id,
      workflow: { runId: run.id, stepId: step.id, kind: 'step' },
    });
    yield* exec(startStepQuery.statement({ task: task.id, t: now(), run: run.id, step: step.id }));
    after.agents.add(step.agent_id);
    return { type: 'StepStarted', data: { step_id: step.id, agent_id: step.agent_id, action: step.action, task_id: task.id } } satisfies NewEvent;
  }

  /**
   * Ends the run (if still in `from`) and records `events` (those leading up to it, then its own);
   * the run-finished hooks run in `trx`.
   */
  function* finishRun(trx: Tx, run: WorkflowRun, from: RunStatus, status: RunStatus, error: string | null, events: NewEvent[], after: AfterCommit): Program<void> {
    const { rows } = yield* exec(finishRunQuery.statement({ status, error, t: now(), id: run.id, from }));
    const row = rows[0];
    if (!row) {
      // Another transition ended it first; what led up to this one is still recorded.
      if (events.length > 1) yield* appendRunEvents(run.id, events.slice(0, -1), after);
      return;
    }
    yield* appendRunEvents(run.id, events, after);
    const finished = toRun(row);
    for (const hook of runFinishedHooks) yield* waitOn(() => hook(trx, finished));
  }

  /**
   * Starts the compensation of the last completed step that has one (reverse order, one at a time),
   * or, when none is left, ends the run: `failed` if any compensation failed, `cancelled` after a
   * cancel request, else `compensated`.
   */
  function* compensateNext(trx: Tx, run: WorkflowRun, after: AfterCommit): Program<void> {
    const steps = yield* runSteps(run.id);
    const next = [...steps]
      .reverse()
      .find((s) => s.status === 'succeeded' && compensationOf(stepDef(run.definition, s.step_id)) !== undefined);
    if (next) {
      const def = stepDef(run.definition, next.step_id);
      const comp = compensationOf(def)!;
      const { task } = yield* opts.queue.enqueueProgram({
        agentId: comp.agentId,
        action: comp.action,
        input: { step_id: next.step_id, output: next.output, input: run.input },
        timeoutSeconds: def.timeout_seconds,
        maxAttempts: def.max_attempts,
        idempotencyKey: `workflow:${run.id}:${next.step_id}:compensation`,
        correlationId: run.correlation_id,
        workflow: { runId: run.id, stepId: next.step_id, kind: 'compensation' },
      });
      yield* exec(startCompensationQuery.statement({ task: task.id, run: run.id, step: next.step_id }));
      after.agents.add(comp.agentId);
      yield* appendRunEvents(run.id, [{ type: 'CompensationStepStarted', data: { step_id: next.step_id, agent_id: comp.agentId, action: comp.action, task_id: task.id } }], after);
      return;
    }
    const failedCompensations = steps.filter((s) => s.status === 'compensation_failed').map((s) => s.step_id);
    if (failedCompensations.length > 0) {
      yield* finishRun(trx, run, 'compensating', 'failed', run.error, [{ type: 'SagaFailed', data: { error: run.error, failed_compensations: failedCompensations } }], after);
    } else if (run.error === CANCELLED_REASON) {
      yield* finishRun(trx, run, 'compensating', 'cancelled', run.error, [{ type: 'SagaCancelled', data: {} }], after);
    } else {
      yield* finishRun(trx, run, 'compensating', 'compensated', run.error, [{ type: 'SagaCompensated', data: { error: run.error } }], after);
    }
  }

  function* onStepTaskFinished(trx: Tx, run: WorkflowRun, task: Task, outcome: FinishOutcome, after: AfterCommit): Program<void> {
    const stepId = task.workflow_step_id!;
    const t = now();
    const succeeded = outcome === 'succeeded';
    const error = succeeded ? null : (outcome === 'cancelled' ? 'cancelled' : (task.last_error ?? 'failed')).slice(0, MAX_ERROR_LENGTH);
    const updated = yield* exec(
      finishStepQuery.statement({
        status: succeeded ? 'succeeded' : 'failed',
        output: succeeded ? JSON.stringify(task.result ?? null) : null,
        error,
        attempts: task.attempts,
        t,
        run: run.id,
        step: stepId,
        task: task.id,
      }),
    );
    if (!changed(updated)) return; // already advanced (a redelivered finish)

    if (succeeded) {
      const events: NewEvent[] = [{ type: 'StepCompleted', data: { step_id: stepId, task_id: task.id, attempts: task.attempts, output: task.result ?? null } }];
      if (run.status !== 'running') {
        // A cancel request arrived while the step ran: its work is done, so it is undone too.
        yield* appendRunEvents(run.id, events, after);
        if (run.status === 'compensating') yield* compensateNext(trx, run, after);
        return;
      }
      const index = run.definition.steps.findIndex((s) => s.id === stepId);
      if (index >= 0 && index + 1 < run.definition.steps.length) {
        events.push(yield* startStep(run, index + 1, after));
        yield* appendRunEvents(run.id, events, after);
        return;
      }
      yield* finishRun(trx, run, 'running', 'completed', null, [...events, { type: 'SagaCompleted', data: {} }], after);
      return;
    }

    const events: NewEvent[] = [{ type: 'StepFailed', data: { step_id: stepId, task_id: task.id, attempts: task.attempts, error } }];
    if (run.status === 'running') {
      const reason = `step ${stepId} failed: ${error}`.slice(0, MAX_ERROR_LENGTH);
      yield* exec(startCompensatingQuery.statement({ error: reason, t, id: run.id }));
      run = { ...run, status: 'compensating', error: reason };
      events.push({ type: 'CompensationStarted', data: { reason } });
    }
    yield* appendRunEvents(run.id, events, after);
    if (run.status === 'compensating') yield* compensateNext(trx, run, after);
  }

  function* onCompensationTaskFinished(trx: Tx, run: WorkflowRun, task: Task, outcome: FinishOutcome, after: AfterCommit): Program<void> {
    const stepId = task.workflow_step_id!;
    const succeeded = outcome === 'succeeded';
    const error = succeeded ? null : (outcome === 'cancelled' ? 'compensation cancelled' : (task.last_error ?? 'failed')).slice(0, MAX_ERROR_LENGTH);
    const { rows: step } = yield* exec(stepErrorQuery.statement({ run: run.id, step: stepId }));
    const updated = yield* exec(
      finishCompensationQuery.statement({
        status: succeeded ? 'compensated' : 'compensation_failed',
        error: succeeded ? (step[0]?.error ?? null) : `compensation failed: ${error}`.slice(0, MAX_ERROR_LENGTH),
        run: run.id,
        step: stepId,
        task: task.id,
      }),
    );
    if (!changed(updated)) return;
    if (succeeded) {
      yield* appendRunEvents(run.id, [{ type: 'StepCompensated', data: { step_id: stepId, task_id: task.id, attempts: task.attempts } }], after);
    } else {
      // The failure is recorded on the run and the remaining compensations still run.
      const reason = [run.error, `compensation of step ${stepId} failed: ${error}`].filter(Boolean).join('; ').slice(0, MAX_ERROR_LENGTH);
      yield* exec(compensatingErrorQuery.statement({ error: reason, t: now(), id: run.id }));
      run = { ...run, error: reason };
      yield* appendRunEvents(run.id, [{ type: 'CompensationFailed', data: { step_id: stepId, task_id: task.id, attempts: task.attempts, error } }], after);
    }
    if (run.status === 'compensating') yield* compensateNext(trx, run, after);
  }

  /** Advances the run of a finished step or compensation task, in the transaction that finishes it. */
  function* taskFinished(trx: Tx, task: Task, outcome: FinishOutcome): Program<void> {
    if (!task.workflow_run_id || !task.workflow_step_id) return;
    const run = yield* lockRun(task.workflow_run_id!);
    if (!run || FINAL_RUN_STATUSES.includes(run.status)) return;
    const after: AfterCommit = { agents: new Set(), appended: [] };
    if (task.workflow_task_kind === 'compensation') yield* onCompensationTaskFinished(trx, run, task, outcome, after);
    else yield* onStepTaskFinished(trx, run, task, outcome, after);
    if (after.agents.size > 0 || after.appended.length > 0) pendingNotices.set(task.id, { ...after, expires: now() + PENDING_NOTICE_TTL_MS });
  }

  function* start(workflowId: string, definition: WorkflowDefinition, input: unknown, startOpts: StartRunOptions, after: AfterCommit): Program<{ run: WorkflowRun; created: boolean }> {
    const t = now();
    const id = newRowId();
    const key = startOpts.idempotencyKey ?? null;
    // ON CONFLICT DO NOTHING: the unique (workflow, idempotency key) index decides between two
    // concurrent starts; the loser reads the winner's run. NULL keys never conflict.
    const {
      rows: [inserted],
    } = yield* exec(
      insertRunQuery.statement({
        id,
        workflow: workflowId,
        input: JSON.stringify(input ?? null),
        definition: JSON.stringify(definition),
        key,
        metadata: JSON.stringify(startOpts.metadata ?? {}),
        correlation: startOpts.correlationId ?? null,
        t,
      }),
    );
    if (!inserted) {
      const { rows } = yield* exec(keyedRunQuery.statement({ workflow: workflowId, key: key ?? '' }));
      if (!rows[0]) throw new Error(`run of workflow ${workflowId} with idempotency key ${key ?? ''} was neither inserted nor found`);
      return { run: toRun(rows[0]), created: false };
    }
    const run = toRun(inserted);
    const steps: Record<string, unknown> = { run: id };
    definition.steps.forEach((step, i) => (steps[`step${i}`] = step.id));
    yield* exec(insertStepsQuery.statement(steps, definition.steps.length));
    const started = yield* startStep(run, 0, after);
    yield* appendRunEvents(id, [{ type: 'SagaStarted', data: { workflow_id: workflowId, input: input ?? null, metadata: startOpts.metadata ?? {} } }, started], after);
    return { run, created: true };
  }

  /** Moves a running run to compensating on request; answers its running step's task, if any. */
  function* cancel(trx: Tx, runId: string, after: AfterCommit): Program<{ missing: true } | { missing: false; taskId: string | null }> {
    const run = yield* lockRun(runId);
    if (!run) return { missing: true };
    if (run.status !== 'running') throw new RunStateError(runId, run.status, 'only running runs can be cancelled');
    yield* exec(startCompensatingQuery.statement({ error: CANCELLED_REASON, t: now(), id: runId }));
    yield* appendRunEvents(runId, [{ type: 'SagaCancelRequested', data: {} }, { type: 'CompensationStarted', data: { reason: CANCELLED_REASON } }], after);
    const active = (yield* runSteps(runId)).find((s) => s.status === 'running');
    // With no step running (not expected: a running run always has one) compensate right away.
    if (!active?.task_id) yield* compensateNext(trx, { ...run, status: 'compensating', error: CANCELLED_REASON }, after);
    return { missing: false, taskId: active?.task_id ?? null };
  }

  const orchestrator: SagaOrchestrator = {
    async startRun(workflowId, input, startOpts = {}) {
      const { definition } = await opts.workflows.get(workflowId);
      const after: AfterCommit = { agents: new Set(), appended: [] };
      const result = await strategy.writeTransaction(db, (trx) => runProgram(opts.database, trx, start(workflowId, definition, input, startOpts, after)));
      announce(after);
      if (result.created) log.info('workflow run started', { workflow_id: workflowId, run_id: result.run.id });
      return result;
    },

    async cancelRun(runId) {
      const after: AfterCommit = { agents: new Set(), appended: [] };
      const outcome = await strategy.writeTransaction(db, (trx) => runProgram(opts.database, trx, cancel(trx, runId, after)));
      if (outcome.missing) throw new NotFoundError('workflow run', runId);
      announce(after);
      if (outcome.taskId) {
        // A queued task is cancelled at once (its finish hook compensates); a running one is told to
        // stop and its worker finishes it as cancelled, or as succeeded if it was already done.
        await opts.queue.cancel(outcome.taskId).catch((err: unknown) => {
          if (!(err instanceof TaskStateError)) throw err;
        });
      }
      return (await orchestrator.getRun(runId))!;
    },

    async getRun(runId) {
      const row = await db.selectFrom('workflow_runs').selectAll().where('id', '=', runId).executeTakeFirst();
      return row ? toRun(row) : undefined;
    },

    steps: async (runId) => (await runStepsQuery(db, { run: runId })).rows.map(toRunStep),

    async timeline(runId) {
      const events = await opts.events.readStream(RUN_AGGREGATE, runId);
      return events.map((e) => ({ id: e.id, type: e.type, saga_id: e.aggregate_id, timestamp: e.timestamp, data: e.data }));
    },

    async listRuns(filter) {
      let q = db.selectFrom('workflow_runs');
      if (filter.workflowId) q = q.where('workflow_id', '=', filter.workflowId);
      if (filter.status) q = q.where('status', '=', filter.status);
      const [rows, count] = await Promise.all([
        q.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(filter.limit).offset(filter.offset).execute(),
        q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst(),
      ]);
      return { runs: rows.map(toRun), total: Number(count?.n ?? 0) };
    },

    handleTaskFinished: taskFinished,

    onRunFinished(hook) {
      runFinishedHooks.push(hook);
    },
  };
  return orchestrator;
}

function stepDef(def: WorkflowDefinition, stepId: string) {
  const step = def.steps.find((s) => s.id === stepId);
  if (!step) throw new Error(`step "${stepId}" is not in the run's definition snapshot`);
  return step;
}
