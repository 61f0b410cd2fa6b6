// Decides whether a feature flag is on for one caller, and says why.
import type { Condition, ConditionScalar, FeatureFlag } from './flag';
import { bucketFor } from './stable-hash';

/** Who is asking: `user_id` for rollouts, any other attributes for conditions. */
export interface FlagContext {
  user_id?: string;
  [attribute: string]: unknown;
}

export type FlagReason =
  | 'unknown_flag'
  | 'disabled'
  | 'enabled'
  | 'conditions_not_met'
  | 'in_rollout'
  | 'outside_rollout'
  | 'no_user_id';

export interface FlagDecision {
  enabled: boolean;
  reason: FlagReason;
}

/**
 * Evaluates a flag for a context. Order:
 * 1. no flag → off, `unknown_flag` (an unknown flag is never on, so a typo cannot ship a feature);
 * 2. `disabled` → off, `disabled` (conditions are not consulted);
 * 3. for `enabled` and `rollout`, every condition must match, else off, `conditions_not_met`;
 * 4. `enabled` → on, `enabled`;
 * 5. `rollout` without a usable `user_id` → off, `no_user_id`: an anonymous caller has nothing
 *    stable to hash, so bucketing them (e.g. randomly, or all into one bucket) would flip the
 *    feature between requests or switch it on for every anonymous caller at once;
 * 6. `rollout` → on (`in_rollout`) when the user's bucket is below `rollout_percentage`,
 *    else off (`outside_rollout`). 0% is nobody; 100% is everybody with a user id.
 */
export function evaluateFlag(flag: FeatureFlag | undefined, context: FlagContext): FlagDecision {
  if (flag === undefined) return { enabled: false, reason: 'unknown_flag' };
  if (flag.state === 'disabled') return { enabled: false, reason: 'disabled' };
  if (!conditionsMatch(flag.conditions, context)) {
    return { enabled: false, reason: 'conditions_not_met' };
  }
  if (flag.state === 'enabled') return { enabled: true, reason: 'enabled' };

  // A non-string or empty user_id (possible from untyped callers) counts as anonymous.
  const userId = context.user_id;
  if (typeof userId !== 'string' || userId === '') {
    return { enabled: false, reason: 'no_user_id' };
  }
  return bucketFor(flag.name, userId) < flag.rollout_percentage
    ? { enabled: true, reason: 'in_rollout' }
    : { enabled: false, reason: 'outside_rollout' };
}

/** True when every rule matches (AND); no rules match everyone. */
export function conditionsMatch(conditions: readonly Condition[], context: FlagContext): boolean {
  return conditions.every((rule) => ruleMatches(rule, context));
}

function isScalar(value: unknown): value is ConditionScalar {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/**
 * One rule against the context. A rule that cannot be judged does not match: a missing (or null)
 * attribute fails every operator, including `not_equals` / `not_in`, so a flag aimed at
 * `plan not_in [free]` does not switch on for callers whose plan is unknown. Likewise an attribute
 * of the wrong kind (an object or list for `equals`/`in`, a non-number for `gt`) fails.
 * Comparisons are strict: the number 5 does not equal the string "5".
 */
export function ruleMatches(rule: Condition, context: FlagContext): boolean {
  const actual = context[rule.attribute];
  if (actual === undefined || actual === null) return false;

  switch (rule.operator) {
    case 'exists':
      return true;
    case 'in':
      return isScalar(actual) && rule.values.includes(actual);
    case 'not_in':
      return isScalar(actual) && !rule.values.includes(actual);
    case 'equals':
      return isScalar(actual) && actual === rule.value;
    case 'not_equals':
      return isScalar(actual) && actual !== rule.value;
    case 'contains':
      // A substring of a string attribute, or an element of a list attribute.
      if (typeof actual === 'string') return typeof rule.value === 'string' && actual.includes(rule.value);
      return Array.isArray(actual) && actual.includes(rule.value);
    case 'gt':
      return typeof actual === 'number' && actual > rule.value;
    case 'gte':
      return typeof actual === 'number' && actual >= rule.value;
    case 'lt':
      return typeof actual === 'number' && actual < rule.value;
    case 'lte':
      return typeof actual === 'number' && actual <= rule.value;
  }
}
