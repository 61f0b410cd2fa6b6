// The planner: what a running run does next, from its definition and its steps' states.

import { planRun, type StepState } from '../../../src/modules/workflows/plan-run';
import { WorkflowDefinitionSchema, type WorkflowDefinition } from '../../../src/modules/workflows/workflow-definition';

const agent = (id: string, extra: Record<string, unknown> = {}) => ({ id, agent_id: 'x', action: id, timeout_seconds: 5, ...extra });
const def = (steps: unknown[]): WorkflowDefinition => WorkflowDefinitionSchema.parse({ id: 'w', name: 'w', steps });
const states = (s: Record<string, [StepState['status'], unknown?]>) => new Map(Object.entries(s).map(([id, [status, output]]) => [id, { status, output: output ?? null }]));
const summary = (plan: ReturnType<typeof planRun>) => [plan.outcome, plan.actions.map((a) => `${a.kind}:${a.step.id}`)];

describe('planning a run', () => {
  const fan = def([agent('first'), { id: 'g', parallel: [agent('a'), { id: 'seq', steps: [agent('b1'), agent('b2')] }] }, agent('last')]);

  it('starts the first step of a new run', () => {
    expect(summary(planRun(fan, states({}), {}))).toEqual(['active', ['start:first']]);
  });

  it('opens a group and starts every branch at once', () => {
    expect(summary(planRun(fan, states({ first: ['succeeded'] }), {}))).toEqual(['active', ['open:g', 'start:a', 'open:seq', 'start:b1']]);
  });

  it('runs a sequence branch in order while its sibling still runs', () => {
    expect(summary(planRun(fan, states({ first: ['succeeded'], g: ['running'], a: ['running'], seq: ['running'], b1: ['succeeded'] }), {}))).toEqual(['active', ['start:b2']]);
  });

  it('closes the group with its branches’ outputs once all are done, then goes on', () => {
    const plan = planRun(fan, states({ first: ['succeeded'], g: ['running'], a: ['succeeded', 1], seq: ['running'], b1: ['succeeded', 2], b2: ['succeeded', 3] }), {});
    expect(summary(plan)).toEqual(['active', ['close:seq', 'close:g', 'start:last']]);
    expect(plan.actions.find((a) => a.kind === 'close' && a.step.id === 'g')).toMatchObject({ output: { a: 1, seq: 3 } });
  });

  it('fails when a branch fails, whatever the others do', () => {
    expect(planRun(fan, states({ first: ['succeeded'], g: ['running'], a: ['failed'], seq: ['running'], b1: ['running'] }), {}).outcome).toBe('failed');
  });

  it('is done with the last step’s output', () => {
    const all = Object.fromEntries(['first', 'g', 'a', 'seq', 'b1', 'b2'].map((id) => [id, ['succeeded'] as [StepState['status']]]));
    expect(planRun(fan, states({ ...all, last: ['succeeded', { ok: true }] }), {})).toEqual({ actions: [], outcome: 'done', output: { ok: true } });
  });

  it('skips steps whose condition does not hold and carries on past them', () => {
    const d = def([agent('f'), agent('when-some', { when: '{{steps.f.output.n}} > 0' }), agent('always')]);
    expect(summary(planRun(d, states({ f: ['succeeded', { n: 0 }] }), {}))).toEqual(['active', ['skip:when-some', 'start:always']]);
    expect(summary(planRun(d, states({ f: ['succeeded', { n: 2 }] }), {}))).toEqual(['active', ['start:when-some']]);
  });

  it('reads the run input in conditions', () => {
    const d = def([agent('a', { when: '{{input.go}} == true' })]);
    expect(planRun(d, states({}), { go: false })).toEqual({ actions: [expect.objectContaining({ kind: 'skip' })], outcome: 'done', output: null });
  });

  it('keeps a parked sleep or wait active', () => {
    const d = def([{ id: 's', sleep: '1m' }, agent('after')]);
    expect(summary(planRun(d, states({ s: ['waiting'] }), {}))).toEqual(['active', []]);
  });
});
