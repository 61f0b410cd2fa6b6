// What a client may send to create or change a profile, and the If-Match versions accepted.

import { CreateProfileBodySchema, PatchProfileBodySchema } from '../../../src/modules/profiles/profile';
import { expectedVersionFrom } from '../../../src/modules/profiles/if-match';
import { PreconditionRequiredError } from '../../../src/modules/profiles/profile-errors';
import { ValidationError } from '../../../src/platform/errors';

const valid = { name: 'n', organization: 'o', mission: 'm', focus_areas: ['B', 'E20', 'W30'], states: ['VA'] };

describe('profile request schemas', () => {
  it('accepts a minimal create and defaults the lists', () => {
    expect(CreateProfileBodySchema.parse({ name: 'n', organization: 'o', mission: 'm' })).toMatchObject({ focus_areas: [], states: [] });
    expect(CreateProfileBodySchema.safeParse(valid).success).toBe(true);
  });

  it.each([
    ['unknown fields', { ...valid, extra: 1 }],
    ['an EIN that is not 9 digits', { ...valid, ein: '12-3456789' }],
    ['a lower-case state', { ...valid, states: ['va'] }],
    ['a three-letter state', { ...valid, states: ['VAA'] }],
    ['a focus area that is not an NTEE prefix', { ...valid, focus_areas: ['health'] }],
    ['revenue_min above revenue_max', { ...valid, revenue_min: 2, revenue_max: 1 }],
    ['a negative revenue', { ...valid, revenue_min: -1 }],
    ['a fractional revenue', { ...valid, revenue_min: 1.5 }],
    ['a blank name', { ...valid, name: '   ' }],
  ])('refuses a create with %s', (_what, input) => {
    expect(CreateProfileBodySchema.safeParse(input).success).toBe(false);
  });

  it('accepts any non-empty subset in a patch, and null to clear optional fields', () => {
    expect(PatchProfileBodySchema.parse({ ein: null })).toEqual({ ein: null });
    expect(PatchProfileBodySchema.parse({ states: [] })).toEqual({ states: [] });
    expect(PatchProfileBodySchema.safeParse({}).success).toBe(false);
    expect(PatchProfileBodySchema.safeParse({ name: null }).success).toBe(false);
    expect(PatchProfileBodySchema.safeParse({ id: 'x' }).success).toBe(false);
    expect(PatchProfileBodySchema.safeParse({ revenue_min: 5, revenue_max: 4 }).success).toBe(false);
  });
});

describe('If-Match', () => {
  it('reads a quoted ETag or a bare number', () => {
    expect(expectedVersionFrom('"3"')).toBe(3);
    expect(expectedVersionFrom(' 12 ')).toBe(12);
  });
  it('asks for the header when it is missing (428)', () => {
    expect(() => expectedVersionFrom(undefined)).toThrow(PreconditionRequiredError);
    expect(() => expectedVersionFrom('')).toThrow(PreconditionRequiredError);
  });
  it.each(['*', 'W/"3"', '"3", "4"', 'abc', '"-1"'])('refuses %s (400)', (header) => {
    expect(() => expectedVersionFrom(header)).toThrow(ValidationError);
  });
});
