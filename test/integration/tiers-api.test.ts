// Intelligence tiers end to end over REST on SQLite and Postgres: a profile runs through a tier's
// workflow (BMF filter → board network → scoring) and the aggregated report lands on the profile.

import { join } from 'node:path';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';
import { startInProcessStack, type InProcessStack } from '../support/in-process';
import { waitUntil } from '../support/wait';
import { ROOT } from '../support/processes';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

jest.setTimeout(90_000);

/**
 * A grant seeker from the shipped sample: Families First of Norfolk (VA, human services) looks for
 * grantmakers (T) and health funders (E) in VA and MD. Its board shares people with several of the
 * matches (data-samples/board-members.json), so the network section has paths to show.
 */
const SEEKER = {
  name: 'Family health grants 2027',
  organization: 'Families First of Norfolk',
  ein: '847197457',
  mission: 'Home visiting, parenting support and family health services for families in Hampton Roads',
  focus_areas: ['T', 'E'],
  states: ['VA', 'MD'],
  revenue_min: 50_000,
  revenue_max: 2_000_000_000,
};

/** EINs of the shipped BMF sample (first column), to check matches come from the data. */
function sampleEins(): Set<string> {
  const lines = readFileSync(join(ROOT, 'data-samples', 'bmf', 'eo_sample.csv'), 'utf8').split('\n').slice(1);
  return new Set(lines.map((l) => l.split(',')[0]!).filter((e) => /^\d{9}$/.test(e)));
}

const FINAL = ['completed', 'compensated', 'failed', 'cancelled'];

describeEachDatabase('intelligence tiers API', (kind) => {
  let db: TestDatabase;
  let stack: InProcessStack | undefined;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await (await db.open()).close();
  });
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });
  afterAll(async () => {
    await db?.cleanup();
  });

  const start = async (env: Record<string, string> = {}) => {
    stack = await startInProcessStack({
      DATABASE_URL: db.url,
      WORKFLOWS_DIR: join(ROOT, 'workflows'),
      BMF_DATA_PATH: join(ROOT, 'data-samples', 'bmf'),
      BOARD_MEMBERS_PATH: join(ROOT, 'data-samples', 'board-members.json'),
      WORKER_POLL_INTERVAL_MS: '100',
      ...env,
    });
    return stack;
  };

  const createProfile = async (s: InProcessStack, overrides: Record<string, unknown> = {}) => {
    const res = await s.api('/api/profiles', { method: 'POST', json: { ...SEEKER, ...overrides } });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  const finishedRun = (s: InProcessStack, runId: string) =>
    waitUntil(
      async () => {
        const r = await s.api(`/api/workflow-runs/${runId}`);
        return FINAL.includes(r.body.status) ? r.body : undefined;
      },
      { what: `run ${runId} to finish`, timeoutMs: 60_000, intervalMs: 100 },
    );

  const reportOf = (s: InProcessStack, profileId: string, runId: string) =>
    waitUntil(
      async () => {
        const r = await s.api(`/api/profiles/${profileId}/reports/${runId}`);
        return r.status === 200 ? r.body : undefined;
      },
      { what: 'the report in the read model', timeoutMs: 20_000, intervalMs: 100 },
    );

  it('runs the standard tier and records one report with scored matches from the sample and network paths', async () => {
    const s = await start();
    const profileId = await createProfile(s);

    const started = await s.api(`/api/profiles/${profileId}/intelligence/standard`, { method: 'POST', json: { user_id: 'grants-team' } });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ profile_id: profileId, tier: 'standard', workflow_id: 'tier-standard', status: 'running' });
    const runId = started.body.run_id as string;

    const run = await finishedRun(s, runId);
    expect(run.status).toBe('completed');
    expect(run.metadata).toEqual({ profile_id: profileId, tier: 'standard' });
    expect(run.input.profile).toMatchObject({ ein: SEEKER.ein, focus_areas: SEEKER.focus_areas, states: SEEKER.states, revenue_min: SEEKER.revenue_min, revenue_max: SEEKER.revenue_max });
    expect(run.input.user_id).toBe('grants-team');

    const stored = await reportOf(s, profileId, runId);
    const list = await s.api(`/api/profiles/${profileId}/reports`);
    expect(list.status).toBe(200);
    expect(list.body.reports).toHaveLength(1);
    expect(list.body.reports[0]).toMatchObject({ run_id: runId, tier: 'standard' });

    const report = stored.report;
    expect(report).toMatchObject({ tier: 'standard', run_id: runId, degraded: true, model: null, degraded_reason: 'no_ai_endpoint', warnings: [] });
    expect(report.generated_at).toBe(run.finished_at);
    expect(report.filter.matched).toBeGreaterThan(0);
    expect(report.filter.scanned).toBeGreaterThanOrEqual(400);
    const eins = sampleEins();
    expect(report.top_matches.length).toBeGreaterThan(0);
    expect(report.top_matches.length).toBeLessThanOrEqual(10);
    for (const m of report.top_matches) {
      expect(eins.has(m.ein)).toBe(true);
      expect(m.score).toBeGreaterThanOrEqual(0);
      expect(m.score).toBeLessThanOrEqual(100);
      expect(SEEKER.states).toContain(m.state);
      expect(typeof m.rationale).toBe('string');
    }
    const scores = report.top_matches.map((m: { score: number }) => m.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));

    // The seeker's organization sits in the sample board network: some matches are reachable from it.
    expect(report.network.profile_in_network).toBe(true);
    expect(report.network.clusters.length).toBeGreaterThan(0);
    expect(report.network.paths.length).toBeGreaterThan(0);
    for (const p of report.network.paths) {
      expect(p.eins[0]).toBe(SEEKER.ein);
      expect(p.eins[p.eins.length - 1]).toBe(p.candidate_ein);
      expect(p.hops).toHaveLength(p.length);
    }

    // The report is an event on the profile's stream, and the profile's version moved with it.
    const events = await s.api(`/api/profiles/${profileId}/events`);
    expect(events.body.events.map((e: { type: string }) => e.type)).toEqual(['ProfileCreated', 'IntelligenceReportAdded']);
  });

  it('runs the current tier (no network section) and answers a repeated idempotency key with the first run', async () => {
    const s = await start();
    const profileId = await createProfile(s);
    const first = await s.api(`/api/profiles/${profileId}/intelligence/current`, { method: 'POST', json: { idempotency_key: 'quarterly-refresh' } });
    expect(first.status).toBe(202);
    const again = await s.api(`/api/profiles/${profileId}/intelligence/current`, { method: 'POST', json: { idempotency_key: 'quarterly-refresh' } });
    expect(again.status).toBe(200);
    expect(again.body.run_id).toBe(first.body.run_id);
    // The same key on another profile is another run: keys are scoped by profile.
    const other = await createProfile(s, { organization: 'Another seeker' });
    const otherRun = await s.api(`/api/profiles/${other}/intelligence/current`, { method: 'POST', json: { idempotency_key: 'quarterly-refresh' } });
    expect(otherRun.status).toBe(202);
    expect(otherRun.body.run_id).not.toBe(first.body.run_id);

    const run = await finishedRun(s, first.body.run_id);
    expect(run.status).toBe('completed');
    // Without a user_id in the body the run is for the calling key.
    expect(typeof run.input.user_id).toBe('string');
    const stored = await reportOf(s, profileId, first.body.run_id);
    expect(stored.report.tier).toBe('current');
    expect(stored.report.network).toBeUndefined();
    expect(stored.report.top_matches.length).toBeGreaterThan(0);
    expect(stored.report.degraded).toBe(true);
    await finishedRun(s, otherRun.body.run_id);
    await reportOf(s, other, otherRun.body.run_id);
    expect((await s.api(`/api/profiles/${profileId}/reports`)).body.reports).toHaveLength(1);
  });

  it('answers 404 for an unknown tier or profile and starts nothing', async () => {
    const s = await start();
    const profileId = await createProfile(s);
    const runsBefore = (await s.api('/api/workflow-runs')).body.total;
    const tier = await s.api(`/api/profiles/${profileId}/intelligence/platinum`, { method: 'POST' });
    expect(tier.status).toBe(404);
    expect(tier.body.error.message).toMatch(/platinum/);
    const profile = await s.api('/api/profiles/00000000-0000-4000-8000-000000000000/intelligence/standard', { method: 'POST' });
    expect(profile.status).toBe(404);
    expect(profile.body.error.code).toBe('not_found');
    expect((await s.api('/api/workflow-runs')).body.total).toBe(runsBefore);
  });

  it("answers 503 naming the workflow when the tier's definition was never loaded", async () => {
    // A database of its own: definitions loaded by the other tests persist in theirs.
    const empty = await createTestDatabase(kind);
    const noTiers = mkdtempSync(join(tmpdir(), 'catalynx-no-tiers-'));
    try {
      await (await empty.open()).close();
      stack = await startInProcessStack({ DATABASE_URL: empty.url, WORKFLOWS_DIR: noTiers });
      const created = await stack.api('/api/profiles', { method: 'POST', json: SEEKER });
      const res = await stack.api(`/api/profiles/${created.body.id}/intelligence/current`, { method: 'POST' });
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ code: 'tier_not_configured', details: { tier: 'current', workflow_id: 'tier-current' } });
    } finally {
      await stack?.stop();
      stack = undefined;
      await empty.cleanup();
      rmSync(noTiers, { recursive: true, force: true });
    }
  });

  it('leaves the profile without a report when the run fails, and the run says why', async () => {
    const s = await start({ BMF_DATA_PATH: join(ROOT, 'data-samples', 'no-such-bmf.csv') });
    const profileId = await createProfile(s);
    const started = await s.api(`/api/profiles/${profileId}/intelligence/standard`, { method: 'POST' });
    expect(started.status).toBe(202);
    const run = await finishedRun(s, started.body.run_id);
    expect(run.status).toBe('compensated'); // nothing to undo: no step completed
    expect(run.error).toMatch(/step filter failed/);
    expect(run.error).toMatch(/BMF_DATA_PATH/);
    expect((await s.api(`/api/profiles/${profileId}/reports`)).body.reports).toEqual([]);
    const events = await s.api(`/api/profiles/${profileId}/events`);
    expect(events.body.events.map((e: { type: string }) => e.type)).toEqual(['ProfileCreated']);
  });
});
