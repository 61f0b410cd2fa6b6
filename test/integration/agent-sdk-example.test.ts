// The example agent (examples/inventory-agent), written with the agent SDK, as a real process beside
// real web and worker processes: it registers itself, a saga runs through it, a failing step makes
// the saga compensate through it, and SIGTERM stops it with exit 0.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCatalynxClient, type CatalynxClient } from '../../src/client';
import { startProcess, startWebProcess, type StartedProcess } from '../support/processes';

const ADMIN_KEY = 'example-admin-key-0123456789';

describe('example inventory agent with web + worker as real processes', () => {
  let dir: string;
  let web: StartedProcess & { url: string };
  let worker: StartedProcess;
  let agent: StartedProcess;
  let api: CatalynxClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'catalynx-example-'));
    const env = { DATABASE_URL: `sqlite://${join(dir, 'example.db')}`, ADMIN_API_KEY: ADMIN_KEY, WORKER_POLL_INTERVAL_MS: '100' };
    expect((await startProcess('migrate', env).exited()).code).toBe(0);
    web = await startWebProcess('web', env);
    worker = startProcess('worker', env);
    await worker.waitForLog((l) => l.message === 'worker started');
    agent = startProcess('dist/examples/inventory-agent/main.js', { CATALYNX_URL: web.url, CATALYNX_API_KEY: ADMIN_KEY, PORT: '0', HEARTBEAT_INTERVAL_MS: '500' });
    await agent.waitForLog((l) => l.message === 'agent serving');
    api = createCatalynxClient({ baseUrl: web.url, apiKey: ADMIN_KEY });
    await api.workflows.define({
      id: 'order',
      name: 'Reserve stock, then charge',
      steps: [
        { id: 'reserve', agent_id: 'inventory', action: 'reserve', input: { sku: '{{input.sku}}', quantity: '{{input.quantity}}' }, compensation_agent_id: 'inventory', compensation_action: 'release', timeout_seconds: 30 },
        { id: 'charge', agent_id: 'inventory', action: 'charge', input: { amount: '{{input.amount}}' }, timeout_seconds: 30 },
      ],
    });
  }, 60_000);
  afterAll(async () => {
    for (const p of [agent, worker, web]) p?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('is registered by the SDK as an http agent with its capabilities', async () => {
    expect(await api.agents.get('inventory')).toMatchObject({ runtime: 'http', capabilities: ['inventory', 'payments'], version: '1.0.0' });
  });

  it('runs a saga through the agent to completion', async () => {
    const { run_id } = await api.workflows.start('order', { input: { sku: 'widget', quantity: 2, amount: 100 } });
    const run = await api.runs.wait(run_id, { timeoutMs: 30_000, pollIntervalMs: 100 });
    expect(run.status).toBe('completed');
    expect(run.steps.map((s) => [s.id, s.status])).toEqual([['reserve', 'succeeded'], ['charge', 'succeeded']]);
    expect(run.steps[0].output).toMatchObject({ sku: 'widget', quantity: 2, left: 8 });
    expect(run.steps[1].output).toEqual({ charged: 100 });
  });

  it('compensates through the agent when a step fails for good (a PermanentError is not retried)', async () => {
    const { run_id } = await api.workflows.start('order', { input: { sku: 'widget', quantity: 3, amount: 5000 } });
    const run = await api.runs.wait(run_id, { timeoutMs: 30_000, pollIntervalMs: 100 });
    expect(run.status).toBe('compensated');
    expect(run.steps.map((s) => [s.id, s.status])).toEqual([['reserve', 'compensated'], ['charge', 'failed']]);
    expect(run.steps[1]).toMatchObject({ attempts: 1, error: expect.stringContaining('card declined') });
    const stock = await api.tasks.execute('inventory', { action: 'stock' });
    expect((await api.tasks.waitFor(stock.task_id, { timeoutMs: 20_000 })).result).toEqual({ widget: 8, gadget: 3 });
  });

  it('stops with exit 0 on SIGTERM', async () => {
    agent.kill('SIGTERM');
    expect(await agent.exited()).toEqual({ code: 0, signal: null });
    expect(agent.lines.map((l) => l.message)).toContain('agent stopped');
    for (const p of [worker, web]) p.kill('SIGTERM');
    for (const p of [worker, web]) expect((await p.exited()).code).toBe(0);
  });
});
