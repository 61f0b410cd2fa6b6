// Scenario 10: bad input on every route, generated with fast-check against a real web process. The
// routes come from services.routes, so a new route is covered without touching this file. Whatever the
// input: never a 5xx, always a JSON error body on 4xx, and a rejected request stores nothing.

import fc from 'fast-check';
import pg from 'pg';
import { loadConfig } from '../../src/config';
import { createPlatform } from '../../src/processes/platform';
import { buildServices } from '../../src/processes/services';
import type { RouteSpec } from '../../src/platform/http/route';
import { createTestDatabase, type TestDatabase } from '../support/services';
import { ADMIN_KEY, baseEnv, describeWithServices, ProcessGroup } from './support/cluster';
import { recordRow } from './support/fault-table';

const TABLES = ['agents', 'tasks', 'task_attempts', 'events', 'workflow_runs', 'profiles', 'feature_flags', 'api_keys', 'services'];
const RUNS_PER_ROUTE = 20;

/** Hostile strings for ids and query values (SQL, traversal, control and odd Unicode, very long). */
const hostileString = fc.oneof(
  { arbitrary: fc.string({ maxLength: 40 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }), weight: 2 },
  { arbitrary: fc.constantFrom(
    "' OR 1=1 --",
    "'; drop table tasks; --",
    '1; select pg_sleep(5)',
    '../../../../etc/passwd',
    '..\\..\\windows\\win.ini',
    '%2e%2e%2f%2e%2e%2f',
    '\u0000',
    '\ud800',
    '💥'.repeat(50),
    '__proto__',
    'constructor',
    '-1',
    '1e309',
    'NaN',
    'null',
  ), weight: 3 },
  // Longer than Node's 16 KB header limit once percent-encoded: a 431 JSON error before routing.
  { arbitrary: fc.constant('x'.repeat(10_000)), weight: 1 },
);

const jsonish = fc.oneof(
  { depthSize: 'small' },
  fc.jsonValue(),
  fc.dictionary(fc.string({ maxLength: 20 }), fc.jsonValue()),
  fc.dictionary(fc.constantFrom('id', 'name', 'action', 'input', 'capabilities', 'endpoint', 'version', 'events', 'enabled', 'rollout_percentage', 'scopes', 'aggregate_id', 'expected_version', 'url', 'idempotency_key', 'priority', 'max_attempts'), fc.oneof(fc.jsonValue(), hostileString)),
);

interface BadRequest {
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  what: string;
}

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

/** Bodies the generator cannot easily reach: oversized, deeply nested, invalid UTF-8, wrong types. */
function fixedBodies(): { what: string; headers: Record<string, string>; body: string | Buffer }[] {
  return [
    { what: 'oversized body (2 MB)', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }) },
    { what: 'deep nesting (5000)', headers: { 'content-type': 'application/json' }, body: deep(5000) },
    { what: 'deep object nesting (3000)', headers: { 'content-type': 'application/json' }, body: '{"a":'.repeat(3000) + '1' + '}'.repeat(3000) },
    { what: 'invalid UTF-8', headers: { 'content-type': 'application/json' }, body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]) },
    { what: 'text/plain', headers: { 'content-type': 'text/plain' }, body: '{"name":"x"}' },
    { what: 'form', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'id=x&name=y' },
    { what: 'xml', headers: { 'content-type': 'application/xml' }, body: '<a>1</a>' },
    { what: 'json with unknown charset', headers: { 'content-type': 'application/json; charset=klingon' }, body: '{}' },
    { what: 'gzip claimed, not sent', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: '{}' },
    { what: 'truncated JSON', headers: { 'content-type': 'application/json' }, body: '{"id": "a", "name":' },
    { what: 'empty JSON body', headers: { 'content-type': 'application/json' }, body: '' },
  ];
}

/** Percent-encodes every byte (lone surrogates become U+FFFD instead of throwing like encodeURIComponent). */
const percentEncode = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

function fillPath(path: string, value: (name: string) => string): string {
  return path.replace(/:([A-Za-z_]+)/g, (_, name: string) => value(name));
}

describeWithServices('10. bad input on every route', {}, () => {
  let db: TestDatabase;
  let routes: RouteSpec[] = [];
  let counter: pg.Client;
  const group = new ProcessGroup();

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await (await db.open()).close();
    // The route list, as the web process builds it (nothing is started here).
    const platform = createPlatform('web', loadConfig({ ...baseEnv(db.url), LOG_LEVEL: 'error', NODE_ENV: 'test' }));
    try {
      routes = buildServices(platform).routes;
    } finally {
      await platform.shutdown.run('routes listed');
    }
    counter = new pg.Client({ connectionString: db.url });
    await counter.connect();
  });
  afterAll(async () => {
    group.killAll();
    await counter?.end();
    await db?.cleanup();
  });

  it('answers every malformed request with a JSON 4xx and stores nothing', async () => {
    const web = await group.web(baseEnv(db.url, { BODY_LIMIT: '1mb' }));
    expect(routes.length).toBeGreaterThan(10);
    const counts = async () => {
      const r = await counter.query<Record<string, string>>(`select ${TABLES.map((t) => `(select count(*) from ${t}) as ${t}`).join(', ')}`);
      return JSON.stringify(r.rows[0]);
    };
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;
    let rejected = 0;
    let before = await counts();

    const send = async (route: RouteSpec, req: BadRequest) => {
      sent++;
      let res: Response;
      try {
        res = await fetch(`${web.url}${req.path}`, {
          method: route.method.toUpperCase(),
          headers: { authorization: `Bearer ${ADMIN_KEY}`, ...req.headers },
          body: route.method === 'get' ? undefined : req.body,
          signal: AbortSignal.timeout(15_000),
        });
      } catch (err) {
        // The server may cut an oversized upload; that is a refusal, not a crash (checked below).
        if (req.what.startsWith('oversized')) return;
        failures.push(`${route.method} ${route.path} [${req.what}] ${req.path.slice(0, 120)}: request failed: ${String(err)}`);
        return;
      }
      const text = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const where = `${route.method.toUpperCase()} ${route.path} [${req.what}] ${req.path.slice(0, 120)} → ${res.status}`;
      // A declared 5xx (e.g. /health/ready answering 503 with its report) is an answer, not a crash.
      const declared = res.status > 500 && res.status in route.responses;
      if (res.status >= 500 && !declared) failures.push(`${where}: ${text.slice(0, 300)}`);
      if (res.status >= 400 && !declared) {
        rejected++;
        let body: { error?: { code?: unknown; message?: unknown } } | undefined;
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          body = undefined;
        }
        if (typeof body?.error?.code !== 'string' || typeof body.error.message !== 'string') failures.push(`${where}: not a JSON error body: ${text.slice(0, 200)}`);
        const after = await counts();
        if (after !== before) failures.push(`${where}: rows changed by a rejected request: ${before} → ${after}`);
        before = after;
      } else {
        // Accepted by chance (e.g. a GET with ignorable query): the new state is the baseline.
        before = await counts();
      }
    };

    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(
          hostileString,
          fc.dictionary(fc.string({ maxLength: 15 }), hostileString, { maxKeys: 4 }),
          jsonish,
          fc.constantFrom('application/json', 'application/json', 'text/plain', 'application/octet-stream'),
          async (id, query, body, contentType) => {
            const path = fillPath(route.path, () => percentEncode(id));
            const qs = new URLSearchParams(query).toString();
            await send(route, {
              path: qs ? `${path}?${qs}` : path,
              headers: { 'content-type': contentType },
              body: JSON.stringify(body),
              what: 'generated',
            });
            return true;
          },
        ),
        { numRuns: RUNS_PER_ROUTE, seed: 42 },
      );
      // Raw, unencoded hostile path segments and bad percent-encoding.
      for (const raw of ['%ff%fe', '%', '..%2F..%2Fetc%2Fpasswd', '%00', "'%20OR%201=1"]) {
        await send(route, { path: fillPath(route.path, () => raw), headers: { 'content-type': 'application/json' }, body: '{}', what: `raw id ${raw}` });
      }
      if (route.method !== 'get') {
        for (const b of fixedBodies()) await send(route, { path: fillPath(route.path, () => 'fuzz-id'), headers: b.headers, body: b.body, what: b.what });
      }
    }

    expect(web.child.exitCode).toBeNull();
    expect(failures).toEqual([]);
    recordRow({
      order: 10,
      scenario: `bad input on all ${routes.length} routes (fast-check, seed 42)`,
      submitted: sent,
      succeeded: sent - rejected,
      lost: 0,
      duplicated: 0,
      recoverMs: null,
      notes: `succeeded = 2xx (mostly GETs ignoring unknown query keys); no 5xx; every 4xx a JSON error body; no rows changed by a rejected request; statuses ${[...statuses.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ')}`,
    });
    const codes = await group.stopAll();
    expect(codes.every((c) => c === 0)).toBe(true);
  });
});
