import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess, startWebProcess } from '../support/processes';

describe('process types as real OS processes', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'catalynx-proc-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 1 with one clear message naming every bad variable, and no stack trace', async () => {
    const p = startProcess('web', { DATABASE_URL: 'mysql://x', PORT: 'abc' });
    const { code } = await p.exited();
    expect(code).toBe(1);
    expect(p.stderr()).toContain('DATABASE_URL: unsupported scheme "mysql"');
    expect(p.stderr()).toContain('PORT: expected an integer');
    expect(p.stderr()).not.toMatch(/\n\s+at /);
  });

  it('npm start (all): migrates, serves /health, logs JSON to stdout, and exits 0 on SIGTERM', async () => {
    const p = await startWebProcess('all', { DATABASE_URL: `sqlite://${join(dir, 'c.db')}` });
    const res = await fetch(`${p.url}/health`);
    expect(res.status).toBe(200);
    await p.waitForLog((l) => l.message === 'request' && l.path === '/health');
    for (const line of p.lines) {
      expect(line).toMatchObject({ timestamp: expect.any(String), level: expect.any(String), logger: expect.any(String), pid: p.child.pid, process_type: 'all' });
      expect(line).toHaveProperty('correlation_id');
    }
    const access = p.lines.find((l) => l.message === 'request')!;
    expect(access).toMatchObject({ method: 'GET', path: '/health', status: 200, duration_ms: expect.any(Number) });
    expect(access.correlation_id).toBe(res.headers.get('x-correlation-id'));
    p.kill('SIGTERM');
    expect(await p.exited()).toEqual({ code: 0, signal: null });
  });

  it('web refuses to start on a schema that is behind, saying to run migrate', async () => {
    const p = startProcess('web', { DATABASE_URL: `sqlite://${join(dir, 'fresh.db')}`, PORT: '0' });
    const { code } = await p.exited();
    expect(code).toBe(1);
    expect(p.stderr()).toMatch(/schema is behind.*npm run migrate/);
  });

  it('migrate then web, worker and scheduler run as separate processes on one database and stop on SIGTERM', async () => {
    const env = { DATABASE_URL: `sqlite://${join(dir, 'shared.db')}` };
    const migrate = startProcess('migrate', env);
    expect((await migrate.exited()).code).toBe(0);
    await migrate.waitForLog((l) => l.message === 'migrations applied');

    const web = await startWebProcess('web', env);
    const worker = startProcess('worker', env);
    const scheduler = startProcess('scheduler', env);
    await worker.waitForLog((l) => l.message === 'worker started');
    await scheduler.waitForLog((l) => l.message === 'scheduler started');
    expect((await fetch(`${web.url}/health/ready`)).status).toBe(200);

    for (const p of [web, worker, scheduler]) p.kill('SIGTERM');
    for (const p of [web, worker, scheduler]) expect((await p.exited()).code).toBe(0);
  });
});

import { createTestDatabase, postgresUrlOrSkip, type TestDatabase } from '../support/services';

const pgService = postgresUrlOrSkip();
(pgService.url ? describe : describe.skip)(`process types on Postgres${pgService.skip ? ` [skipped: ${pgService.skip}]` : ''}`, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
  });
  afterAll(async () => db?.cleanup());

  it('web waits for migrate; after the release phase it serves and stops with exit 0', async () => {
    const early = startProcess('web', { DATABASE_URL: db.url, PORT: '0' });
    expect((await early.exited()).code).toBe(1);
    expect(early.stderr()).toMatch(/schema is behind/);

    const migrate = startProcess('migrate', { DATABASE_URL: db.url });
    expect((await migrate.exited()).code).toBe(0);
    const again = startProcess('migrate', { DATABASE_URL: db.url });
    expect((await again.exited()).code).toBe(0);
    await again.waitForLog((l) => l.message === 'schema already current');

    const web = await startWebProcess('web', { DATABASE_URL: db.url });
    const health = (await (await fetch(`${web.url}/health`)).json()) as { components: { name: string; details: unknown }[] };
    expect(health.components.find((c) => c.name === 'database')!.details).toEqual({ dialect: 'postgres' });
    web.kill('SIGTERM');
    expect((await web.exited()).code).toBe(0);
  });
});
