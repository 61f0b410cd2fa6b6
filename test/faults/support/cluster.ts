// A small cluster of real Catalynx processes (from dist/) for one fault scenario: the shared env, an
// authenticated API client, agent registration, bulk submission and status counts read through the API.

import { postgresUrlOrSkip, redisUrlOrSkip } from '../../support/services';
import { startProcess, startWebProcess, type StartedProcess } from '../../support/processes';
import type { FakeAgent } from '../../support/fake-agent';
import { waitUntil } from '../../support/wait';

export const ADMIN_KEY = 'faults-suite-admin-key-0123456789';

export interface ApiReply {
  status: number;
  contentType: string;
  /** Parsed JSON, or undefined when the body was not JSON. */
  body: Record<string, unknown> | undefined;
  text: string;
}

export type Api = (path: string, init?: { method?: string; json?: unknown; headers?: Record<string, string> }) => Promise<ApiReply>;

export function apiFor(baseUrl: () => string, key = ADMIN_KEY): Api {
  return async (path, init = {}) => {
    const res = await fetch(`${baseUrl()}${path}`, {
      method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
      headers: {
        authorization: `Bearer ${key}`,
        ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
    });
    const text = await res.text();
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', body, text };
  };
}

/** The env every process of a scenario shares; fast leases and polling so faults resolve in seconds. */
export function baseEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    ADMIN_API_KEY: ADMIN_KEY,
    RATE_LIMIT_REQUESTS: '100000',
    LOG_LEVEL: 'info',
    TASK_LEASE_SECONDS: '2',
    LEASE_REAPER_INTERVAL: '1s',
    SCHEDULER_LEADER_LEASE_SECONDS: '2',
    WORKER_POLL_INTERVAL_MS: '200',
    TASK_RETRY_BASE_MS: '50',
    TASK_RETRY_MAX_MS: '200',
    AGENT_HEALTH_CHECK_INTERVAL: '3600s',
    SHUTDOWN_TIMEOUT_SECONDS: '10',
    ...extra,
  };
}

/** Tracks the processes a scenario starts so afterAll can SIGKILL whatever is left. */
export class ProcessGroup {
  readonly all: StartedProcess[] = [];

  async web(env: Record<string, string>): Promise<StartedProcess & { url: string }> {
    const p = await startWebProcess('web', env);
    this.all.push(p);
    return p;
  }

  async start(entry: 'worker' | 'scheduler', env: Record<string, string>): Promise<StartedProcess> {
    const p = startProcess(entry, env);
    this.all.push(p);
    await p.waitForLog((l) => l.message === `${entry} started`, 20_000);
    return p;
  }

  killAll(): void {
    for (const p of this.all) p.kill('SIGKILL');
  }

  /** SIGTERMs the processes still running and returns their exit codes. */
  async stopAll(): Promise<(number | null)[]> {
    const live = this.all.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    for (const p of live) p.kill('SIGTERM');
    return Promise.all(live.map(async (p) => (await p.exited()).code));
  }
}

export async function registerAgent(api: Api, id: string, agent: FakeAgent): Promise<void> {
  const reg = await api('/api/agents', {
    json: { id, name: id, capabilities: ['work'], endpoint: agent.endpoint, version: '1', health_check_url: agent.healthUrl, metadata: {} },
  });
  if (reg.status !== 201) throw new Error(`registering ${id} failed: ${reg.status} ${reg.text}`);
}

/** Submits `count` tasks in batches; returns their ids (every one must be accepted with 202). */
export async function submitTasks(api: Api, agentId: string, count: number, input: (i: number) => unknown = (i) => ({ n: i })): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, (_, j) => api(`/api/agents/${agentId}/execute`, { json: { action: 'work', input: input(i + j) } })),
    );
    for (const r of batch) {
      if (r.status !== 202) throw new Error(`submit refused: ${r.status} ${r.text}`);
      ids.push(String(r.body!.task_id));
    }
  }
  return ids;
}

export async function statusCounts(api: Api, agentId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const status of ['queued', 'running', 'succeeded', 'failed', 'cancelled']) {
    const r = await api(`/api/tasks?status=${status}&agent_id=${agentId}&limit=1`);
    out[status] = Number(r.body?.total);
  }
  return out;
}

/** Waits until `total` tasks of the agent reached `status`; returns the counts by status. */
export async function waitForStatus(api: Api, agentId: string, status: string, total: number, timeoutMs = 60_000): Promise<Record<string, number>> {
  await waitUntil(
    async () => {
      const r = await api(`/api/tasks?status=${status}&agent_id=${agentId}&limit=1`);
      return Number(r.body?.total) === total;
    },
    { what: `${total} ${status} tasks of ${agentId}`, timeoutMs, intervalMs: 250 },
  );
  return statusCounts(api, agentId);
}

/** Distinct task ids that overlapped at the agent. */
export const duplicatedCount = (agent: FakeAgent) => new Set(agent.overlaps).size;

/** `describe` when Postgres is configured (and Redis, if asked); a visibly skipped block otherwise (fails in CI). */
export function describeWithServices(title: string, needs: { redis?: boolean }, body: (urls: { postgres: string; redis?: string }) => void): void {
  const pg = postgresUrlOrSkip();
  const redis = needs.redis ? redisUrlOrSkip() : {};
  const skip = pg.skip ?? redis.skip;
  if (skip) describe.skip(`${title} [skipped: ${skip}]`, () => body({ postgres: '' }));
  else describe(title, () => body({ postgres: pg.url!, redis: redis.url }));
}
