// fallbackScore / fallbackScores: deterministic NTEE, geography and revenue fit, readable rationale.
import * as path from 'node:path';
import fc from 'fast-check';
import { fallbackScore, fallbackScores } from '../../../src/agents/ai-heavy';
import { filterBmf } from '../../../src/agents/bmf-filter';
import type { CandidateOrganization, GrantProfile } from '../../../src/agents/profile';

const profile: GrantProfile = {
  name: 'Clinic expansion',
  organization: 'Richmond Free Clinic',
  mission: 'Free primary care for uninsured adults.',
  focus_areas: ['E20', 'P'],
  states: ['VA', 'md'],
  revenue_min: 1_000_000,
  revenue_max: 10_000_000,
};

const candidate = (over: Partial<CandidateOrganization>): CandidateOrganization => ({
  ein: '540000001',
  name: 'CANDIDATE',
  state: 'VA',
  ntee_code: 'E20',
  revenue_amount: 2_000_000,
  ...over,
});

describe('fallbackScore', () => {
  it('gives 100 to an exact NTEE match in a target state within the revenue range', () => {
    const result = fallbackScore(profile, candidate({}));
    expect(result.factors).toEqual({ ntee: 1, geography: 1, revenue: 1 });
    expect(result.score).toBe(100);
    expect(result.rationale).toBe(
      'NTEE E20 matches focus area E20; located in VA, a target state; revenue $2M is within the target range ($1M–$10M).',
    );
  });

  it('ranks an exact NTEE code above the same major group, above another group or no code', () => {
    const ntee = (code: string | null) => fallbackScore(profile, candidate({ ntee_code: code })).factors.ntee;
    expect(ntee('E20')).toBe(1);
    expect(ntee('e20')).toBe(1);
    expect(ntee('E21')).toBe(0.5);
    expect(ntee('P30')).toBe(1); // "P" names the whole major group
    expect(ntee('B20')).toBe(0);
    expect(ntee(null)).toBe(0);
    expect(fallbackScore(profile, candidate({ ntee_code: 'E21' })).rationale).toContain(
      'NTEE E21 is in the same major group as focus area E20',
    );
  });

  it('scores geography by target state, case-insensitively', () => {
    const geo = (state: string | null) => fallbackScore(profile, candidate({ state })).factors.geography;
    expect(geo('MD')).toBe(1);
    expect(geo('va')).toBe(1);
    expect(geo('TX')).toBe(0);
    expect(geo(null)).toBe(0);
    expect(fallbackScore(profile, candidate({ state: 'TX' })).rationale).toContain('located in TX, outside the target states (VA, MD)');
  });

  it('lowers the revenue fit with the order of magnitude outside the range', () => {
    const rev = (revenue_amount: number | null) => fallbackScore(profile, candidate({ revenue_amount })).factors.revenue;
    expect(rev(1_000_000)).toBe(1); // bounds are inclusive
    expect(rev(10_000_000)).toBe(1);
    expect(rev(500_000)).toBe(0.7); // 1 + log10(0.5) = 0.699
    expect(rev(100_000)).toBe(0); // ten times below the minimum
    expect(rev(20_000_000)).toBe(0.7);
    expect(rev(0)).toBe(0);
    expect(rev(null)).toBe(0);
    expect(fallbackScore(profile, candidate({ revenue_amount: 500_000 })).rationale).toContain(
      'revenue $500K is below the target range ($1M–$10M)',
    );
  });

  it('weights NTEE 50, geography 25, revenue 25', () => {
    // same major group (0.5·50) + out of state (0) + unknown revenue (0) = 25
    expect(fallbackScore(profile, candidate({ ntee_code: 'E21', state: 'TX', revenue_amount: null }))).toEqual({
      score: 25,
      factors: { ntee: 0.5, geography: 0, revenue: 0 },
      rationale: 'NTEE E21 is in the same major group as focus area E20; located in TX, outside the target states (VA, MD); revenue unknown.',
    });
  });

  it('treats a profile without preferences as satisfied by everyone', () => {
    const open: GrantProfile = { ...profile, focus_areas: [], states: [], revenue_min: null, revenue_max: undefined };
    const result = fallbackScore(open, candidate({ ntee_code: null, state: null, revenue_amount: null }));
    expect(result.score).toBe(100);
    expect(result.rationale).toBe(
      'The profile lists no focus areas; the profile has no state preference; the profile has no revenue range.',
    );
  });

  it('stays within 0..100 for any candidate', () => {
    fc.assert(
      fc.property(
        fc.option(fc.string({ maxLength: 4 })),
        fc.option(fc.string({ maxLength: 3 })),
        fc.option(fc.double({ min: -1e12, max: 1e12, noNaN: true })),
        (ntee_code, state, revenue_amount) => {
          const { score } = fallbackScore(profile, candidate({ ntee_code, state, revenue_amount }));
          expect(Number.isInteger(score)).toBe(true);
          expect(score).toBeGreaterThanOrEqual(0);
          expect(score).toBeLessThanOrEqual(100);
        },
      ),
    );
  });
});

describe('fallbackScores', () => {
  it('scores BMF filter results directly, best first, as a degraded result with no model', async () => {
    const fixture = path.join(__dirname, 'fixtures', 'bmf-small.csv');
    const { organizations } = await filterBmf(fixture, { states: ['VA', 'MD', 'DC'], subsection: '03' });
    const result = fallbackScores(profile, organizations);
    expect(result.model).toBeNull();
    expect(result.degraded).toBe(true);
    expect(result.scores).toHaveLength(organizations.length);
    // E-coded VA organizations with revenue in range lead: RICHMOND FREE CLINIC (E32, 2.5M)
    // and ROANOKE VALLEY HOSPITAL (E22, 400M: far above the range) both share the E group only.
    expect(result.scores[0]).toMatchObject({ ein: '540000001', score: 75, factors: { ntee: 0.5, geography: 1, revenue: 1 } });
    for (let i = 1; i < result.scores.length; i++) {
      const [prev, cur] = [result.scores[i - 1]!, result.scores[i]!];
      expect(prev.score > cur.score || (prev.score === cur.score && prev.ein < cur.ein)).toBe(true);
    }
  });
});
