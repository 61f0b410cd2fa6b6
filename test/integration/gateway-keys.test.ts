// API keys through the real web stack: 401/403, both headers, create/list/revoke, last_used_at, public paths.

import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';
import { startInProcessWeb, TEST_ADMIN_KEY, type InProcessWeb } from '../support/in-process';
import { waitUntil } from '../support/wait';

describeEachDatabase('gateway API keys', (kind) => {
  let db: TestDatabase;
  let web: InProcessWeb;
  const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}`, 'Content-Type': 'application/json' };

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await (await db.open()).close();
    web = await startInProcessWeb({ DATABASE_URL: db.url });
  });
  afterAll(async () => {
    await web?.stop();
    await db?.cleanup();
  });

  const createKey = async (name: string, scopes: string[]) => {
    const res = await fetch(`${web.url}/api/keys`, { method: 'POST', headers: admin, body: JSON.stringify({ name, scopes }) });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; key: string; name: string; scopes: string[]; created_at: string; prefix: string };
  };

  it('refuses a call without a key, or with an unknown key, with a JSON 401 and WWW-Authenticate', async () => {
    for (const headers of [{}, { Authorization: 'Bearer cx_nope' }, { 'X-API-Key': 'cx_nope' }, { Authorization: 'Basic abc' }] as Record<string, string>[]) {
      const res = await fetch(`${web.url}/api/keys`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
    }
  });

  it('serves public paths without a key', async () => {
    // /health answers for itself (503 while a backing service is slow to answer a check, as
    // under a loaded test run); what matters here is that no key is asked for.
    const health = await fetch(`${web.url}/health`);
    expect([200, 503]).toContain(health.status);
    expect(((await health.json()) as { overall_status: string }).overall_status).toEqual(expect.any(String));
    expect((await fetch(`${web.url}/health/live`)).status).toBe(200);
  });

  it('creates a key shown once, usable through Bearer and X-API-Key, listed without key material', async () => {
    const created = await createKey('ci', ['read', 'tasks:write']);
    expect(created).toMatchObject({ name: 'ci', scopes: ['read', 'tasks:write'], created_at: expect.any(String) });
    expect(created.key).toMatch(/^cx_[A-Za-z0-9_-]{43}$/);
    expect(created.prefix).toBe(created.key.slice(0, 8));

    // read scope alone may not list keys (admin only): authenticated, so 403 rather than 401.
    const bearer = await fetch(`${web.url}/api/keys`, { headers: { Authorization: `Bearer ${created.key}` } });
    expect(bearer.status).toBe(403);
    expect(await bearer.json()).toMatchObject({ error: { code: 'forbidden', details: { required_scope: 'admin' } } });
    const header = await fetch(`${web.url}/api/keys`, { headers: { 'X-API-Key': created.key } });
    expect(header.status).toBe(403);

    // The use is stamped after the request, without holding it up: the listing shows it once written.
    let text = '';
    let listed: Record<string, unknown> | undefined;
    for (const deadline = Date.now() + 5000; !listed?.last_used_at && Date.now() < deadline; await new Promise((r) => setTimeout(r, 25))) {
      const list = await fetch(`${web.url}/api/keys`, { headers: admin });
      expect(list.status).toBe(200);
      text = await list.text();
      listed = (JSON.parse(text) as { keys: Record<string, unknown>[] }).keys.find((k) => k.id === created.id);
    }
    expect(text).not.toContain(created.key);
    expect(listed).toEqual({
      id: created.id,
      name: 'ci',
      prefix: created.prefix,
      scopes: ['read', 'tasks:write'],
      created_at: created.created_at,
      revoked_at: null,
      last_used_at: expect.any(String),
    });
    expect(Object.keys(listed ?? {})).not.toContain('key_hash');

    // The database holds the hash, never the key.
    const handle = await db.open();
    const row = await handle.db.selectFrom('api_keys').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(created.key);
    expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('lets an admin key created through the API manage keys', async () => {
    const other = await createKey('ops', ['admin']);
    const res = await fetch(`${web.url}/api/keys`, { headers: { Authorization: `Bearer ${other.key}` } });
    expect(res.status).toBe(200);
  });

  it('refuses bad key requests with 400 and changes nothing', async () => {
    for (const body of [{ name: 'x', scopes: ['root'] }, { name: '', scopes: ['read'] }, { name: 'x', scopes: [] }, { name: 'x' }]) {
      const res = await fetch(`${web.url}/api/keys`, { method: 'POST', headers: admin, body: JSON.stringify(body) });
      expect(res.status).toBe(400);
    }
  });

  it('revokes a key at once: the next call with it gets 401', async () => {
    const created = await createKey('short-lived', ['admin']);
    expect((await fetch(`${web.url}/api/keys`, { headers: { 'X-API-Key': created.key } })).status).toBe(200);
    const del = await fetch(`${web.url}/api/keys/${created.id}`, { method: 'DELETE', headers: admin });
    expect(del.status).toBe(204);
    expect((await fetch(`${web.url}/api/keys`, { headers: { 'X-API-Key': created.key } })).status).toBe(401);
    const again = await fetch(`${web.url}/api/keys/${created.id}`, { method: 'DELETE', headers: admin });
    expect(again.status).toBe(404);
    const { keys } = (await (await fetch(`${web.url}/api/keys`, { headers: admin })).json()) as { keys: { id: string; revoked_at: string | null }[] };
    expect(keys.find((k) => k.id === created.id)!.revoked_at).toEqual(expect.any(String));
  });

  it('stamps last_used_at once, not on every request', async () => {
    const created = await createKey('stamp', ['admin']);
    const handle = await db.open();
    const read = async () =>
      (await handle.db.selectFrom('api_keys').select('last_used_at').where('id', '=', created.id).executeTakeFirstOrThrow()).last_used_at;
    expect(await read()).toBeNull();
    await fetch(`${web.url}/api/keys`, { headers: { 'X-API-Key': created.key } });
    const first = await waitUntil(async () => (await read()) ?? undefined, { what: 'last_used_at' });
    await fetch(`${web.url}/api/keys`, { headers: { 'X-API-Key': created.key } });
    await new Promise((r) => setTimeout(r, 100));
    expect(await read()).toBe(first);
  });
});
