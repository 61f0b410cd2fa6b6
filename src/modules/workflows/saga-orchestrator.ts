// The saga orchestrator: starts runs and advances them from the task queue's finish hook, inside the
// transaction that finishes the step's task; wakes parked steps (sleeps, waits, deadlines) from
// the scheduler's timer; resumes waits when their event is appended. Saga state lives only in the
// database, so a crash at any point either commits "task finished + saga advanced" together or
// neither. The transitions themselves are statement programs, one file each (saga-context.ts
// lists them).

import { receive, runProgram, send, type DatabaseHandle, type Program, type Sent, type Tx, type WorkflowRunsTable } from '../../platform/db';
import { createGroupCommit } from '../../platform/db/group-commit';
import { NotFoundError } from '../../platform/errors';
import { newRowId } from '../../platform/ids';
import type { Logger } from '../../platform/logger';
import type { Notifier } from '../../platform/notifier';
import type { WorkflowEvent } from '../events/event';
import type { EventStore } from '../events/event-store';
import { publishAppended } from '../events/publish-appended';
import { subscribeFinished } from '../tasks/finished-notice';
import { TaskStateError } from '../tasks/task-errors';
import type { Task } from '../tasks/task';
import type { FinishOutcome, SucceedingTask, TaskQueue } from '../tasks/task-queue';
import { finishCompensation, startCompensating } from './compensate-run';
import { finishLeaf } from './finish-leaf';
import { CANCELLED_REASON, loadSteps, lockRun, newTurn, RUN_AGGREGATE, type LeafEnd, type RunFinishedHook, type RunFinishedHookOptions, type RunFinishedListener, type SagaContext, type Turn } from './saga-context';
import { isRunNotWritten, startKnownRunProgram, startStoredRunProgram, type KnownVersion, type NewStoredRun } from './start-run';
import { createSagaStatements, type StepEndAhead } from './saga-statements';
import { RunStateError } from './workflow-errors';
import { FINAL_RUN_STATUSES, toRun, type RunStatus, type RunStep, type WorkflowRun } from './workflow-run';
import { wakeDueSteps } from './wake-due-steps';
import { resumeWaits } from './resume-waits';

export { CANCELLED_REASON, RUN_AGGREGATE, type RunFinishedHook, type RunFinishedHookOptions } from './saga-context';

export interface StartRunOptions {
  idempotencyKey?: string | null;
  metadata?: Record<string, unknown>;
  correlationId?: string | null;
}

export interface SagaOrchestrator {
  /** Starts a run (or returns the one started with the same idempotency key; `created` tells which). */
  startRun(workflowId: string, input: unknown, opts?: StartRunOptions): Promise<{ run: WorkflowRun; created: boolean }>;
  /** Stops what runs (tasks, waits, child runs) and compensates the completed steps; the run ends `cancelled`. */
  cancelRun(runId: string): Promise<WorkflowRun>;
  getRun(runId: string): Promise<WorkflowRun | undefined>;
  steps(runId: string): Promise<RunStep[]>;
  timeline(runId: string): Promise<WorkflowEvent[]>;
  listRuns(filter: { workflowId?: string; status?: RunStatus; parentRunId?: string; limit: number; offset: number }): Promise<{ runs: WorkflowRun[]; total: number }>;
  /** The queue's finish hook (register with queue.onFinished), as a statement program. */
  handleTaskFinished(trx: Tx, task: Task, outcome: FinishOutcome): Program<void>;
  /** The queue's preparation for a batch of successes (register with queue.onFinished): their runs' locks and steps' ends, sent ahead. */
  prepareTaskFinishes(trx: Tx, succeeding: readonly SucceedingTask[], t: number): Program<void>;
  /** Ends due sleeps, timed-out waits and steps past their deadline; cancels orphaned child runs. Answers how many it moved. */
  wakeDueSteps(): Promise<number>;
  /** Resumes waits whose event has been appended (all types, or these). Answers how many it resumed. */
  resumeWaits(types?: readonly string[]): Promise<number>;
  onRunFinished(hook: RunFinishedHook, opts?: RunFinishedHookOptions): void;
}

export interface SagaOrchestratorOptions {
  database: DatabaseHandle;
  queue: TaskQueue;
  events: EventStore;
  notifier: Notifier;
  logger: Logger;
  now?: () => number;
}

const PENDING_NOTICE_TTL_MS = 60_000;
/** The most starts one transaction takes (see knownStarts). */
const START_BATCH = 50;
/** Runs of one transition when the database aborts it to settle a conflict. */
const CONFLICT_ATTEMPTS = 3;

export function createSagaOrchestrator(opts: SagaOrchestratorOptions): SagaOrchestrator {
  const { db, strategy } = opts.database;
  const now = opts.now ?? Date.now;
  const log = opts.logger.child('workflows');
  const runFinishedHooks: RunFinishedListener[] = [];
  const ctx: SagaContext = { database: opts.database, q: createSagaStatements(opts.database), queue: opts.queue, events: opts.events, now, runFinishedHooks };

  // A hook cannot see its transaction commit; the queue announces every committed finish on
  // `task-finished`, so the notices wait here for it. A rolled-back finish never announces: its
  // notice expires, and pollers and the timer pick the work up anyway (notices only shorten the wait).
  const pendingNotices = new Map<string, Turn & { expires: number }>();
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

  /** After a commit: wake workers, fan events out, and cancel the tasks and child runs the transitions let go. */
  function announce(turn: Turn) {
    for (const agentId of turn.agents) opts.notifier.publish('tasks', agentId);
    publishAppended(opts.notifier, turn.appended.flatMap((a) => a.events()));
    for (const taskId of turn.cancelTasks) {
      opts.queue.cancel(taskId).catch((err: unknown) => {
        if (!(err instanceof TaskStateError)) log.warn('cancelling a step task failed; the timer retries', { task_id: taskId, error: err });
      });
    }
    for (const childId of turn.cancelRuns) {
      orchestrator.cancelRun(childId).catch((err: unknown) => {
        if (!(err instanceof RunStateError)) log.warn('cancelling a child run failed; the timer retries', { run_id: childId, error: err });
      });
    }
  }

  /**
   * Runs a transition in a write transaction of its own, then announces what it did. A transition
   * the database aborted to settle a conflict (a deadlock with another transaction on Postgres) is
   * run again from the start: it changed nothing, and its guards make a repeat harmless.
   */
  async function transact<T>(program: (trx: Tx, turn: Turn) => Program<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const turn = newTurn();
      try {
        const result = await strategy.writeTransaction(db, (trx) => runProgram(opts.database, trx, program(trx, turn)));
        announce(turn);
        return result;
      } catch (err) {
        if (attempt >= CONFLICT_ATTEMPTS || !strategy.isTransactionConflict(err)) throw err;
        log.debug('workflow transition met a conflicting transaction; running it again', { attempt, error: (err as Error).message });
      }
    }
  }

  /**
   * What a finishing batch sent ahead, per transaction: the locks of its runs (each read from
   * there by the first hook of its run; a later one reads the run afresh, as the first may have
   * changed it) and its steps' finishes, by task.
   */
  const prelocked = new WeakMap<Tx, Map<string, Sent<WorkflowRunsTable>>>();
  const finishedAhead = new WeakMap<Tx, { sent: Sent<StepEndAhead & { task: string }>; waiting: Set<string> }>();

  /**
   * Postgres: in the round trip of the tasks' own update (after it: a task's row, then its run's),
   * locks the batch's runs in one statement, in id order, and ends the step of each success that
   * is its run's only one in the batch (finishTaskStepsAhead, one statement for all of them).
   * Each finish hook would otherwise lock its run and end its step in round trips of its own. A
   * run with two tasks in the batch (parallel branches) ends its steps in its hooks, one after the
   * other, as each plans on what the one before did. On SQLite every statement runs at once, and
   * the hooks do it all as they go.
   */
  function* prepareTaskFinishes(trx: Tx, succeeding: readonly SucceedingTask[], t: number): Program<void> {
    if (!strategy.pipelinesStatements) return;
    const perRun = new Map<string, number>();
    for (const { task } of succeeding) if (task.workflow_run_id !== null) perRun.set(task.workflow_run_id, (perRun.get(task.workflow_run_id) ?? 0) + 1);
    const ids = [...perRun.keys()].sort();
    if (ids.length === 0) return;
    const values = Object.fromEntries(ids.map((id, i) => [`id${i}`, id]));
    const sent = yield* send(ctx.q.lockRuns.statement(values, ids.length));
    prelocked.set(trx, new Map(ids.map((id) => [id, sent])));
    const ahead = succeeding.filter(({ task }) => task.workflow_task_kind === 'step' && task.workflow_step_id && perRun.get(task.workflow_run_id!) === 1);
    if (ahead.length === 0) return;
    const statement = ctx.q.finishTaskStepsAhead.statement({
      runs: ahead.map(({ task }) => task.workflow_run_id),
      steps: ahead.map(({ task }) => task.workflow_step_id),
      tasks: ahead.map(({ task }) => task.id),
      outputs: ahead.map(({ result }) => JSON.stringify(result ?? null)),
      attempts: ahead.map(({ task }) => task.attempts),
      t,
    });
    finishedAhead.set(trx, { sent: yield* send(statement), waiting: new Set(ahead.map(({ task }) => task.id)) });
  }

  /** The run, under its lock: from what the batch sent ahead, the first time, else read now. */
  function* lockedRun(trx: Tx, runId: string): Program<WorkflowRun | undefined> {
    const ahead = prelocked.get(trx);
    const sent = ahead?.get(runId);
    if (!sent) return yield* lockRun(ctx, runId);
    ahead!.delete(runId);
    const row = (yield* receive(sent)).rows.find((r) => r.id === runId);
    return row ? toRun(row) : undefined;
  }

  /** The step's finish the batch sent ahead for `taskId`, if it was made there (else the hook makes it). */
  function* stepFinishedAhead(trx: Tx, taskId: string): Program<LeafEnd['finishedAhead']> {
    const ahead = finishedAhead.get(trx);
    if (!ahead?.waiting.delete(taskId)) return undefined;
    const answer = (yield* receive(ahead.sent)).rows.find((r) => r.task === taskId);
    if (!answer?.eligible) return undefined;
    return { changed: answer.seq !== null, seq: answer.seq === null ? null : Number(answer.seq) };
  }

  /** Advances the run of a finished step or compensation task, in the transaction that finishes it. */
  function* taskFinished(trx: Tx, task: Task, outcome: FinishOutcome): Program<void> {
    if (!task.workflow_run_id || !task.workflow_step_id) return;
    const run = yield* lockedRun(trx, task.workflow_run_id);
    // Received before anything else can touch the run: the answer is in (same round trip as the lock).
    const finishedAheadHere = outcome === 'succeeded' && task.workflow_task_kind === 'step' ? yield* stepFinishedAhead(trx, task.id) : undefined;
    if (!run || FINAL_RUN_STATUSES.includes(run.status)) return;
    const turn = newTurn();
    if (task.workflow_task_kind === 'compensation') {
      yield* finishCompensation(ctx, trx, run, task.workflow_step_id, task.id, outcome, task.last_error, task.attempts, turn);
    } else {
      yield* finishLeaf(
        ctx,
        trx,
        run,
        task.workflow_step_id,
        {
          status: outcome,
          output: task.result ?? null,
          error: outcome === 'succeeded' ? null : outcome === 'cancelled' ? 'cancelled' : (task.last_error ?? 'failed'),
          attempts: task.attempts,
          guard: { task: task.id },
          finishedAhead: finishedAheadHere,
        },
        turn,
      );
    }
    // A child run's end moves its parent (and maybe theirs) on in this transaction: rows read
    // ahead for runs not yet handled may be out of date now, so they are read afresh.
    if (run.parent_run_id) prelocked.delete(trx);
    if (turn.agents.size > 0 || turn.appended.length > 0 || turn.cancelRuns.size > 0 || turn.cancelTasks.size > 0) pendingNotices.set(task.id, { ...turn, expires: now() + PENDING_NOTICE_TTL_MS });
  }

  function* cancel(trx: Tx, runId: string, turn: Turn): Program<boolean> {
    const run = yield* lockRun(ctx, runId);
    if (!run) return false;
    if (run.status !== 'running') throw new RunStateError(runId, run.status, 'only running runs can be cancelled');
    const steps = yield* loadSteps(ctx, runId);
    yield* startCompensating(ctx, trx, run, steps, CANCELLED_REASON, [{ type: 'SagaCancelRequested', data: {} }], turn);
    return true;
  }

  /**
   * Postgres: the current version of each workflow this process has started a run of, so its
   * next start goes out in one round trip (startKnownRunProgram). A version that is no longer
   * current costs that start one try: its insert writes nothing, and it starts the long way,
   * which learns the version again.
   */
  const knownVersions = new Map<string, KnownVersion>();
  const KNOWN_VERSIONS_MAX = 1000;

  /** A start of a stored workflow's current version: known to this process (Postgres), or read by the insert. */
  type StoredStart = { req: NewStoredRun; known?: KnownVersion };
  type Started = { run: WorkflowRun; created: boolean };
  const startProgram = (trx: Tx, turn: Turn, { req, known }: StoredStart) =>
    known ? startKnownRunProgram(ctx, trx, req, known, turn) : startStoredRunProgram(ctx, trx, req, turn);
  const startAlone = (start: StoredStart) => transact((trx, turn) => startProgram(trx, turn, start));
  /**
   * Starts without an idempotency key that arrive while a start commits share the next commit (a
   * group commit; a start that finds none in flight goes at once): one transaction, one write and
   * one commit for all of them. On Postgres these are known-version starts, each sending all its
   * statements without waiting; on SQLite, where the connection takes one transaction at a time
   * anyway, every start without a key, so concurrent starts stop paying a commit each. If that
   * transaction fails (a version that is no longer current, a workflow that does not exist), each
   * start is made on its own, so one start's trouble is its own. A start with a key goes on its
   * own from the first: a taken key would abort the others' transaction.
   */
  const sharedStarts = createGroupCommit<StoredStart, Started>({
    maxBatch: START_BATCH,
    // A lone start goes at once; those that come while it commits share the next.
    flushAtOnce: true,
    async flush(items) {
      if (items.length > 1) {
        try {
          const started = await transact(function* (trx, turn) {
            const runs: Started[] = [];
            for (const item of items) runs.push(yield* startProgram(trx, turn, item));
            return runs;
          });
          return started.map((value) => ({ status: 'fulfilled' as const, value }));
        } catch (err) {
          log.debug('a batch of workflow starts failed; starting each on its own', { starts: items.length, error: (err as Error).message });
        }
      }
      return Promise.all(
        items.map((item) =>
          startAlone(item).then(
            (value) => ({ status: 'fulfilled' as const, value }),
            (reason: unknown) => ({ status: 'rejected' as const, reason }),
          ),
        ),
      );
    },
  });

  /** SQLite: starts under way outside sharedStarts. */
  let startsAlone = 0;

  /** Starts the run in one round trip when the workflow's version is known; the long way otherwise, or when that try wrote nothing. */
  async function startStored(req: NewStoredRun): Promise<{ run: WorkflowRun; created: boolean }> {
    const known = strategy.pipelinesStatements ? knownVersions.get(req.workflowId) : undefined;
    if (known) {
      try {
        return await (req.idempotencyKey === null ? sharedStarts.submit({ req, known }) : startAlone({ req, known }));
      } catch (err) {
        if (!isRunNotWritten(err)) throw err;
        knownVersions.delete(req.workflowId);
      }
    }
    if (!strategy.pipelinesStatements && req.idempotencyKey === null) {
      // SQLite: a start with none other under way goes straight to its transaction; those that
      // come while starts are under way share the next commit.
      if (sharedStarts.pending() > 0 || startsAlone > 0) return sharedStarts.submit({ req });
      startsAlone += 1;
      try {
        return await startAlone({ req });
      } finally {
        startsAlone -= 1;
      }
    }
    const result = await startAlone({ req });
    const version = result.run.workflow_version;
    if (strategy.pipelinesStatements && result.created && version !== null) {
      if (knownVersions.size >= KNOWN_VERSIONS_MAX) knownVersions.clear();
      knownVersions.set(req.workflowId, { version, definitionText: JSON.stringify(result.run.definition) });
    }
    return result;
  }

  const orchestrator: SagaOrchestrator = {
    async startRun(workflowId, input, startOpts = {}) {
      const result = await startStored({
        id: newRowId(),
        workflowId,
        input,
        idempotencyKey: startOpts.idempotencyKey ?? null,
        metadata: startOpts.metadata ?? {},
        correlationId: startOpts.correlationId ?? null,
      });
      if (result.created) log.info('workflow run started', { workflow_id: workflowId, version: result.run.workflow_version, run_id: result.run.id });
      return result;
    },

    async cancelRun(runId) {
      const found = await transact((trx, turn) => cancel(trx, runId, turn));
      if (!found) throw new NotFoundError('workflow run', runId);
      return (await orchestrator.getRun(runId))!;
    },

    async getRun(runId) {
      const row = await db.selectFrom('workflow_runs').selectAll().where('id', '=', runId).executeTakeFirst();
      return row ? toRun(row) : undefined;
    },

    steps: async (runId) => [...(await runProgram(opts.database, db, loadSteps(ctx, runId))).values()],

    async timeline(runId) {
      const events = await opts.events.readStream(RUN_AGGREGATE, runId);
      return events.map((e) => ({ id: e.id, type: e.type, saga_id: e.aggregate_id, timestamp: e.timestamp, data: e.data }));
    },

    async listRuns(filter) {
      let q = db.selectFrom('workflow_runs');
      if (filter.workflowId) q = q.where('workflow_id', '=', filter.workflowId);
      if (filter.status) q = q.where('status', '=', filter.status);
      if (filter.parentRunId) q = q.where('parent_run_id', '=', filter.parentRunId);
      const [rows, count] = await Promise.all([
        q.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(filter.limit).offset(filter.offset).execute(),
        q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst(),
      ]);
      return { runs: rows.map(toRun), total: Number(count?.n ?? 0) };
    },

    handleTaskFinished: taskFinished,
    prepareTaskFinishes,

    wakeDueSteps: () => wakeDueSteps({ ctx, transact, cancelRun: (id) => orchestrator.cancelRun(id), logger: log }),

    resumeWaits: (types) => resumeWaits({ ctx, transact, types }),

    onRunFinished(hook, opts = {}) {
      runFinishedHooks.push({ hook, when: opts.when });
    },
  };
  return orchestrator;
}

