// Scenario 4: Redis goes away (a TCP proxy in front of the real Redis is cut). Workers fall back to
// polling, /health is degraded, rate limiting follows RATE_LIMIT_FAIL_OPEN, nothing is lost; when Redis
// comes back everything resumes without a restart.

import { createTestDatabase, type TestDatabase } from '../support/services';
import { startFakeAgent, type FakeAgent } from '../support/fake-agent';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { waitUntil } from '../support/wait';
import { apiFor, baseEnv, describeWithServices, duplicatedCount, ProcessGroup, registerAgent, statusCounts, submitTasks, waitForStatus } from './support/cluster';
import { recordRow } from './support/fault-table';

const BATCH = 20;

describeWithServices('4. Redis goes away and comes back', { redis: true }, (urls) => {
  let db: TestDatabase;
  let agent: FakeAgent;
  let proxy: TcpProxy;
  const group = new ProcessGroup();

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await (await db.open()).close();
    agent = await startFakeAgent();
    agent.behave(() => ({ kind: 'ok', delayMs: 20 }));
    const u = new URL(urls.redis!);
    proxy = await startTcpProxy(u.hostname, Number(u.port || 6379));
  });
  afterAll(async () => {
    group.killAll();
    await proxy?.close();
    await agent?.close();
    await db?.cleanup();
  });

  it('degrades to polling and per-process limits, then resumes without a restart', async () => {
    const redisUrl = `redis://127.0.0.1:${proxy.port}`;
    // A slow poll makes the fall-back visible: with Redis, wake-ups are immediate.
    const env = baseEnv(db.url, { REDIS_URL: redisUrl, WORKER_POLL_INTERVAL_MS: '500', RATE_LIMIT_FAIL_OPEN: 'true' });
    const open = await group.web(env);
    const closed = await group.web({ ...env, RATE_LIMIT_FAIL_OPEN: 'false' });
    const api = apiFor(() => open.url);
    const apiClosed = apiFor(() => closed.url);
    await registerAgent(api, 'cache', agent);
    const worker = await group.start('worker', env);
    await submitTasks(api, 'cache', BATCH);
    await waitForStatus(api, 'cache', 'succeeded', BATCH, 20_000);
    expect((await api('/health')).body).toMatchObject({ overall_status: 'healthy' });

    await proxy.cut();
    const cutAt = Date.now();
    await waitUntil(async () => (await api('/health')).body?.overall_status === 'degraded', { what: '/health degraded', timeoutMs: 15_000 });
    // Fail open: accepted; fail closed: a clear 503 JSON.
    await submitTasks(api, 'cache', BATCH, (i) => ({ during: i }));
    const refused = await apiClosed('/api/agents/cache/execute', { json: { action: 'work', input: {} } });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: { code: 'rate_limiter_unavailable' } });
    // Tasks submitted during the outage still run: the worker polls.
    await waitForStatus(api, 'cache', 'succeeded', 2 * BATCH, 20_000);

    await proxy.restore();
    const restoredAt = Date.now();
    await waitUntil(async () => (await apiClosed('/api/agents/cache/execute', { json: { action: 'work', input: { after: true } } })).status === 202, {
      what: 'fail-closed web accepting again',
      timeoutMs: 15_000,
      intervalMs: 250,
    });
    // The rate_limiter health check turns healthy again only after a rate-limited request has
    // used Redis successfully (see RELIABILITY.md), so the requests come first.
    await api('/api/tasks?limit=1');
    let lastHealth = '';
    await waitUntil(async () => {
      const [a, b] = [await api('/health'), await apiClosed('/health')];
      if (Date.now() - restoredAt > 25_000) throw new Error(`still not healthy: ${lastHealth}`);
      lastHealth = `${a.text}\n${b.text}`;
      return a.body?.overall_status === 'healthy' && b.body?.overall_status === 'healthy';
    }, {
      what: '/health healthy again on both web processes',
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    await submitTasks(api, 'cache', BATCH, (i) => ({ after: i }));
    const total = 3 * BATCH + 1;
    const counts = await waitForStatus(api, 'cache', 'succeeded', total, 20_000);
    const recoverMs = Date.now() - restoredAt;
    expect(counts).toMatchObject({ queued: 0, running: 0, failed: 0 });
    for (const p of [open, closed, worker]) expect(p.child.exitCode).toBeNull();
    expect(agent.overlaps).toEqual([]);

    recordRow({
      order: 4,
      scenario: `Redis cut for ${((restoredAt - cutAt) / 1000).toFixed(0)} s (TCP proxy), fail-open and fail-closed web`,
      submitted: total,
      succeeded: (await statusCounts(api, 'cache')).succeeded!,
      lost: total - counts.succeeded!,
      duplicated: duplicatedCount(agent),
      recoverMs,
      notes: '/health degraded during the cut; fail-open web 202, fail-closed web 503 rate_limiter_unavailable; worker polled; recover = restore → healthy + next batch done, no restart',
    });
    const codes = await group.stopAll();
    expect(codes.every((c) => c === 0)).toBe(true);
  });
});
