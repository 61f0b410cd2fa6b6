// Compensation: a run that failed or was cancelled stops what still runs, then undoes its
// completed steps in reverse completion order, one compensation task at a time, and ends
// `compensated`, `failed` (a compensation failed) or `cancelled`.

import { exec, type Program, type Tx } from '../../platform/db';
import type { NewEvent } from '../events/event';
import { WORKFLOW_TASK_KEY_PREFIX } from '../tasks/reserved-keys';
import { finishRun } from './finish-run';
import { appendRunEvents, CANCELLED_REASON, changed, clip, loadSteps, setStep, type SagaContext, type Turn } from './saga-context';
import { compensationOf, stepsById } from './workflow-definition';
import { isActiveLeaf, type RunStep, type WorkflowRun } from './workflow-run';

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
    setStep(steps, s.step_id, { status: 'cancelled' });
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
