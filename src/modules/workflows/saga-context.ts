// What a run's transitions share: the context they run with (database, statements, queue,
// events, clock, run-finished hooks), the turn that collects what a transaction leaves for after
// its commit, and the small steps every transition takes (lock the run, read its steps, append to
// its stream). The transitions themselves, as statement programs that run inside the transaction
// that caused them (a step's task finishing, a timer firing, an event arriving, a child run
// ending, a cancel request), are one file each: start-run.ts, advance-run.ts, finish-leaf.ts,
// compensate-run.ts and finish-run.ts. Every change is guarded in its WHERE, and the caller holds
// the run's row lock (lockRun), so a transition that is delivered twice changes nothing the second
// time.

import { exec, type DatabaseHandle, type Program, type Tx } from '../../platform/db';
import type { NewEvent } from '../events/event';
import type { EventStore, SentAppend } from '../events/event-store';
import type { TaskQueue } from '../tasks/task-queue';
import type { SagaStatements } from './saga-statements';
import { toRun, toRunStep, type RunStep, type WorkflowRun } from './workflow-run';

export const RUN_AGGREGATE = 'workflow_run';
/** The run error a cancel request leaves; the run ends `cancelled` once its compensations are done. */
export const CANCELLED_REASON = 'cancelled by request';
/** Child runs nest at most this deep (a deeper start fails its step: workflows that start each other). */
export const MAX_CHILD_DEPTH = 8;
const MAX_ERROR_LENGTH = 4000;

/** Runs in the transaction that moves a run to a final status. */
export type RunFinishedHook = (trx: Tx, run: WorkflowRun) => Promise<void>;

export interface RunFinishedHookOptions {
  /**
   * The runs the hook is for, decided from the finished run alone; others skip it. The
   * transaction then does not wait for it: statements held back for the end of the
   * transaction (the run's event appends) stay together, and no promise is made.
   */
  when?(run: WorkflowRun): boolean;
}

/** A registered run-finished hook. */
export interface RunFinishedListener extends RunFinishedHookOptions {
  hook: RunFinishedHook;
}

export interface SagaContext {
  database: DatabaseHandle;
  q: SagaStatements;
  queue: TaskQueue;
  events: EventStore;
  now: () => number;
  runFinishedHooks: readonly RunFinishedListener[];
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

export const clip = (s: string) => s.slice(0, MAX_ERROR_LENGTH);
export const changed = (result: { numAffectedRows?: bigint }) => Number(result.numAffectedRows ?? 0) > 0;
export const json = (v: unknown) => JSON.stringify(v ?? null);

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

/** Records a change to one step in the transition's view of the steps. */
export const setStep = (steps: Map<string, RunStep>, id: string, change: Partial<RunStep>) => {
  const current = steps.get(id);
  if (current) steps.set(id, { ...current, ...change });
};
