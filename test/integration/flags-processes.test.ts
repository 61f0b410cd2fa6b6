// Feature flags across real OS processes on one database: the same decisions everywhere, and a
// change made through one web process seen by another. Needs `npm run build`.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, describeEachDatabase, redisUrlOrSkip, type TestDatabase } from '../support/services';
import { startProcess, startWebProcess, type StartedProcess } from '../support/processes';
import { waitUntil } from '../support/wait';

const ADMIN = 'flags-process-admin-key-0123456789';
const SHIPPED_FLAGS = join(__dirname, '..', '..', 'config', 'feature_flags.yml');
const USERS = Array.from({ length: 200 }, (_, i) => `user-${i}`);

async function call(url: string, path: string, init: { method?: string; json?: unknown } = {}): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- test JSON bodies are asserted field by field
  const res = await fetch(`${url}${path}`, {
    method: init.method ?? 'GET',
    headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  return { status: res.status, body: await res.json() };
}

async function decisionsFor(url: string, flag: string): Promise<string[]> {
  const out: string[] = [];
  for (const user of USERS) {
    const { body } = await call(url, `/api/flags/${flag}/evaluate`, { method: 'POST', json: { context: { user_id: user } } });
    out.push(`${user}:${body.enabled}:${body.reason}`);
  }
  return out;
}

const redis = redisUrlOrSkip();

describeEachDatabase('feature flags across processes', (kind) => {
  let db: TestDatabase;
  let dir: string;
  const running: StartedProcess[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'catalynx-flags-proc-'));
    db = await createTestDatabase(kind);
  });
  afterEach(async () => {
    for (const p of running.splice(0)) {
      p.kill('SIGTERM');
      await p.exited();
    }
    await db?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startTwoWebs(extra: Record<string, string>): Promise<[string, string]> {
    const env = { DATABASE_URL: db.url, ADMIN_API_KEY: ADMIN, FEATURE_FLAGS_PATH: SHIPPED_FLAGS, RATE_LIMIT_REQUESTS: '100000', ...extra };
    const migrate = startProcess('migrate', env);
    expect((await migrate.exited()).code).toBe(0);
    const a = await startWebProcess('web', env);
    running.push(a);
    const b = await startWebProcess('web', env);
    running.push(b);
    return [a.url, b.url];
  }

  it('two web processes decide a 25% rollout identically for 200 users, and see each other\'s changes', async () => {
    const [a, b] = await startTwoWebs({ FLAGS_REFRESH_SECONDS: '1' });
    const fromA = await decisionsFor(a, 'gpt5_analysis');
    expect(await decisionsFor(b, 'gpt5_analysis')).toEqual(fromA);
    const inRollout = fromA.filter((d) => d.endsWith(':true:in_rollout')).length;
    // A real split, not everyone or no one (25% of 200 is 50; the hash is fixed, so this is exact every run).
    expect(inRollout).toBeGreaterThan(20);
    expect(inRollout).toBeLessThan(80);

    expect((await call(a, '/api/flags/gpt5_analysis', { method: 'PUT', json: { state: 'rollout', rollout_percentage: 60 } })).status).toBe(200);
    // Without Redis the other process polls every second; the deadline leaves slack for a loaded machine.
    await waitUntil(async () => (await decisionsFor(b, 'gpt5_analysis')).join() === (await decisionsFor(a, 'gpt5_analysis')).join() || undefined, {
      what: 'second process seeing the new rollout',
      timeoutMs: 10_000,
      intervalMs: 200,
    });
    const after = await decisionsFor(b, 'gpt5_analysis');
    expect(after.filter((d) => d.endsWith(':true:in_rollout')).length).toBeGreaterThan(inRollout);
    // Widening a rollout keeps everyone who was already in it.
    for (const d of fromA.filter((x) => x.endsWith(':true:in_rollout'))) expect(after).toContain(d);
  });

  (redis.url ? it : it.skip)(`with Redis, a change reaches the other process by notification, not by polling${redis.skip ? ` [skipped: ${redis.skip}]` : ''}`, async () => {
    // Polling every 10 minutes: within the wait below only the `flags` notification can deliver the change.
    const [a, b] = await startTwoWebs({ FLAGS_REFRESH_SECONDS: '600', REDIS_URL: redis.url! });
    const evaluateOnB = async () => (await call(b, '/api/flags/real_time_notifications/evaluate', { method: 'POST', json: { context: {} } })).body;
    expect(await evaluateOnB()).toEqual({ enabled: false, reason: 'disabled' });
    // The subscriber connects asynchronously after start-up; repeat the PUT (alternating) until one lands after it.
    let state: 'enabled' | 'disabled' = 'enabled';
    await waitUntil(async () => {
      const put = await call(a, '/api/flags/real_time_notifications', { method: 'PUT', json: { state } });
      expect(put.status).toBe(200);
      const want = state;
      const seen = await waitUntil(async () => ((await evaluateOnB()).reason === want ? true : undefined), { timeoutMs: 1000, intervalMs: 50 }).catch(() => false);
      state = state === 'enabled' ? 'disabled' : 'enabled';
      return seen || undefined;
    }, { what: 'second process seeing the change through Redis', timeoutMs: 10_000, intervalMs: 0 });
  });
});
