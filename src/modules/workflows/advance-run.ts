// Moving a running run on: plan it from its definition and its steps' rows (plan-run.ts), then
// carry the plan out: skip steps, open and close groups, start leaves (an agent step's task, a
// sleep, a wait for an event, a child run), and end the run when every step is done.

import { exec, send, type Program, type Tx } from '../../platform/db';
import { newRowId } from '../../platform/ids';
import type { NewEvent } from '../events/event';
import { WORKFLOW_TASK_KEY_PREFIX } from '../tasks/reserved-keys';
import { startCompensating } from './compensate-run';
import { finishRun } from './finish-run';
import { planRun } from './plan-run';
import { renderTemplate, type TemplateScope } from './render-template';
import { appendRunEvents, clip, json, loadSteps, MAX_CHILD_DEPTH, setStep, type SagaContext, type Turn } from './saga-context';
import { startRunProgram } from './start-run';
import { durationMs, stepKind, type AnyStep, type WorkflowDefinition } from './workflow-definition';
import type { RunStep, WorkflowRun } from './workflow-run';

function scopeOf(run: WorkflowRun, steps: ReadonlyMap<string, RunStep>): TemplateScope {
  const scope: TemplateScope = { input: run.input, steps: {} };
  for (const s of steps.values()) if (s.status === 'succeeded') scope.steps[s.step_id] = { output: s.output };
  return scope;
}

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
            setStep(steps, id, { status: 'skipped', started_at: t, finished_at: t });
            events.push({ type: 'StepSkipped', data: { step_id: id, when: action.step.when ?? null } });
            break;
          case 'open':
            yield* send(ctx.q.openStep.statement({ t, run: run.id, step: id }));
            setStep(steps, id, { status: 'running', started_at: t });
            events.push({ type: 'StepStarted', data: { step_id: id, kind: stepKind(action.step) } });
            break;
          case 'close':
            yield* send(ctx.q.closeStep.statement({ output: json(action.output), t, run: run.id, step: id }));
            setStep(steps, id, { status: 'succeeded', output: action.output, finished_at: t });
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
      setStep(steps, step.id, { status: 'waiting', started_at: t, wake_at: wake });
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
      setStep(steps, step.id, { status: 'waiting', started_at: t, wake_at: wake, wait_type: wait.type });
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
      setStep(steps, step.id, { status: 'running', task_id: task.id, started_at: t, wake_at: deadline });
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
  setStep(steps, step.id, { status: 'running', child_run_id: childId, started_at: t, wake_at: deadline });
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
