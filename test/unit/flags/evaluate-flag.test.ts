// Whether a flag is on for a caller, and the reason reported with the answer.
import { evaluateFlag, type FlagContext } from '../../../src/modules/flags/evaluate-flag';
import { FeatureFlagSchema, type FeatureFlag, type FeatureFlagInput } from '../../../src/modules/flags/flag';

function flag(input: Partial<FeatureFlagInput> & Pick<FeatureFlagInput, 'state'>): FeatureFlag {
  return FeatureFlagSchema.parse({ name: 'gpt5_analysis', ...input });
}

const userIds = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);

function enabledUsers(f: FeatureFlag): Set<string> {
  return new Set(userIds.filter((user_id) => evaluateFlag(f, { user_id }).enabled));
}

describe('evaluateFlag reasons', () => {
  it('unknown_flag: no flag is never on', () => {
    expect(evaluateFlag(undefined, { user_id: 'user-1' })).toEqual({
      enabled: false,
      reason: 'unknown_flag',
    });
  });

  it('disabled: off even when conditions would match', () => {
    const f = flag({ state: 'disabled', conditions: { plan: ['pro'] } });
    expect(evaluateFlag(f, { user_id: 'user-1', plan: 'pro' })).toEqual({
      enabled: false,
      reason: 'disabled',
    });
  });

  it('enabled: on for everyone, with or without a user id', () => {
    const f = flag({ state: 'enabled' });
    expect(evaluateFlag(f, {})).toEqual({ enabled: true, reason: 'enabled' });
    expect(evaluateFlag(f, { user_id: 'user-1' })).toEqual({ enabled: true, reason: 'enabled' });
  });

  it('conditions_not_met: checked before enabling and before bucketing', () => {
    const enabled = flag({ state: 'enabled', conditions: { plan: ['pro'] } });
    expect(evaluateFlag(enabled, { plan: 'free' })).toEqual({
      enabled: false,
      reason: 'conditions_not_met',
    });
    const everyone = flag({ state: 'rollout', rollout_percentage: 100, conditions: { plan: ['pro'] } });
    expect(evaluateFlag(everyone, { user_id: 'user-1', plan: 'free' })).toEqual({
      enabled: false,
      reason: 'conditions_not_met',
    });
    // Conditions come before the user id check, so an anonymous non-matching caller gets this reason.
    expect(evaluateFlag(everyone, { plan: 'free' }).reason).toBe('conditions_not_met');
  });

  it('no_user_id: a rollout cannot place anonymous callers, so they are left out', () => {
    const f = flag({ state: 'rollout', rollout_percentage: 100 });
    expect(evaluateFlag(f, {})).toEqual({ enabled: false, reason: 'no_user_id' });
    expect(evaluateFlag(f, { user_id: '' })).toEqual({ enabled: false, reason: 'no_user_id' });
    // Untyped callers may pass a number; only strings identify a user.
    expect(evaluateFlag(f, { user_id: 42 } as unknown as FlagContext).reason).toBe('no_user_id');
  });

  it('in_rollout / outside_rollout: decided by the user bucket against the percentage', () => {
    // bucketFor('gpt5_analysis', 'user-42') is 35.3 (pinned in stable-hash.test.ts).
    expect(evaluateFlag(flag({ state: 'rollout', rollout_percentage: 35.31 }), { user_id: 'user-42' })).toEqual({
      enabled: true,
      reason: 'in_rollout',
    });
    expect(evaluateFlag(flag({ state: 'rollout', rollout_percentage: 35.3 }), { user_id: 'user-42' })).toEqual({
      enabled: false,
      reason: 'outside_rollout',
    });
  });
});

describe('rollout selection', () => {
  it('a 25% rollout enables 25% ± 2% of 10,000 users', () => {
    const count = enabledUsers(flag({ state: 'rollout', rollout_percentage: 25 })).size;
    expect(count).toBeGreaterThanOrEqual(2300);
    expect(count).toBeLessThanOrEqual(2700);
  });

  it('gives each user the same answer every time', () => {
    const f = flag({ state: 'rollout', rollout_percentage: 25 });
    expect(enabledUsers(f)).toEqual(enabledUsers(f));
  });

  it('raising the percentage only adds users (nobody already in drops out)', () => {
    const at10 = enabledUsers(flag({ state: 'rollout', rollout_percentage: 10 }));
    const at25 = enabledUsers(flag({ state: 'rollout', rollout_percentage: 25 }));
    for (const user of at10) expect(at25.has(user)).toBe(true);
    expect(at25.size).toBeGreaterThan(at10.size);
  });

  it('another flag name selects an independent set of users', () => {
    const first = enabledUsers(flag({ name: 'gpt5_analysis', state: 'rollout', rollout_percentage: 25 }));
    const second = enabledUsers(flag({ name: 'other_feature', state: 'rollout', rollout_percentage: 25 }));
    const overlap = [...first].filter((user) => second.has(user)).length;
    // Independent 25% selections share about 25% × 25% = 6.25% of users (625); the same
    // selection would share all of them (~2,500).
    expect(second.size).toBeGreaterThanOrEqual(2300);
    expect(second.size).toBeLessThanOrEqual(2700);
    expect(overlap).toBeGreaterThanOrEqual(525);
    expect(overlap).toBeLessThanOrEqual(725);
  });

  it('0% enables nobody and 100% enables everybody', () => {
    expect(enabledUsers(flag({ state: 'rollout', rollout_percentage: 0 })).size).toBe(0);
    expect(enabledUsers(flag({ state: 'rollout', rollout_percentage: 100 })).size).toBe(10_000);
  });
});

describe('conditions', () => {
  function matches(conditions: unknown, context: FlagContext): boolean {
    const decision = evaluateFlag(flag({ state: 'enabled', conditions: conditions as FeatureFlagInput['conditions'] }), context);
    return decision.enabled;
  }

  it('in / not_in', () => {
    const inRule = [{ attribute: 'plan', operator: 'in', values: ['pro', 'enterprise'] }];
    expect(matches(inRule, { plan: 'pro' })).toBe(true);
    expect(matches(inRule, { plan: 'free' })).toBe(false);
    const notIn = [{ attribute: 'plan', operator: 'not_in', values: ['free'] }];
    expect(matches(notIn, { plan: 'pro' })).toBe(true);
    expect(matches(notIn, { plan: 'free' })).toBe(false);
  });

  it('equals / not_equals compare strictly, without coercion', () => {
    const equals = [{ attribute: 'tier', operator: 'equals', value: 5 }];
    expect(matches(equals, { tier: 5 })).toBe(true);
    expect(matches(equals, { tier: '5' })).toBe(false);
    const notEquals = [{ attribute: 'country', operator: 'not_equals', value: 'us' }];
    expect(matches(notEquals, { country: 'fr' })).toBe(true);
    expect(matches(notEquals, { country: 'us' })).toBe(false);
  });

  it('gt / gte / lt / lte compare numbers only', () => {
    expect(matches([{ attribute: 'age', operator: 'gt', value: 18 }], { age: 19 })).toBe(true);
    expect(matches([{ attribute: 'age', operator: 'gt', value: 18 }], { age: 18 })).toBe(false);
    expect(matches([{ attribute: 'age', operator: 'gte', value: 18 }], { age: 18 })).toBe(true);
    expect(matches([{ attribute: 'age', operator: 'gte', value: 18 }], { age: 17 })).toBe(false);
    expect(matches([{ attribute: 'age', operator: 'lt', value: 18 }], { age: 17 })).toBe(true);
    expect(matches([{ attribute: 'age', operator: 'lt', value: 18 }], { age: 18 })).toBe(false);
    expect(matches([{ attribute: 'age', operator: 'lte', value: 18 }], { age: 18 })).toBe(true);
    expect(matches([{ attribute: 'age', operator: 'lte', value: 18 }], { age: 19 })).toBe(false);
    expect(matches([{ attribute: 'age', operator: 'gt', value: 18 }], { age: '19' })).toBe(false);
  });

  it('contains: substring of a string, or element of a list', () => {
    const rule = [{ attribute: 'email', operator: 'contains', value: '@example.com' }];
    expect(matches(rule, { email: 'ann@example.com' })).toBe(true);
    expect(matches(rule, { email: 'ann@other.org' })).toBe(false);
    const listRule = [{ attribute: 'roles', operator: 'contains', value: 'admin' }];
    expect(matches(listRule, { roles: ['dev', 'admin'] })).toBe(true);
    expect(matches(listRule, { roles: ['dev'] })).toBe(false);
    expect(matches(listRule, { roles: 42 })).toBe(false);
  });

  it('exists: present and not null', () => {
    const rule = [{ attribute: 'org_id', operator: 'exists' }];
    expect(matches(rule, { org_id: 'org-1' })).toBe(true);
    expect(matches(rule, { org_id: 0 })).toBe(true);
    expect(matches(rule, { org_id: null })).toBe(false);
    expect(matches(rule, {})).toBe(false);
  });

  it('a missing attribute fails every operator, including the negated ones', () => {
    const rules = [
      { attribute: 'plan', operator: 'in', values: ['pro'] },
      { attribute: 'plan', operator: 'not_in', values: ['free'] },
      { attribute: 'plan', operator: 'equals', value: 'pro' },
      { attribute: 'plan', operator: 'not_equals', value: 'free' },
      { attribute: 'age', operator: 'gt', value: 1 },
      { attribute: 'age', operator: 'gte', value: 1 },
      { attribute: 'age', operator: 'lt', value: 1 },
      { attribute: 'age', operator: 'lte', value: 1 },
      { attribute: 'email', operator: 'contains', value: 'a' },
      { attribute: 'org_id', operator: 'exists' },
    ];
    for (const rule of rules) expect(matches([rule], { user_id: 'user-1' })).toBe(false);
  });

  it('a list or object attribute fails equals / in style rules instead of being coerced', () => {
    expect(matches([{ attribute: 'plan', operator: 'not_in', values: ['free'] }], { plan: ['free'] })).toBe(false);
    expect(matches([{ attribute: 'plan', operator: 'not_equals', value: 'free' }], { plan: { id: 'pro' } })).toBe(false);
  });

  it('requires every rule to match (AND), shorthand included', () => {
    const conditions = { plan: ['pro', 'enterprise'], country: 'fr' };
    expect(matches(conditions, { plan: 'pro', country: 'fr' })).toBe(true);
    expect(matches(conditions, { plan: 'pro', country: 'de' })).toBe(false);
    expect(matches(conditions, { plan: 'free', country: 'fr' })).toBe(false);
    expect(matches(conditions, { country: 'fr' })).toBe(false);
  });

  it('applies conditions before bucketing in a rollout', () => {
    const f = flag({ state: 'rollout', rollout_percentage: 100, conditions: { plan: ['pro'] } });
    expect(evaluateFlag(f, { user_id: 'user-1', plan: 'pro' })).toEqual({ enabled: true, reason: 'in_rollout' });
  });
});
