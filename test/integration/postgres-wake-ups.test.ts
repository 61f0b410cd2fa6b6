// On Postgres without Redis, a worker process is woken by LISTEN/NOTIFY when a web process queues
// a task: with the poll set to 30 s, only a wake-up explains a start within a few seconds. A
// terminated LISTEN connection comes back, and wake-ups work again.

import pg from 'pg';
import { channelPrefixFor } from '../../src/platform/postgres-notify-transport';
import { startProcess, startWebProcess, type StartedProcess } from '../support/processes';
import { createTestDatabase, postgresUrlOrSkip, type TestDatabase } from '../support/services';

const ADMIN = 'wake-up-admin-key-0123456789abcdef';
const pgService = postgresUrlOrSkip();

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

(pgService.url ? describe : describe.skip)(`wake-ups on Postgres without Redis${pgService.skip ? ` [skipped: ${pgService.skip}]` : ''}`, () => {
  let db: TestDatabase;
  let admin: pg.Client;
  const started: StartedProcess[] = [];
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    admin = new pg.Client({ connectionString: pgService.url });
    await admin.connect();
  });
  afterAll(async () => {
    for (const p of started) p.kill('SIGKILL');
    await admin?.end();
    await db?.cleanup();
  });

  /** The backends listening on this schema's channels (the worker's LISTEN connection). */
  async function listeners(): Promise<number[]> {
    const prefix = channelPrefixFor(db.url, 'catalynx:');
    const r = await admin.query<{ pid: number }>(
      `select pid from pg_stat_activity where application_name = 'catalynx-notify' and query like $1`,
      [`LISTEN "${prefix}%`],
    );
    return r.rows.map((row) => row.pid);
  }

  it('a task queued through the web process starts in the worker process long before the poll', async () => {
    const env = { DATABASE_URL: db.url, ADMIN_API_KEY: ADMIN, WORKER_POLL_INTERVAL_MS: '30000', LOG_LEVEL: 'info' };
    expect((await startProcess('migrate', env).exited()).code).toBe(0);
    const worker = startProcess('worker', env);
    started.push(worker);
    await worker.waitForLog((l) => l.message === 'worker started');
    const web = await startWebProcess('web', env);
    started.push(web);
    const first = await until('the worker to LISTEN', async () => ((await listeners()).length > 0 ? await listeners() : undefined), 10_000);

    async function executeAndTimeStart(label: string): Promise<number> {
      const sent = Date.now();
      const res = await fetch(`${web.url}/api/agents/echo/execute`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'echo', input: { label } }),
      });
      expect(res.status).toBe(202);
      const { task_id } = (await res.json()) as { task_id: string };
      await worker.waitForLog((l) => l.message === 'task attempt started' && l.task_id === task_id, 10_000);
      return Date.now() - sent;
    }

    // The first one also pays for the web's NOTIFY connection being opened.
    expect(await executeAndTimeStart('first')).toBeLessThan(5000);
    expect(await executeAndTimeStart('second')).toBeLessThan(2000);

    // Drop the worker's LISTEN connection: it reconnects (back-off from 100 ms) and listens again.
    await admin.query('select pg_terminate_backend(pid) from unnest($1::int[]) as pid', [first]);
    await until(
      'a new LISTEN connection',
      async () => {
        const now = await listeners();
        return now.some((pid) => !first.includes(pid)) ? now : undefined;
      },
      10_000,
    );
    expect(await executeAndTimeStart('after reconnect')).toBeLessThan(2000);

    web.kill('SIGTERM');
    worker.kill('SIGTERM');
    expect((await web.exited()).code).toBe(0);
    expect((await worker.exited()).code).toBe(0);
  }, 60_000);
});
