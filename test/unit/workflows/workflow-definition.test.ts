// Definition checks that a schema alone cannot make: kinds, references, cycles, durations.

import { checkDefinition, normalizeDefinition, WorkflowDefinitionSchema, type AnyStep } from '../../../src/modules/workflows/workflow-definition';

const agent = (id: string, extra: Record<string, unknown> = {}) => ({ id, agent_id: 'x', action: id, timeout_seconds: 5, ...extra });
const problems = (steps: unknown[], extra: Record<string, unknown> = {}) => checkDefinition({ id: 'w', steps: steps as AnyStep[], ...extra }).map((p) => p.message);

describe('workflow definitions', () => {
  it('accepts a straight line, groups, sequences, sleeps, waits and child runs', () => {
    expect(
      problems([
        agent('a'),
        { id: 'g', parallel: [agent('b', { input: '{{steps.a.output}}' }), { id: 'seq', steps: [agent('c'), agent('d', { input: '{{steps.c.output}}' })] }] },
        { id: 'nap', sleep: '10m' },
        { id: 'wait', wait_for_event: { type: 't', match: { 'data.x': '{{steps.b.output.x}}' }, timeout: '1h' } },
        { id: 'child', workflow: 'other', input: { v: '{{steps.wait.output.data}}' } },
        agent('e', { when: '{{steps.g.output.b}} != null' }),
      ]),
    ).toEqual([]);
  });

  it('names every problem', () => {
    expect(problems([agent('a', { input: '{{steps.a.output}}' })])).toEqual(['step "a" reads steps.a, which does not finish before "a" starts (a cycle)']);
    expect(problems([agent('a'), agent('a')])).toContain('duplicate step id "a"');
    expect(problems([{ id: 'x' }])).toEqual(['step "x" needs one of agent_id, sleep, wait_for_event, workflow, parallel']);
    expect(problems([{ id: 'x', sleep: '1s', input: {} }])).toEqual(['"input" does not apply to a sleep step']);
    expect(problems([{ id: 'g', parallel: [{ id: 'inner', parallel: [] }] }])).toEqual(['parallel group "inner" must be a top-level step (groups do not nest)']);
    expect(problems([{ id: 'seq', steps: [agent('a')] }])).toEqual(['sequence "seq" can only be a branch of a parallel group']);
    expect(problems([{ id: 'a', agent_id: 'x', action: 'a' }])).toEqual(['agent step "a" needs timeout_seconds']);
    expect(problems([{ id: 'w', wait_for_event: { type: 't', timeout: 'forever' } }])).toEqual(['timeout "forever" is not a duration such as 30s, 10m or 1h']);
    expect(problems([{ id: 's', sleep: '1m' }], { compensations: { s: { agent_id: 'x' } } })).toEqual(['step "s" is a sleep step, which has nothing to undo']);
  });

  it('gives the schema’s errors a path to the field at fault', () => {
    const parsed = WorkflowDefinitionSchema.safeParse({ id: 'w', name: 'w', steps: [agent('a'), { id: 'g', parallel: [agent('b', { when: '{{' })] }] });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toEqual(['steps.1.parallel.0.when']);
  });

  it('folds the seed’s compensations map into steps inside groups too', () => {
    const def = WorkflowDefinitionSchema.parse({ id: 'w', name: 'w', steps: [{ id: 'g', parallel: [agent('b')] }], compensations: { b: { agent_id: 'undo', action: 'revert' } } });
    const folded = normalizeDefinition(def);
    expect(folded.steps[0]!.parallel![0]).toMatchObject({ id: 'b', compensation_agent_id: 'undo', compensation_action: 'revert' });
    expect(folded).not.toHaveProperty('compensations');
  });
});
