// GET /api/events over real HTTP on SQLite and Postgres: paging after a position, type filters, bad input.

import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';
import { startInProcessWeb, type InProcessWeb } from '../support/in-process';

const ADMIN_KEY = 'test-admin-key-events-0123456789';

describeEachDatabase('GET /api/events', (kind) => {
  let db: TestDatabase;
  let web: InProcessWeb;
  const get = (path: string) => fetch(`${web.url}${path}`, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await (await db.open()).close();
    web = await startInProcessWeb({ DATABASE_URL: db.url, ADMIN_API_KEY: ADMIN_KEY, RATE_LIMIT_REQUESTS: '100000' });
    const events = web.services.events;
    for (let i = 0; i < 5; i++) {
      await events.append({ aggregateType: 'order', aggregateId: 'o1', expectedVersion: i, events: [{ type: i % 2 ? 'OrderPaid' : 'OrderPlaced', data: { i } }] });
    }
    await events.append({ aggregateType: 'order', aggregateId: 'o2', expectedVersion: 0, events: [{ type: 'OrderShipped', data: {} }] });
  });
  afterAll(async () => {
    await web?.stop();
    await db?.cleanup();
  });

  it('pages through the global stream with after and next_after', async () => {
    const first = await get('/api/events?limit=4');
    expect(first.status).toBe(200);
    const page1 = (await first.json()) as { events: { position: number; version: number; aggregate_id: string }[]; next_after: number };
    expect(page1.events).toHaveLength(4);
    expect(page1.next_after).toBe(page1.events[3].position);
    const page2 = (await (await get(`/api/events?after=${page1.next_after}&limit=4`)).json()) as typeof page1;
    expect(page2.events).toHaveLength(2);
    const all = [...page1.events, ...page2.events];
    expect(all.map((e) => e.position)).toEqual([...all.map((e) => e.position)].sort((a, b) => a - b));
    const page3 = (await (await get(`/api/events?after=${page2.next_after}`)).json()) as typeof page1;
    expect(page3).toEqual({ events: [], next_after: page2.next_after });
  });

  it('filters by type, repeated or comma-separated', async () => {
    const repeated = (await (await get('/api/events?type=OrderPaid&type=OrderShipped')).json()) as { events: { type: string }[] };
    const comma = (await (await get('/api/events?type=OrderPaid,OrderShipped')).json()) as { events: { type: string }[] };
    expect(repeated.events.map((e) => e.type)).toEqual(['OrderPaid', 'OrderPaid', 'OrderShipped']);
    expect(comma).toEqual(repeated);
  });

  it.each(['limit=0', 'limit=1001', 'limit=abc', 'after=-1', 'after=1.5'])('answers %s with a JSON 400', async (q) => {
    const res = await get(`/api/events?${q}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
  });
});
