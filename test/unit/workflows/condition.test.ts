// `when` conditions: parsed without eval, evaluated over the run input and earlier outputs.

import { conditionHolds, conditionRefs, ConditionSyntaxError, parseCondition } from '../../../src/modules/workflows/condition';

const scope: Record<string, unknown> = { 'input.n': 3, 'input.name': 'ada', 'steps.f.output.count': 0, 'steps.f.output.tags': ['a'], 'input.flag': true };
const holds = (src: string) => conditionHolds(parseCondition(src), (p) => scope[p]);

describe('step conditions', () => {
  it.each([
    ['{{input.n}} > 2', true],
    ['{{input.n}} >= 3 && {{input.n}} < 4', true],
    ['{{steps.f.output.count}} > 0', false],
    ['{{steps.f.output.count}} == 0 || {{input.n}} > 100', true],
    ['not ({{input.n}} == 3)', false],
    ["{{input.name}} == 'ada'", true],
    ['{{input.name}} != "bob"', true],
    ['{{input.flag}}', true],
    ['!{{input.missing}}', true],
    ['{{input.missing}} == null', true],
    ['{{steps.f.output.tags}} == {{steps.f.output.tags}}', true],
    ['{{input.name}} > 2', false],
    ['-1 < {{input.n}}', true],
    ['true and false or true', true],
  ])('%s → %s', (src, expected) => {
    expect(holds(src)).toBe(expected);
  });

  it.each(['{{input.n}} >', '({{input.n}} > 1', '{{input.n}} > 1 2', 'eval("x")', '{{input.n', '{{ a b }} > 1', "'unclosed", '{{input.n}} ~ 1'])('refuses %s with a message naming it', (src) => {
    expect(() => parseCondition(src)).toThrow(ConditionSyntaxError);
    expect(() => parseCondition(src)).toThrow(/condition/);
  });

  it('lists the references it reads', () => {
    expect(conditionRefs(parseCondition('{{steps.a.output.x}} > 1 && !{{input.y}}'))).toEqual(['steps.a.output.x', 'input.y']);
  });
});
