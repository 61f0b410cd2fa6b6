// A leaf step's end (its task finished, its child run ended, its sleep or wait was over): record
// it under its guard, then move the run on, or start compensating after a failure.

import { exec, type Program, type Tx } from '../../platform/db';
import type { NewEvent } from '../events/event';
import { advance } from './advance-run';
import { compensateNext, startCompensating } from './compensate-run';
import { referencesStepOutputs } from './render-template';
import { appendRunEvents, changed, clip, json, loadSteps, setStep, type LeafEnd, type SagaContext, type Turn } from './saga-context';
import { isStraightLine } from './workflow-definition';
import { pendingStep, type RunStep, type StepStatus, type WorkflowRun } from './workflow-run';

function nextSeq(steps: ReadonlyMap<string, RunStep>): number {
  let max = 0;
  for (const s of steps.values()) if (s.completed_seq !== null && s.completed_seq > max) max = s.completed_seq;
  return max + 1;
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
  setStep(steps, stepId, { status, output, error, completed_seq: seq, finished_at: t, wake_at: null, attempts: end.attempts ?? step.attempts });

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
