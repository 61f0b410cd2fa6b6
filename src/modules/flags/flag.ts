// The feature flag model: zod schemas that validate a flag (and its conditions) and the types they give.
import { z } from 'zod';

export const FLAG_STATES = ['disabled', 'enabled', 'rollout'] as const;
export type FlagState = (typeof FLAG_STATES)[number];

export const CONDITION_OPERATORS = [
  'in',
  'not_in',
  'equals',
  'not_equals',
  'gt',
  'gte',
  'lt',
  'lte',
  'contains',
  'exists',
] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

/**
 * Flag names: lowercase letters, digits, `_`, `-` and `.`, 1..100 characters. No `:` is allowed,
 * which keeps the rollout hash input `name:user_id` unambiguous (see stable-hash.ts).
 */
export const FLAG_NAME_PATTERN = /^[a-z0-9_.-]{1,100}$/;

const scalarMessage = 'must be a string, number or boolean';
const ScalarSchema = z.union([z.string(), z.number(), z.boolean()], { error: scalarMessage });
export type ConditionScalar = z.infer<typeof ScalarSchema>;

const AttributeSchema = z
  .string({ error: 'must be a string' })
  .min(1, 'must not be empty');

const ValuesSchema = z
  .array(ScalarSchema, { error: 'must be a list of strings, numbers or booleans' })
  .min(1, 'must not be empty (a rule over an empty list can never be met)');

/** `in` / `not_in`: the attribute is (not) one of `values`. */
const ListRuleSchema = z.strictObject({
  attribute: AttributeSchema,
  operator: z.enum(['in', 'not_in']),
  values: ValuesSchema,
});

/** `equals` / `not_equals` / `contains`: compares the attribute with one `value`, without type coercion. */
const ValueRuleSchema = z.strictObject({
  attribute: AttributeSchema,
  operator: z.enum(['equals', 'not_equals', 'contains']),
  value: ScalarSchema,
});

/** `gt` / `gte` / `lt` / `lte`: numeric ordering only (ordering strings like "10" < "9" would mislead). */
const OrderRuleSchema = z.strictObject({
  attribute: AttributeSchema,
  operator: z.enum(['gt', 'gte', 'lt', 'lte']),
  value: z.number({ error: 'must be a number for an ordering operator' }),
});

/** `exists`: the attribute is present and not null. Takes no value. */
const ExistsRuleSchema = z.strictObject({
  attribute: AttributeSchema,
  operator: z.literal('exists'),
});

/** One attribute rule. Which of `value` / `values` is required depends on the operator. */
export const ConditionSchema = z.discriminatedUnion(
  'operator',
  [ListRuleSchema, ValueRuleSchema, OrderRuleSchema, ExistsRuleSchema],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `must be one of ${CONDITION_OPERATORS.join(', ')}`
        : 'must be a mapping with attribute and operator',
  },
);
export type Condition = z.infer<typeof ConditionSchema>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is ConditionScalar {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/**
 * Turns the compact YAML shorthand into the rule array:
 * `{ plan: [pro, enterprise] }` → `[{ attribute: 'plan', operator: 'in', values: ['pro', 'enterprise'] }]`
 * and `{ country: 'fr' }` → `[{ attribute: 'country', operator: 'equals', value: 'fr' }]`.
 * Absent or null conditions (`conditions:` left empty in YAML) become `[]`; a rule array passes through.
 * Shorthand entries that are neither a value nor a list are passed on as `in` rules so that
 * validation reports them; `FeatureFlagSchema` reports them by attribute name instead.
 */
export function normaliseConditions(raw: unknown): unknown {
  if (raw === undefined || raw === null) return [];
  if (!isPlainObject(raw)) return raw;
  return Object.entries(raw).map(([attribute, expected]) =>
    isScalar(expected)
      ? { attribute, operator: 'equals', value: expected }
      : { attribute, operator: 'in', values: expected },
  );
}

/** Shorthand written in YAML: attribute → one value (`equals`) or a list of values (`in`). */
export type ConditionsShorthand = Record<string, ConditionScalar | ConditionScalar[]>;
/** What callers may write for `conditions` (null/absent mean none). */
export type ConditionsInput = z.input<typeof ConditionSchema>[] | ConditionsShorthand | null;

/** All rules must match (AND). Accepts the rule array or the shorthand mapping. */
export const ConditionsSchema = z.preprocess((input: ConditionsInput, ctx) => {
  // The parameter type documents accepted input for callers; at run time anything can arrive.
  const raw: unknown = input;
  if (isPlainObject(raw)) {
    // Report bad shorthand entries under the attribute name the author wrote, not a rule index.
    let valid = true;
    for (const [attribute, expected] of Object.entries(raw)) {
      const isList = Array.isArray(expected) && expected.length > 0 && expected.every(isScalar);
      if (!isScalar(expected) && !isList) {
        valid = false;
        ctx.addIssue({
          code: 'custom',
          path: [attribute],
          message: 'shorthand must be a value or a non-empty list of strings, numbers or booleans',
        });
      }
    }
    if (!valid) return [];
  }
  return normaliseConditions(raw);
}, z.array(ConditionSchema, { error: 'must be a list of rules or a mapping of attribute: values' }));

const rangeMessage = 'must be between 0 and 100';
/**
 * Rollout buckets are 0.01 wide (stable-hash.ts), so finer percentages could not be honoured;
 * they are rejected rather than silently rounded.
 */
const PercentageSchema = z
  .number({ error: 'must be a number' })
  .min(0, rangeMessage)
  .max(100, rangeMessage)
  .refine((p) => Math.round(p * 100) / 100 === p, 'must have at most two decimal places');

const FlagFieldsSchema = z
  .strictObject({
    name: z
      .string({ error: 'must be a string' })
      .regex(
        FLAG_NAME_PATTERN,
        "must be 1 to 100 characters of lowercase letters, digits, '_', '-' or '.'",
      ),
    state: z.enum(FLAG_STATES, { error: `must be one of ${FLAG_STATES.join(', ')}` }),
    rollout_percentage: PercentageSchema.optional(),
    // A function default so no two flags share one mutable array.
    conditions: ConditionsSchema.default(() => []),
    description: z.string({ error: 'must be a string' }).default(''),
  })
  .superRefine(
    (flag, ctx) => {
      // Defaulting a missing percentage to 0 would silently turn the rollout off for everyone.
      if (flag.state === 'rollout' && flag.rollout_percentage === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['rollout_percentage'],
          message: 'is required when state is rollout',
        });
      }
    },
    // Run even when other fields are wrong, so one pass lists every problem. The value may then be
    // partly invalid; the check only reads `state` and `rollout_percentage`, comparing by identity.
    { when: (payload) => isPlainObject(payload.value) },
  );

/**
 * A validated feature flag. Output has every field filled: `rollout_percentage` is 0 when not
 * given (only `rollout` reads it), `conditions` is a rule array, `description` defaults to ''.
 * Unknown fields are rejected, so a typo such as `rollout_percent` fails loudly.
 */
export const FeatureFlagSchema = FlagFieldsSchema.transform((flag) => ({
  ...flag,
  rollout_percentage: flag.rollout_percentage ?? 0,
}));

export type FeatureFlag = z.output<typeof FeatureFlagSchema>;
/** What a caller may write: shorthand conditions, optional percentage/description. */
export type FeatureFlagInput = z.input<typeof FeatureFlagSchema>;

function describePath(path: readonly PropertyKey[]): string {
  return path
    .map((segment, index) => {
      if (typeof segment === 'number') return `[${segment}]`;
      const key = String(segment);
      return index === 0 ? key : `.${key}`;
    })
    .join('');
}

/**
 * Turns zod issues for a flag into `prefix.field: message` lines
 * (e.g. `gpt5_analysis.rollout_percentage: must be between 0 and 100`), one per problem.
 */
export function describeFlagIssues(issues: readonly z.core.$ZodIssue[], prefix: string): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const at = describePath(issue.path);
    const base = at === '' ? prefix : at.startsWith('[') ? `${prefix}${at}` : `${prefix}.${at}`;
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) lines.push(`${base}.${key}: is not a known field`);
    } else {
      lines.push(`${base}: ${issue.message}`);
    }
  }
  return lines;
}
