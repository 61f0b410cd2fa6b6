// The bmf_filter builtin agent through execute(): profile-derived filters, input validation and data-path failures.
import { join } from 'node:path';
import { PermanentAgentError } from '../../../src/modules/agents/agent-errors';
import { createBmfFilterAgent } from '../../../src/agents/bmf-filter-agent';
import { InvalidAgentInputError } from '../../../src/agents/invalid-agent-input-error';
import type { BmfFilterResult } from '../../../src/agents/bmf-filter';
import type { GrantProfile } from '../../../src/agents/profile';
import { invocation } from './support/agent-invocation';

const fixture = join(__dirname, 'fixtures', 'bmf-small.csv');

// Fixture rows that fit this profile: VA/MD, NTEE B/E/K, revenue 500K..50M. ARLINGTON LITERACY (B60,
// $400K) is below the range, ROANOKE VALLEY HOSPITAL (E22, $400M) above it, MARYLAND FOOD BANK
// (K31) has no revenue, DC CENTRAL KITCHEN (K31) is in DC: only these two remain.
const profile: GrantProfile = {
  name: 'Literacy and health 2025',
  organization: 'Arlington Literacy Council',
  mission: 'Adult and family literacy in Northern Virginia.',
  focus_areas: ['B', 'E', 'K'],
  states: ['VA', 'MD'],
  revenue_min: 500_000,
  revenue_max: 50_000_000,
  ein: null,
};

async function run(input: unknown, dataPath = fixture): Promise<BmfFilterResult> {
  const agent = createBmfFilterAgent({ dataPath });
  return (await agent.execute(invocation('bmf_filter', 'filter', input))) as BmfFilterResult;
}

describe('bmf_filter agent', () => {
  it('registers as bmf_filter with the discovery capability', () => {
    const agent = createBmfFilterAgent({ dataPath: fixture });
    expect(agent.config.id).toBe('bmf_filter');
    expect(agent.config.capabilities).toEqual(['bmf_filter', 'discovery']);
  });

  it('derives states, NTEE prefixes and the revenue range from the profile', async () => {
    const result = await run({ profile, limit: 25 });
    expect(result.organizations.map((o) => o.ein)).toEqual(['540000002', '540000001']);
    expect(result.matched).toBe(2);
    expect(result.scanned).toBe(19);
    expect(result.skipped_malformed).toBe(3);
    expect(result.files).toEqual([fixture]);
  });

  it('lets explicit filters override the profile and keeps the profile for the rest', async () => {
    // DC instead of VA/MD; focus areas and revenue range still from the profile.
    const result = await run({ profile, states: ['DC'] });
    expect(result.organizations.map((o) => o.ein)).toEqual(['520000003']);
  });

  it('treats null filters (from empty template values) as absent', async () => {
    const result = await run({ profile, states: null, revenue_max: null, limit: 25 });
    expect(result.organizations.map((o) => o.ein)).toEqual(['540000002', '540000001']);
  });

  it('applies plain filters without a profile', async () => {
    const result = await run({ ntee_prefixes: ['T'], foundation_codes: ['04'], sort_by: 'name' });
    expect(result.organizations.map((o) => o.ein)).toEqual(['520000004', '540000013']);
  });

  it('rejects bad input permanently and lists every problem', async () => {
    const error = await run({ states: 'VA', limit: 0, stat: ['VA'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentAgentError);
    expect(error).toBeInstanceOf(InvalidAgentInputError);
    const problems = (error as InvalidAgentInputError).problems.join('\n');
    expect(problems).toMatch(/^states:/m);
    expect(problems).toMatch(/^limit:/m);
    expect(problems).toMatch(/stat/);
  });

  it('rejects filters that are well-typed but unusable, with the filter problems', async () => {
    const error = await run({ states: ['Virginia'], revenue_min: 10, revenue_max: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidAgentInputError);
    expect((error as InvalidAgentInputError).problems).toEqual([
      'states must be two-letter codes',
      'revenue_min (10) is greater than revenue_max (5)',
    ]);
  });

  it('rejects a profile missing its focus areas', async () => {
    const { focus_areas: _omitted, ...incomplete } = profile;
    await expect(run({ profile: incomplete })).rejects.toThrow(/profile\.focus_areas/);
  });

  it('rejects an unknown action permanently', async () => {
    const agent = createBmfFilterAgent({ dataPath: fixture });
    await expect(agent.execute(invocation('bmf_filter', 'search', {}))).rejects.toBeInstanceOf(PermanentAgentError);
  });

  it('fails permanently with the path when the data file is missing', async () => {
    const missing = join(__dirname, 'fixtures', 'no-such-bmf.csv');
    const error = await run({ profile }, missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentAgentError);
    expect((error as Error).message).toContain(missing);
    expect((error as Error).message).toMatch(/not found/);
  });

  it('fails permanently when the data file is not a BMF extract', async () => {
    const error = await run({ profile }, join(__dirname, '..', '..', '..', 'data-samples', 'board-members.json')).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PermanentAgentError);
    expect((error as Error).message).toMatch(/not an EO BMF extract/);
  });

  it('reports healthy only while the data path exists', async () => {
    const signal = new AbortController().signal;
    await expect(createBmfFilterAgent({ dataPath: fixture }).health?.(signal)).resolves.toMatchObject({ healthy: true });
    await expect(createBmfFilterAgent({ dataPath: `${fixture}.gone` }).health?.(signal)).resolves.toMatchObject({
      healthy: false,
    });
  });
});
