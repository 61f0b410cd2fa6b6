// The gateway across real OS processes: revocation seen by a second web process, the first-start
// key of `npm start`, production refusing to run keyless, and the keys CLI. Needs `npm run build`.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess, startWebProcess, type StartedProcess } from '../support/processes';
import { waitUntil } from '../support/wait';

const ADMIN = 'process-test-admin-key-0123456789';

async function runCli(env: Record<string, string>, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = startProcess('dist/src/cli/keys.js', env, args);
  const { code } = await p.exited();
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

describe('gateway across processes', () => {
  let dir: string;
  const running: StartedProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'catalynx-gw-'));
  });
  afterEach(async () => {
    for (const p of running.splice(0)) {
      p.kill('SIGTERM');
      await p.exited();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('a key revoked through one web process is refused by a second one within about a second', async () => {
    const env = { DATABASE_URL: `sqlite://${join(dir, 'shared.db')}`, ADMIN_API_KEY: ADMIN };
    expect((await startProcess('migrate', env).exited()).code).toBe(0);
    const a = await startWebProcess('web', env);
    const b = await startWebProcess('web', env);
    running.push(a, b);

    const created = await fetch(`${a.url}/api/keys`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'temp', scopes: ['admin'] }),
    });
    const { id, key } = (await created.json()) as { id: string; key: string };
    expect((await fetch(`${b.url}/api/keys`, { headers: { 'X-API-Key': key } })).status).toBe(200);

    expect((await fetch(`${a.url}/api/keys/${id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${ADMIN}` } })).status).toBe(204);
    await waitUntil(async () => (await fetch(`${b.url}/api/keys`, { headers: { 'X-API-Key': key } })).status === 401, {
      // The lookup cache lives at most 1 s; the deadline leaves slack for a loaded machine.
      what: 'second process refusing the revoked key',
      timeoutMs: 5000,
      intervalMs: 100,
    });
    // Key material never reaches the logs.
    expect(a.stdout() + b.stdout()).not.toContain(key);
    expect(a.stdout() + b.stdout()).not.toContain(ADMIN);
  });

  it('npm start on an empty database creates an admin key, prints it once, and the key works', async () => {
    const env = { DATABASE_URL: `sqlite://${join(dir, 'fresh.db')}` };
    const first = await startWebProcess('all', env);
    running.push(first);
    const line = await first.waitForLog((l) => l.message.includes('created an admin API key'));
    const key = String(line.key);
    expect(key).toMatch(/^cx_/);
    expect(first.stderr()).toContain(`Catalynx admin API key (shown once): ${key}`);
    // stdout stays one JSON object per line.
    expect(first.lines.filter((l) => l.level === 'raw')).toEqual([]);
    expect((await fetch(`${first.url}/api/keys`, { headers: { Authorization: `Bearer ${key}` } })).status).toBe(200);
    first.kill('SIGTERM');
    expect((await first.exited()).code).toBe(0);
    running.splice(0);

    const second = await startWebProcess('all', env);
    running.push(second);
    expect(second.stdout() + second.stderr()).not.toContain('admin API key');
  });

  it('a production web refuses to start without any key, with a clear message; a development web only warns', async () => {
    const env = { DATABASE_URL: `sqlite://${join(dir, 'prod.db')}` };
    expect((await startProcess('migrate', env).exited()).code).toBe(0);
    const prod = startProcess('web', { ...env, NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1' });
    expect((await prod.exited()).code).toBe(1);
    expect(prod.stderr()).toMatch(/no API key is configured: set ADMIN_API_KEY/);
    expect(prod.stderr()).not.toMatch(/\n\s+at /);

    const dev = await startWebProcess('web', { ...env, NODE_ENV: 'development' });
    running.push(dev);
    await dev.waitForLog((l) => l.level === 'warn' && l.message.startsWith('no API key is configured'));
    expect((await fetch(`${dev.url}/api/keys`)).status).toBe(401);
  });

  it('the keys CLI creates, lists and revokes keys in the database, and production web then starts', async () => {
    const env = { DATABASE_URL: `sqlite://${join(dir, 'cli.db')}` };
    expect((await startProcess('migrate', env).exited()).code).toBe(0);

    const created = await runCli(env, ['create', '--name', 'ci', '--scopes', 'read,tasks:write', '--json']);
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout) as { id: string; key: string; scopes: string[] };
    expect(key.scopes).toEqual(['read', 'tasks:write']);
    expect(key.key).toMatch(/^cx_/);

    const listed = await runCli(env, ['list', '--json']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain(key.key);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: key.id, name: 'ci', revoked_at: null })]);

    const prod = await startWebProcess('web', { ...env, NODE_ENV: 'production' });
    running.push(prod);
    expect((await fetch(`${prod.url}/api/keys`, { headers: { 'X-API-Key': key.key } })).status).toBe(403);

    const revoked = await runCli(env, ['revoke', key.id]);
    expect(revoked).toMatchObject({ code: 0, stdout: `revoked key ${key.id}\n` });
    expect((await runCli(env, ['revoke', key.id])).code).toBe(1);
    expect((await runCli(env, ['create', '--name', 'x', '--scopes', 'root'])).code).toBe(2);
    await waitUntil(async () => (await fetch(`${prod.url}/api/keys`, { headers: { 'X-API-Key': key.key } })).status === 401, {
      what: 'revoked CLI key refused',
      timeoutMs: 5000,
    });
  });
});
