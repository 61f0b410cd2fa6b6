// Rate limits through the real web stack: 429 with Retry-After and RateLimit-* headers, one limit
// shared by two web instances through the real Redis, and fail-open/closed with Redis unreachable.

import { randomBytes } from 'node:crypto';
import { createTestDatabase, redisUrlOrSkip, type TestDatabase } from '../support/services';
import { startInProcessWeb, type InProcessWeb } from '../support/in-process';

const redisService = redisUrlOrSkip();

// Port 1 (tcpmux) has no listener on any machine this runs on: connections are refused at once.
// A port freed by the test could be taken by a parallel test's server before Redis connects.
const UNREACHABLE_REDIS = 'redis://127.0.0.1:1';

async function newKey(web: InProcessWeb, admin: string, scopes: string[]): Promise<string> {
  const res = await fetch(`${web.url}/api/keys`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'limited', scopes }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { key: string }).key;
}

describe('gateway rate limits', () => {
  let db: TestDatabase;
  const webs: InProcessWeb[] = [];
  // A unique admin key per run gives the environment key its own counters in a shared Redis.
  const admin = `rl-admin-${randomBytes(8).toString('hex')}`;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    await (await db.open()).close();
  });
  afterEach(async () => {
    for (const w of webs.splice(0)) await w.stop();
  });
  afterAll(async () => db?.cleanup());

  it('answers 429 with Retry-After once a key exceeds its limit, with RateLimit-* headers on every limited response', async () => {
    const web = await startInProcessWeb({ DATABASE_URL: db.url, ADMIN_API_KEY: admin, RATE_LIMIT_REQUESTS: '3', RATE_LIMIT_WINDOW_SECONDS: '60' });
    webs.push(web);
    const key = await newKey(web, admin, ['admin']);
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await fetch(`${web.url}/api/keys`, { headers: { 'X-API-Key': key } });
      statuses.push(last.status);
      expect(last.headers.get('ratelimit-limit')).toBe('3');
      expect(last.headers.get('ratelimit-policy')).toBe('3;w=60');
      expect(Number(last.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
      if (i < 3) expect(last.headers.get('ratelimit-remaining')).toBe(String(2 - i));
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    const retryAfter = Number(last!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await last!.json()).toMatchObject({ error: { code: 'rate_limited' } });
    // Another key has its own budget; public paths are not limited.
    expect((await fetch(`${web.url}/api/keys`, { headers: { Authorization: `Bearer ${admin}` } })).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await fetch(`${web.url}/health/live`)).status).toBe(200);
  });

  it('gives keys holding an overridden scope the highest override among their scopes', async () => {
    const web = await startInProcessWeb({
      DATABASE_URL: db.url,
      ADMIN_API_KEY: admin,
      RATE_LIMIT_REQUESTS: '2',
      RATE_LIMIT_SCOPE_OVERRIDES: 'read=5,admin=4',
    });
    webs.push(web);
    const key = await newKey(web, admin, ['admin', 'read']);
    const res = await fetch(`${web.url}/api/keys`, { headers: { 'X-API-Key': key } });
    expect(res.headers.get('ratelimit-limit')).toBe('5');
  });

  it('limits unauthenticated callers per client IP', async () => {
    const web = await startInProcessWeb({ DATABASE_URL: db.url, ADMIN_API_KEY: admin, RATE_LIMIT_REQUESTS: '2' });
    webs.push(web);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${web.url}/api/keys`, { headers: { 'X-API-Key': `cx_guess${i}` } })).status);
    expect(statuses).toEqual([401, 401, 429]);
  });

  (redisService.url ? describe : describe.skip)(`with Redis${redisService.skip ? ` [skipped: ${redisService.skip}]` : ''}`, () => {
    it('two web instances share one limit through Redis', async () => {
      const env = { DATABASE_URL: db.url, ADMIN_API_KEY: admin, REDIS_URL: redisService.url!, RATE_LIMIT_REQUESTS: '4' };
      const a = await startInProcessWeb(env);
      const b = await startInProcessWeb(env);
      webs.push(a, b);
      // A fresh key (new id) gives this run its own counter.
      const key = await newKey(a, admin, ['admin']);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const web = i % 2 === 0 ? a : b;
        statuses.push((await fetch(`${web.url}/api/keys`, { headers: { 'X-API-Key': key } })).status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      const health = (await (await fetch(`${a.url}/health`)).json()) as { components: { name: string; status: string; details: unknown }[] };
      expect(health.components.find((c) => c.name === 'rate_limiter')).toMatchObject({
        status: 'healthy',
        details: { backend: 'redis', sharedAvailable: true },
      });
    });
  });

  it('fails open with Redis unreachable: requests pass (limited per process) and rate_limiter is degraded', async () => {
    const web = await startInProcessWeb({
      DATABASE_URL: db.url,
      ADMIN_API_KEY: admin,
      REDIS_URL: UNREACHABLE_REDIS,
      RATE_LIMIT_FAIL_OPEN: 'true',
      RATE_LIMIT_REQUESTS: '2',
    });
    webs.push(web);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${web.url}/api/keys`, { headers: { Authorization: `Bearer ${admin}` } })).status);
    expect(statuses).toEqual([200, 200, 429]);
    const res = await fetch(`${web.url}/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { components: { name: string; status: string; message: string }[] };
    const check = body.components.find((c) => c.name === 'rate_limiter')!;
    expect(check.status).toBe('degraded');
    expect(check.message).toMatch(/failing open/);
  });

  it('fails closed with Redis unreachable: limited requests get a JSON 503, public paths still answer', async () => {
    const web = await startInProcessWeb({
      DATABASE_URL: db.url,
      ADMIN_API_KEY: admin,
      REDIS_URL: UNREACHABLE_REDIS,
      RATE_LIMIT_FAIL_OPEN: 'false',
    });
    webs.push(web);
    const res = await fetch(`${web.url}/api/keys`, { headers: { Authorization: `Bearer ${admin}` } });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({ error: { code: 'rate_limiter_unavailable' } });
    const health = await fetch(`${web.url}/health`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as { components: { name: string; status: string; message: string }[] };
    expect(body.components.find((c) => c.name === 'rate_limiter')).toMatchObject({ status: 'degraded', message: expect.stringMatching(/failing closed/) });
  });
});
