// Step input templates: whole-placeholder strings become JSON values, embedded ones text.

import { referencesStepOutputs, renderTemplate } from '../../../src/modules/workflows/render-template';

const scope = { input: { order: { no: 7 }, name: 'Ada', n: 0 }, steps: { s1: { output: { total: 42, items: [1, 2] } } } };

describe('renderTemplate', () => {
  it('replaces a string that is exactly one placeholder by the referenced JSON value', () => {
    expect(renderTemplate('{{input.order}}', scope)).toEqual({ no: 7 });
    expect(renderTemplate('{{ steps.s1.output.total }}', scope)).toBe(42);
    expect(renderTemplate('{{input.n}}', scope)).toBe(0);
    expect(renderTemplate('{{steps.s1.output.items}}', scope)).toEqual([1, 2]);
  });

  it('stringifies placeholders inside longer strings', () => {
    expect(renderTemplate('hi {{input.name}}, total {{steps.s1.output.total}} for {{input.order}}', scope)).toBe('hi Ada, total 42 for {"no":7}');
  });

  it('renders missing references as null (whole) or empty text (embedded)', () => {
    expect(renderTemplate('{{input.missing.deep}}', scope)).toBeNull();
    expect(renderTemplate('{{steps.s9.output}}', scope)).toBeNull();
    expect(renderTemplate('[{{input.missing}}]', scope)).toBe('[]');
    expect(renderTemplate('{{input.constructor}}', scope)).toBeNull();
  });

  it('walks objects and arrays and leaves other JSON values alone', () => {
    expect(renderTemplate({ a: ['{{input.name}}', 1, true, null], b: { c: '{{steps.s1.output.total}}' } }, scope)).toEqual({ a: ['Ada', 1, true, null], b: { c: 42 } });
    expect(renderTemplate(5, scope)).toBe(5);
    expect(renderTemplate('plain', scope)).toBe('plain');
  });

  it('tells whether a template reads earlier steps\' outputs, anywhere in it', () => {
    expect(referencesStepOutputs({ a: ['x', { b: 'total {{ steps.s1.output.total }}' }] })).toBe(true);
    expect(referencesStepOutputs('{{steps.s1.output}}')).toBe(true);
    expect(referencesStepOutputs({ a: '{{input.steps}}', b: ['steps.s1', 3, null] })).toBe(false);
    expect(referencesStepOutputs(undefined)).toBe(false);
  });
});
