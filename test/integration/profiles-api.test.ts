// The event-sourced profiles over real HTTP on SQLite and Postgres: commands, versions and
// If-Match, concurrent edits decided by the event store, the read model and its rebuild.

import type { DatabaseHandle } from '../../src/platform/db';
import type { Runnable } from '../../src/processes/services';
import { rebuildProfileProjection } from '../../src/modules/profiles/profile-projection-subscription';
import { createProfiles, type Profiles } from '../../src/modules/profiles/profiles';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';
import { startInProcessWeb, type InProcessWeb } from '../support/in-process';
import { waitUntil } from '../support/wait';

const ADMIN_KEY = 'test-admin-key-profiles-0123456789';

interface ProfileBody {
  id: string;
  name: string;
  organization: string;
  ein: string | null;
  mission: string;
  focus_areas: string[];
  states: string[];
  revenue_min: number | null;
  revenue_max: number | null;
  version: number;
}

const valid = {
  name: 'Grant seeker',
  organization: 'Heroes Bridge',
  ein: '812827604',
  mission: 'Support veterans and their families',
  focus_areas: ['W30', 'P'],
  states: ['VA', 'MD'],
  revenue_min: 100_000,
  revenue_max: 5_000_000,
};

describeEachDatabase('profiles API', (kind) => {
  let db: TestDatabase;
  let web: InProcessWeb;
  let database: DatabaseHandle;
  let projection: Runnable;
  let profiles: Profiles;

  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${web.url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${ADMIN_KEY}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  const create = async (overrides: Record<string, unknown> = {}) => {
    const res = await call('POST', '/api/profiles', { ...valid, ...overrides });
    expect(res.status).toBe(201);
    return (await res.json()) as ProfileBody;
  };
  const eventCount = () => web.services.events.headPosition();

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await (await db.open()).close();
    web = await startInProcessWeb({ DATABASE_URL: db.url, ADMIN_API_KEY: ADMIN_KEY, RATE_LIMIT_REQUESTS: '100000', WORKER_POLL_INTERVAL_MS: '60000' });
    database = web.platform.database;
    // startInProcessWeb starts the web part only; the projection is a worker component.
    projection = web.services.workerRunnables.find((r) => r.name === 'profiles-projection')!;
    await projection.start();
    profiles = createProfiles({ events: web.services.events, notifier: web.platform.notifier });
  });
  afterAll(async () => {
    await projection?.stop();
    await web?.stop();
    await db?.cleanup();
  });

  it('creates a profile: 201 with id, version 1, ETag "1" and Location', async () => {
    const res = await call('POST', '/api/profiles', valid);
    expect(res.status).toBe(201);
    const body = (await res.json()) as ProfileBody;
    expect(body).toMatchObject({ ...valid, version: 1 });
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.headers.get('location')).toBe(`/api/profiles/${body.id}`);
    const got = await call('GET', `/api/profiles/${body.id}`);
    expect(got.status).toBe(200);
    expect(got.headers.get('etag')).toBe('"1"');
    expect(await got.json()).toEqual(body);
  });

  it('answers an unknown id with 404 and a malformed id with 400', async () => {
    expect((await call('GET', '/api/profiles/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await call('GET', '/api/profiles/not-a-uuid')).status).toBe(400);
    expect((await call('PATCH', '/api/profiles/00000000-0000-4000-8000-000000000000', { name: 'x' }, { 'If-Match': '"1"' })).status).toBe(404);
    expect((await call('GET', '/api/profiles/00000000-0000-4000-8000-000000000000/events')).status).toBe(404);
  });

  it('updates with If-Match, records only the changed fields, and serves earlier versions', async () => {
    const p = await create();
    const res = await call('PATCH', `/api/profiles/${p.id}`, { mission: 'New mission', states: ['VA', 'MD'] }, { 'If-Match': '"1"' });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"2"');
    expect(await res.json()).toMatchObject({ mission: 'New mission', version: 2 });
    // An unquoted version is accepted too.
    const again = await call('PATCH', `/api/profiles/${p.id}`, { revenue_max: null }, { 'If-Match': '2' });
    expect(again.status).toBe(200);
    const stream = (await (await call('GET', `/api/profiles/${p.id}/events`)).json()) as { events: { type: string; version: number; data: unknown }[] };
    expect(stream.events.map((e) => [e.type, e.version, e.data])).toEqual([
      ['ProfileCreated', 1, expect.objectContaining({ name: valid.name })],
      ['ProfileUpdated', 2, { mission: 'New mission' }],
      ['ProfileUpdated', 3, { revenue_max: null }],
    ]);
    const v1 = await call('GET', `/api/profiles/${p.id}?version=1`);
    expect(v1.headers.get('etag')).toBe('"1"');
    expect(await v1.json()).toMatchObject({ mission: valid.mission, revenue_max: valid.revenue_max, version: 1 });
    expect(await (await call('GET', `/api/profiles/${p.id}`)).json()).toMatchObject({ mission: 'New mission', revenue_max: null, version: 3 });
    for (const v of ['4', '0']) expect((await call('GET', `/api/profiles/${p.id}?version=${v}`)).status).toBe(404);
    expect((await call('GET', `/api/profiles/${p.id}?version=x`)).status).toBe(400);
  });

  it('refuses a PATCH without If-Match (428) or with a stale one (409), writing nothing', async () => {
    const p = await create();
    const before = await eventCount();
    const missing = await call('PATCH', `/api/profiles/${p.id}`, { name: 'x' });
    expect(missing.status).toBe(428);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('precondition_required');
    const stale = await call('PATCH', `/api/profiles/${p.id}`, { name: 'x' }, { 'If-Match': '"7"' });
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as { error: { details: { current_version: number } } }).error.details.current_version).toBe(1);
    const garbled = await call('PATCH', `/api/profiles/${p.id}`, { name: 'x' }, { 'If-Match': 'W/"x"' });
    expect(garbled.status).toBe(400);
    expect(await eventCount()).toBe(before);
  });

  it('lets exactly one of 20 concurrent PATCHes with the same If-Match win', async () => {
    const p = await create();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call('PATCH', `/api/profiles/${p.id}`, { mission: `mission ${i}` }, { 'If-Match': '"1"' })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    for (const r of results.filter((x) => x.status === 409)) {
      expect(((await r.json()) as { error: { details: { current_version: number } } }).error.details.current_version).toBe(2);
    }
    const stream = (await (await call('GET', `/api/profiles/${p.id}/events`)).json()) as { events: { version: number }[] };
    expect(stream.events.map((e) => e.version)).toEqual([1, 2]);
  });

  it.each([
    ['malformed JSON', '{"name": '],
    ['an unknown field', { ...valid, favourite_colour: 'blue' }],
    ['a wrong type', { ...valid, states: 'VA' }],
    ['a short EIN', { ...valid, ein: '12345678' }],
    ['a bad state code', { ...valid, states: ['Virginia'] }],
    ['a bad NTEE prefix', { ...valid, focus_areas: ['veterans'] }],
    ['revenue_min above revenue_max', { ...valid, revenue_min: 10, revenue_max: 5 }],
    ['a missing name', { ...valid, name: undefined }],
  ])('refuses a create with %s: 400, nothing written', async (_what, body) => {
    const before = await eventCount();
    const res = await call('POST', '/api/profiles', body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toMatch(/validation_failed|malformed_json/);
    expect(await eventCount()).toBe(before);
  });

  it.each([
    ['an empty patch', {}],
    ['an unknown field', { colour: 'blue' }],
    ['a wrong type', { revenue_min: 'lots' }],
    ['a revenue_min above the stored revenue_max', { revenue_min: 9_000_000 }],
  ])('refuses a patch with %s: 400, nothing written', async (_what, body) => {
    const p = await create();
    const before = await eventCount();
    const res = await call('PATCH', `/api/profiles/${p.id}`, body, { 'If-Match': '"1"' });
    expect(res.status).toBe(400);
    expect(await eventCount()).toBe(before);
  });

  it('keeps the read model current: list, intelligence reports, rebuild gives the same rows', async () => {
    const p = await create({ name: 'Reported' });
    expect(await profiles.recordIntelligenceReport(p.id, 'run-1', 'standard', { score: 0.8, matches: ['a'] })).toEqual({ appended: true, version: 2 });
    // A retried saga step records the same run once.
    expect(await profiles.recordIntelligenceReport(p.id, 'run-1', 'standard', { score: 0.8 })).toEqual({ appended: false, version: 2 });
    const head = await eventCount();
    await waitUntil(
      async () => {
        const row = await database.db.selectFrom('subscription_checkpoints').select('position').where('subscriber', '=', 'profiles-projection').executeTakeFirst();
        return Number(row?.position) === head;
      },
      { what: 'the projection to catch up' },
    );

    const list = (await (await call('GET', '/api/profiles?limit=1000')).json()) as { profiles: ProfileBody[]; total: number };
    const fromEvents = (await (await call('GET', `/api/profiles/${p.id}`)).json()) as ProfileBody;
    expect(list.profiles.find((x) => x.id === p.id)).toEqual(fromEvents);
    expect(list.total).toBe(list.profiles.length);
    const paged = (await (await call('GET', '/api/profiles?limit=2&offset=1')).json()) as { profiles: ProfileBody[] };
    expect(paged.profiles.map((x) => x.id)).toEqual(list.profiles.slice(1, 3).map((x) => x.id));
    expect((await call('GET', '/api/profiles?limit=0')).status).toBe(400);

    const reports = (await (await call('GET', `/api/profiles/${p.id}/reports`)).json()) as { reports: unknown[] };
    expect(reports.reports).toEqual([
      expect.objectContaining({ profile_id: p.id, run_id: 'run-1', tier: 'standard', report: { score: 0.8, matches: ['a'] } }),
    ]);
    expect((await call('GET', `/api/profiles/${p.id}/reports/run-1`)).status).toBe(200);
    expect((await call('GET', `/api/profiles/${p.id}/reports/run-2`)).status).toBe(404);
    expect((await call('GET', '/api/profiles/00000000-0000-4000-8000-000000000000/reports')).status).toBe(404);

    const rows = async () => ({
      profiles: await database.db.selectFrom('profiles').selectAll().orderBy('id').execute(),
      reports: await database.db.selectFrom('profile_reports').selectAll().orderBy('profile_id').orderBy('run_id').execute(),
    });
    const live = await rows();
    expect(live.profiles.length).toBeGreaterThan(5);
    const counts = await rebuildProfileProjection(database);
    expect(counts).toMatchObject({ profiles: live.profiles.length, reports: 1, position: head });
    expect(await rows()).toEqual(live);

    // The live subscription carries on from the rebuilt checkpoint: no double apply, nothing lost.
    const patched = await call('PATCH', `/api/profiles/${p.id}`, { name: 'After rebuild' }, { 'If-Match': '"2"' });
    expect(patched.status).toBe(200);
    await waitUntil(
      async () => {
        const row = await database.db.selectFrom('profiles').select(['name', 'version']).where('id', '=', p.id).executeTakeFirst();
        return row?.name === 'After rebuild' && Number(row.version) === 3;
      },
      { what: 'the projection to apply the patch after the rebuild' },
    );
  });
});
