// Scenario 3: Postgres goes away under load (a TCP proxy between the processes and Postgres is cut for
// 3 s). Requests during the outage get a clear 503 JSON or succeed; no process crashes; nothing is
// half-written; every accepted task completes after recovery, and retrying with the same idempotency
// key never creates a second task.

import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/services';
import { startFakeAgent, type FakeAgent } from '../support/fake-agent';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { sleep, waitUntil } from '../support/wait';
import { apiFor, baseEnv, describeWithServices, duplicatedCount, ProcessGroup, registerAgent, statusCounts, type ApiReply } from './support/cluster';
import { recordRow } from './support/fault-table';

describeWithServices('3. database connections cut under load', {}, () => {
  let db: TestDatabase;
  let agent: FakeAgent;
  let proxy: TcpProxy;
  const group = new ProcessGroup();

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await (await db.open()).close();
    agent = await startFakeAgent();
    agent.behave(() => ({ kind: 'ok', delayMs: 20 }));
    const u = new URL(db.url);
    proxy = await startTcpProxy(u.hostname, Number(u.port || 5432));
  });
  afterAll(async () => {
    group.killAll();
    await proxy?.close();
    await agent?.close();
    await db?.cleanup();
  });

  it('answers 503 JSON during the outage and completes every accepted task afterwards', async () => {
    const viaProxy = new URL(db.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const env = baseEnv(viaProxy.toString(), { WORKER_CONCURRENCY: '8' });
    const web = await group.web(env);
    const api = apiFor(() => web.url);
    await registerAgent(api, 'steady', agent);
    const worker = await group.start('worker', env);
    const scheduler = await group.start('scheduler', env);

    // Five clients submit continuously; the proxy is cut from 2 s to 5 s.
    const replies = new Map<string, ApiReply[]>();
    const unexpected: string[] = [];
    let n = 0;
    let stop = false;
    const submit = async (key: string) => {
      let r: ApiReply;
      try {
        r = await api('/api/agents/steady/execute', { json: { action: 'work', input: { key } }, headers: { 'Idempotency-Key': key } });
      } catch (err) {
        unexpected.push(`${key}: connection error ${String(err)}`);
        return;
      }
      replies.set(key, [...(replies.get(key) ?? []), r]);
      const clear503 = r.status === 503 && typeof (r.body?.error as { code?: unknown } | undefined)?.code === 'string';
      if (![200, 202].includes(r.status) && !clear503) unexpected.push(`${key}: ${r.status} ${r.text.slice(0, 200)}`);
    };
    const client = async () => {
      while (!stop) {
        await submit(`k-${n++}`);
        await sleep(20);
      }
    };
    const clients = Array.from({ length: 5 }, client);
    await sleep(2000);
    await proxy.cut();
    const cutAt = Date.now();
    await sleep(3000);
    await proxy.restore();
    const restoredAt = Date.now();
    await sleep(2000);
    stop = true;
    await Promise.all(clients);

    expect(unexpected).toEqual([]);
    const during = [...replies.values()].flat();
    expect(during.some((r) => r.status === 503)).toBe(true);
    for (const p of [web, worker, scheduler]) expect(p.child.exitCode).toBeNull();

    // A client retries what was refused, with the same key: at most one task per key.
    const refused = [...replies.entries()].filter(([, rs]) => !rs.some((r) => r.status === 202 || r.status === 200)).map(([k]) => k);
    await waitUntil(async () => {
      for (const key of [...refused]) {
        const r = await api('/api/agents/steady/execute', { json: { action: 'work', input: { key } }, headers: { 'Idempotency-Key': key } });
        if (r.status === 202 || r.status === 200) refused.splice(refused.indexOf(key), 1);
      }
      return refused.length === 0;
    }, { what: 'refused submissions accepted on retry', timeoutMs: 20_000, intervalMs: 200 });
    const keys = replies.size;

    await waitUntil(async () => (await statusCounts(api, 'steady')).succeeded === keys, { what: `${keys} tasks succeeded`, timeoutMs: 60_000, intervalMs: 250 });
    const recoverMs = Date.now() - restoredAt;
    const counts = await statusCounts(api, 'steady');
    expect(counts).toEqual({ queued: 0, running: 0, succeeded: keys, failed: 0, cancelled: 0 });

    // Straight from the database: one task row per key, none without its key, no orphan attempt rows.
    const client2 = new pg.Client({ connectionString: db.url });
    await client2.connect();
    try {
      const rows = await client2.query<{ total: string; keyed: string; distinct_keys: string }>(
        `select count(*) as total, count(idempotency_key) as keyed, count(distinct idempotency_key) as distinct_keys from tasks where agent_id = 'steady'`,
      );
      expect(rows.rows[0]).toEqual({ total: String(keys), keyed: String(keys), distinct_keys: String(keys) });
      const orphans = await client2.query<{ n: string }>(`select count(*) as n from task_attempts a left join tasks t on t.id = a.task_id where t.id is null`);
      expect(orphans.rows[0]!.n).toBe('0');
    } finally {
      await client2.end();
    }
    expect(agent.overlaps).toEqual([]);
    // Each task was run once by the agent (a failed completion would be a re-run, still not an overlap).
    const runs = new Map<string, number>();
    for (const c of agent.calls) runs.set(c.task_id, (runs.get(c.task_id) ?? 0) + 1);

    const refusedCount = during.filter((r) => r.status === 503).length;
    recordRow({
      order: 3,
      scenario: 'Postgres cut for 3 s under load (TCP proxy), web + worker + scheduler',
      submitted: keys,
      succeeded: counts.succeeded!,
      lost: keys - counts.succeeded!,
      duplicated: duplicatedCount(agent),
      recoverMs,
      notes: `${refusedCount} requests got 503 JSON during the ${((restoredAt - cutAt) / 1000).toFixed(0)} s outage, retried with the same idempotency key; one row per key; ${[...runs.values()].filter((v) => v > 1).length} task(s) re-run after lease expiry; no crash; recover = restore → all succeeded`,
    });
    const codes = await group.stopAll();
    expect(codes.every((c) => c === 0)).toBe(true);
  });
});
