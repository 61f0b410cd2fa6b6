// What counts as a valid feature flag, and how conditions shorthand is read.
import {
  ConditionSchema,
  describeFlagIssues,
  FeatureFlagSchema,
  normaliseConditions,
  type FeatureFlagInput,
} from '../../../src/modules/flags/flag';

function problemsFor(input: unknown): string[] {
  const result = FeatureFlagSchema.safeParse(input);
  if (result.success) throw new Error('expected the flag to be invalid');
  return describeFlagIssues(result.error.issues, 'my_flag');
}

describe('FeatureFlagSchema', () => {
  it('fills defaults for an enabled flag given only name and state', () => {
    const input: FeatureFlagInput = { name: 'enhanced_bmf_discovery', state: 'enabled' };
    expect(FeatureFlagSchema.parse(input)).toEqual({
      name: 'enhanced_bmf_discovery',
      state: 'enabled',
      rollout_percentage: 0,
      conditions: [],
      description: '',
    });
  });

  it('accepts names made of lowercase letters, digits, _, - and . up to 100 characters', () => {
    for (const name of ['a', 'gpt5_analysis', 'ui.new-header_v2', 'x'.repeat(100)]) {
      expect(FeatureFlagSchema.safeParse({ name, state: 'disabled' }).success).toBe(true);
    }
  });

  it('rejects other names', () => {
    for (const name of ['', 'GPT5', 'has space', 'a:b', 'x'.repeat(101), 'émile']) {
      expect(problemsFor({ name, state: 'disabled' })).toEqual([
        "my_flag.name: must be 1 to 100 characters of lowercase letters, digits, '_', '-' or '.'",
      ]);
    }
  });

  it('accepts decimal percentages to 0.01 and the bounds 0 and 100', () => {
    for (const rollout_percentage of [0, 12.5, 0.01, 33.33, 100]) {
      const flag = FeatureFlagSchema.parse({ name: 'f', state: 'rollout', rollout_percentage });
      expect(flag.rollout_percentage).toBe(rollout_percentage);
    }
  });

  it('rejects percentages outside 0..100 or finer than 0.01', () => {
    expect(problemsFor({ name: 'f', state: 'rollout', rollout_percentage: 101 })).toEqual([
      'my_flag.rollout_percentage: must be between 0 and 100',
    ]);
    expect(problemsFor({ name: 'f', state: 'rollout', rollout_percentage: -1 })).toEqual([
      'my_flag.rollout_percentage: must be between 0 and 100',
    ]);
    expect(problemsFor({ name: 'f', state: 'rollout', rollout_percentage: 12.345 })).toEqual([
      'my_flag.rollout_percentage: must have at most two decimal places',
    ]);
    expect(problemsFor({ name: 'f', state: 'rollout', rollout_percentage: '25' })).toEqual([
      'my_flag.rollout_percentage: must be a number',
    ]);
  });

  it('requires a percentage for a rollout, even when other fields are also wrong', () => {
    expect(problemsFor({ name: 'f', state: 'rollout' })).toEqual([
      'my_flag.rollout_percentage: is required when state is rollout',
    ]);
    expect(problemsFor({ name: 'f', state: 'rollout', description: 3 })).toEqual([
      'my_flag.description: must be a string',
      'my_flag.rollout_percentage: is required when state is rollout',
    ]);
  });

  it('rejects unknown states and unknown fields (typos fail loudly)', () => {
    expect(problemsFor({ name: 'f', state: 'on', rollout_percent: 25 })).toEqual([
      'my_flag.state: must be one of disabled, enabled, rollout',
      'my_flag.rollout_percent: is not a known field',
    ]);
  });

  it('treats absent or null conditions as none', () => {
    expect(FeatureFlagSchema.parse({ name: 'f', state: 'enabled', conditions: null }).conditions).toEqual([]);
  });
});

describe('conditions', () => {
  it('reads the shorthand mapping: a list means in, a single value means equals', () => {
    const flag = FeatureFlagSchema.parse({
      name: 'f',
      state: 'enabled',
      conditions: { plan: ['pro', 'enterprise'], country: 'fr', beta: true },
    });
    expect(flag.conditions).toEqual([
      { attribute: 'plan', operator: 'in', values: ['pro', 'enterprise'] },
      { attribute: 'country', operator: 'equals', value: 'fr' },
      { attribute: 'beta', operator: 'equals', value: true },
    ]);
  });

  it('normaliseConditions converts shorthand and passes rule arrays through', () => {
    const rules = [{ attribute: 'age', operator: 'gte', value: 18 }];
    expect(normaliseConditions(rules)).toBe(rules);
    expect(normaliseConditions(undefined)).toEqual([]);
    expect(normaliseConditions({ plan: ['pro'] })).toEqual([
      { attribute: 'plan', operator: 'in', values: ['pro'] },
    ]);
  });

  it('reports a bad shorthand entry by its attribute name', () => {
    expect(
      problemsFor({ name: 'f', state: 'enabled', conditions: { plan: [], region: { eu: 1 } } }),
    ).toEqual([
      'my_flag.conditions.plan: shorthand must be a value or a non-empty list of strings, numbers or booleans',
      'my_flag.conditions.region: shorthand must be a value or a non-empty list of strings, numbers or booleans',
    ]);
  });

  it('accepts a rule for every operator', () => {
    const rules = [
      { attribute: 'plan', operator: 'in', values: ['pro'] },
      { attribute: 'plan', operator: 'not_in', values: ['free'] },
      { attribute: 'country', operator: 'equals', value: 'fr' },
      { attribute: 'country', operator: 'not_equals', value: 'us' },
      { attribute: 'age', operator: 'gt', value: 17 },
      { attribute: 'age', operator: 'gte', value: 18 },
      { attribute: 'age', operator: 'lt', value: 66 },
      { attribute: 'age', operator: 'lte', value: 65 },
      { attribute: 'email', operator: 'contains', value: '@example.com' },
      { attribute: 'org_id', operator: 'exists' },
    ];
    for (const rule of rules) expect(ConditionSchema.parse(rule)).toEqual(rule);
  });

  it('requires the value shape each operator needs', () => {
    const conditions = [
      { attribute: 'plan', operator: 'in' },
      { attribute: 'plan', operator: 'in', values: [] },
      { attribute: 'plan', operator: 'equals', values: ['pro'] },
      { attribute: 'age', operator: 'gt', value: '18' },
      { attribute: 'org_id', operator: 'exists', value: true },
      { attribute: '', operator: 'exists' },
      { attribute: 'plan', operator: 'matches', value: 'p.*' },
      'plan',
    ];
    expect(problemsFor({ name: 'f', state: 'enabled', conditions })).toEqual([
      'my_flag.conditions[0].values: must be a list of strings, numbers or booleans',
      'my_flag.conditions[1].values: must not be empty (a rule over an empty list can never be met)',
      'my_flag.conditions[2].value: must be a string, number or boolean',
      'my_flag.conditions[2].values: is not a known field',
      'my_flag.conditions[3].value: must be a number for an ordering operator',
      'my_flag.conditions[4].value: is not a known field',
      'my_flag.conditions[5].attribute: must not be empty',
      'my_flag.conditions[6].operator: must be one of in, not_in, equals, not_equals, gt, gte, lt, lte, contains, exists',
      'my_flag.conditions[7]: must be a mapping with attribute and operator',
    ]);
  });
});
