// GET /metrics: Prometheus text whose task counters add up to exactly the work done, route-labelled
// request durations, gauges read from the database; a worker alone serves them on METRICS_PORT.

import { createServer } from 'node:net';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';
import { startInProcessStack, type InProcessStack } from '../support/in-process';
import { startProcess, type StartedProcess } from '../support/processes';

interface Sample {
  value?: string;
  labels?: Record<string, string>;
  buckets?: Record<string, string>;
  count?: string;
  sum?: string;
}
interface Family {
  name: string;
  type: string;
  metrics: Sample[];
}
// The package ships no type declarations; its output shape is documented in its README.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const parsePrometheus = require('parse-prometheus-text-format') as (text: string) => Family[];

interface Scrape {
  /** The metric families with their declared types. */
  families: Family[];
  /** Every series by its full name (a histogram's `_bucket`, `_sum` and `_count` included). */
  series: Family[];
}

async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  const text = await res.text();
  // The parser folds a histogram's label sets into one sample; read its series untyped instead.
  const untyped = parsePrometheus(text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped'));
  const series = new Map<string, Family>();
  for (const f of untyped) {
    const known = series.get(f.name);
    if (known) known.metrics.push(...f.metrics);
    else series.set(f.name, { ...f, metrics: [...f.metrics] });
  }
  return { families: parsePrometheus(text), series: [...series.values()] };
}

const typeOf = (m: Scrape, name: string) => m.families.find((f) => f.name === name)?.type;

/** The value of one series (matching all given labels), or undefined when absent. */
function valueOf(m: Scrape, name: string, labels: Record<string, string> = {}): number | undefined {
  const family = m.series.find((f) => f.name === name);
  const sample = family?.metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v));
  return sample ? Number(sample.value) : undefined;
}

describeEachDatabase('metrics of the whole stack', (kind) => {
  let db: TestDatabase;
  let stack: InProcessStack;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await (await db.open()).close();
    stack = await startInProcessStack({
      DATABASE_URL: db.url,
      WORKER_POLL_INTERVAL_MS: '100',
      TASK_RETRY_BASE_MS: '20',
      TASK_RETRY_MAX_MS: '50',
      // The failing tasks must not open echo's breaker: these tests count attempts, not refusals.
      AGENT_ECHO_CIRCUIT_FAILURE_THRESHOLD: '100',
      RATE_LIMIT_REQUESTS: '100000',
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await db?.cleanup();
  });

  async function runToEnd(json: unknown): Promise<{ status: string; attempts: number }> {
    const submit = await stack.api('/api/agents/echo/execute', { method: 'POST', json });
    expect(submit.status).toBe(202);
    const done = await stack.api(`/api/tasks/${submit.body.task_id}?wait=20`);
    return done.body as { status: string; attempts: number };
  }

  it('counts exactly the tasks enqueued, attempted, succeeded, retried and failed', async () => {
    for (let i = 0; i < 5; i++) expect(await runToEnd({ action: 'echo', input: { i } })).toMatchObject({ status: 'succeeded', attempts: 1 });
    for (let i = 0; i < 2; i++) {
      expect(await runToEnd({ action: 'fail', input: { message: `boom ${i}` }, max_attempts: 2 })).toMatchObject({ status: 'failed', attempts: 2 });
    }
    // A repeated idempotency key returns the first task: it is not a second enqueue.
    const first = await stack.api('/api/agents/echo/execute', { method: 'POST', json: { action: 'echo', idempotency_key: 'once' } });
    const again = await stack.api('/api/agents/echo/execute', { method: 'POST', json: { action: 'echo', idempotency_key: 'once' } });
    expect([first.status, again.status]).toEqual([202, 200]);
    expect((await stack.api(`/api/tasks/${first.body.task_id}?wait=20`)).body.status).toBe('succeeded');

    const m = await scrape(stack.url);
    const echo = { agent: 'echo' };
    expect({
      enqueued: valueOf(m, 'catalynx_tasks_enqueued_total', echo),
      started: valueOf(m, 'catalynx_task_attempts_started_total', echo),
      succeeded: valueOf(m, 'catalynx_tasks_succeeded_total', echo),
      retries: valueOf(m, 'catalynx_task_retries_total', echo),
      failed: valueOf(m, 'catalynx_tasks_failed_total', echo),
    }).toEqual({ enqueued: 8, started: 10, succeeded: 6, retries: 2, failed: 2 });
    expect(valueOf(m, 'catalynx_task_duration_seconds_count', { agent: 'echo', outcome: 'succeeded' })).toBe(6);
    expect(valueOf(m, 'catalynx_task_duration_seconds_count', { agent: 'echo', outcome: 'retrying' })).toBe(2);
    expect(valueOf(m, 'catalynx_task_duration_seconds_count', { agent: 'echo', outcome: 'failed' })).toBe(2);
    expect(typeOf(m, 'catalynx_task_duration_seconds')).toBe('HISTOGRAM');
  });

  it('labels request durations by the declared route, never by the raw URL', async () => {
    await stack.api('/api/tasks/00000000-0000-4000-8000-000000000000');
    await stack.api('/api/no-such-thing');
    const m = await scrape(stack.url);
    expect(typeOf(m, 'http_request_duration_seconds')).toBe('HISTOGRAM');
    const family = m.series.find((f) => f.name === 'http_request_duration_seconds_count');
    const routes = new Set(family?.metrics.map((s) => s.labels?.route));
    expect(routes).toContain('/api/agents/:id/execute');
    expect(routes).toContain('/api/tasks/:id');
    expect([...routes].filter((r) => /[0-9a-f]{8}-[0-9a-f]{4}/.test(r ?? ''))).toEqual([]);
    expect(valueOf(m, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/tasks/:id', status: '404' })).toBe(1);
    expect(valueOf(m, 'http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(m, 'http_request_duration_seconds_count', { method: 'POST', route: '/api/agents/:id/execute', status: '202' })).toBe(8);
  });

  it('reads queue depth, breakers and subscription lag from the database at scrape time', async () => {
    const delayed = await stack.api('/api/agents/echo/execute', { method: 'POST', json: { action: 'echo', delay_seconds: 3600 } });
    expect(delayed.status).toBe(202);
    let m = await scrape(stack.url);
    expect(valueOf(m, 'catalynx_queue_depth', { agent: 'echo', status: 'queued' })).toBe(1);
    expect(valueOf(m, 'catalynx_queue_depth', { agent: 'echo', status: 'running' })).toBe(0);
    // The echo failures above touched its breaker row; it stayed closed.
    expect(valueOf(m, 'catalynx_circuit_breaker_state', { agent: 'echo' })).toBe(0);
    expect(typeOf(m, 'catalynx_event_subscription_lag')).toBe('GAUGE');
    expect(valueOf(m, 'catalynx_metrics_collect_errors_total')).toBeUndefined();
    expect(valueOf(m, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);

    await stack.api(`/api/tasks/${delayed.body.task_id}/cancel`, { method: 'POST' });
    m = await scrape(stack.url);
    // A cancelled task leaves the queue: its series disappears rather than lingering.
    expect(valueOf(m, 'catalynx_queue_depth', { agent: 'echo', status: 'queued' })).toBeUndefined();
  });

  it('is public by default (PUBLIC_PATHS) and not cached', async () => {
    const res = await fetch(`${stack.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

describe('a worker process (built dist/) with METRICS_PORT', () => {
  let db: TestDatabase;
  const started: StartedProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    await (await db.open()).close();
  });
  afterAll(async () => {
    for (const p of started) {
      p.kill('SIGKILL');
      await p.exited();
    }
    await db?.cleanup();
  });

  it('serves /metrics and /health/live on that port, and only those', async () => {
    const port = await freePort();
    const worker = startProcess('worker', { DATABASE_URL: db.url, METRICS_PORT: String(port), HOST: '127.0.0.1' });
    started.push(worker);
    const line = await worker.waitForLog((l) => l.message === 'metrics listening');
    expect(line.port).toBe(port);
    const url = `http://127.0.0.1:${port}`;
    const m = await scrape(url);
    expect(typeOf(m, 'catalynx_task_attempts_started_total')).toBe('COUNTER');
    expect(valueOf(m, 'process_resident_memory_bytes') ?? valueOf(m, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    // A worker serves no API: no request histogram series.
    expect(m.series.find((f) => f.name === 'http_request_duration_seconds_count')).toBeUndefined();
    const live = await fetch(`${url}/health/live`);
    expect({ status: live.status, body: await live.json() }).toEqual({ status: 200, body: { status: 'alive' } });
    expect((await fetch(`${url}/api/tasks`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
    worker.kill('SIGTERM');
    expect((await worker.exited()).code).toBe(0);
  });

  it('exposes nothing when METRICS_PORT is unset', async () => {
    const worker = startProcess('worker', { DATABASE_URL: db.url });
    started.push(worker);
    await worker.waitForLog((l) => l.message === 'worker started');
    // serveMetrics runs before "worker started" is logged, so its absence is already settled.
    expect(worker.lines.some((l) => l.message === 'metrics listening')).toBe(false);
    worker.kill('SIGTERM');
    expect((await worker.exited()).code).toBe(0);
  });
});
