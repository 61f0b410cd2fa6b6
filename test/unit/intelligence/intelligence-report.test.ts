// The tier report built from step outputs: best ten matches with their BMF details, network paths
// from the profile, and a report (never a throw) when a step's output is unusable.

import { buildIntelligenceReport } from '../../../src/modules/intelligence/intelligence-report';

const run = { id: 'run-1', tier: 'standard', finishedAt: Date.UTC(2026, 0, 2, 3, 4, 5) };

const org = (ein: string, state: string, ntee: string, revenue: number | null) => ({ ein, name: `ORG ${ein}`, city: 'X', state, ntee_code: ntee, revenue_amount: revenue, zip: '1' });
const filter = {
  organizations: Array.from({ length: 12 }, (_, i) => org(String(100000000 + i), i % 2 ? 'VA' : 'MD', 'T20', i * 1000)),
  matched: 40,
  scanned: 403,
  skipped_malformed: 3,
  files: ['/x.csv'],
};
// Scores in no particular order, two ties at 90.
const score = {
  scores: filter.organizations.map((o, i) => ({ ein: o.ein, name: o.name, score: [50, 90, 10, 90, 70, 20, 30, 40, 60, 80, 95, 5][i]!, rationale: `because ${i}` })),
  model: null,
  degraded: true,
  degraded_reason: 'no_ai_endpoint',
};

describe('buildIntelligenceReport', () => {
  it('keeps the ten best scores (ties by EIN) joined with their BMF state, NTEE code and revenue', () => {
    const report = buildIntelligenceReport(run, { filter, score, hasNetworkStep: false });
    expect(report.top_matches.map((m) => m.score)).toEqual([95, 90, 90, 80, 70, 60, 50, 40, 30, 20]);
    expect(report.top_matches[1]!.ein < report.top_matches[2]!.ein).toBe(true);
    expect(report.top_matches[0]).toEqual({ ein: '100000010', name: 'ORG 100000010', state: 'MD', ntee_code: 'T20', revenue_amount: 10_000, score: 95, rationale: 'because 10' });
    expect(report).toMatchObject({ tier: 'standard', run_id: 'run-1', generated_at: '2026-01-02T03:04:05.000Z', degraded: true, model: null, filter: { matched: 40, scanned: 403 }, warnings: [] });
    expect(report.network).toBeUndefined();
  });

  it('lists reachable network paths from the profile, shortest first, and counts the unreachable ones', () => {
    const network = {
      organizations: [],
      links: [],
      shared_people: [],
      clusters: [{ id: 0, size: 3, members: [{ ein: '999999999', name: 'SEEKER' }, { ein: '100000001', name: null }, { ein: '100000002', name: 'B' }] }],
      paths: [
        { candidate_ein: '100000002', path: { eins: ['999999999', '100000001', '100000002'], hops: [{ from: '999999999', to: '100000001', people: ['Ann'] }, { from: '100000001', to: '100000002', people: ['Bo'] }], length: 2 } },
        { candidate_ein: '100000003', path: null },
        { candidate_ein: '100000001', path: { eins: ['999999999', '100000001'], hops: [{ from: '999999999', to: '100000001', people: ['Ann'] }], length: 1 } },
      ],
      skipped_board_members: 0,
    };
    const report = buildIntelligenceReport(run, { filter, score, network, hasNetworkStep: true });
    expect(report.network!.paths.map((p) => [p.candidate_ein, p.length, p.name])).toEqual([
      ['100000001', 1, 'ORG 100000001'],
      ['100000002', 2, 'ORG 100000002'],
    ]);
    expect(report.network!.unreachable).toBe(1);
    expect(report.network!.profile_in_network).toBe(true);
    expect(report.network!.clusters).toHaveLength(1);
  });

  it('says no paths were computed when the profile had no EIN', () => {
    const report = buildIntelligenceReport(run, { filter, score, network: { clusters: [], paths: null }, hasNetworkStep: true });
    expect(report.network).toEqual({ clusters: [], paths: [], unreachable: 0, profile_in_network: false });
  });

  it('builds a degraded report naming the unusable steps instead of throwing', () => {
    const report = buildIntelligenceReport(run, { filter: { rows: [] }, score: undefined, hasNetworkStep: true });
    expect(report.top_matches).toEqual([]);
    expect(report).toMatchObject({ degraded: true, degraded_reason: 'no_scores', model: null, filter: { matched: 0, scanned: 0 } });
    expect(report.network).toEqual({ clusters: [], paths: [], unreachable: 0, profile_in_network: false });
    expect(report.warnings).toEqual([expect.stringMatching(/^filter step: unrecognised output/), 'score step: no output', 'network step: no output']);
  });
});
