// WORKFLOWS_DIR: definitions load at start-up (an invalid file stops start-up, naming the file), and
// a definition's cron schedule starts runs once per tick.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { createPlatform } from '../../src/processes/platform';
import { buildServices, initializeServices } from '../../src/processes/services';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';
import { startInProcessStack, type InProcessStack } from '../support/in-process';
import { waitUntil } from '../support/wait';

jest.setTimeout(60_000);

describeEachDatabase('workflow definitions from WORKFLOWS_DIR', (kind) => {
  let db: TestDatabase;
  let dir: string;
  let stack: InProcessStack | undefined;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await (await db.open()).close();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'catalynx-workflows-'));
  });
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
    rmSync(dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    await db?.cleanup();
  });

  /** Builds and initializes the services the way a process starts; resolves with the start-up error. */
  async function startupError(): Promise<Error | undefined> {
    const config = loadConfig({ LOG_LEVEL: 'error', NODE_ENV: 'test', DATABASE_URL: db.url, WORKFLOWS_DIR: dir, ADMIN_API_KEY: 'test-admin-key-0123456789' });
    const platform = createPlatform('web', config);
    try {
      await initializeServices(buildServices(platform));
      return undefined;
    } catch (err) {
      return err as Error;
    } finally {
      await platform.shutdown.run('test finished');
    }
  }

  it('loads YAML and JSON definitions and runs a scheduled one once per tick', async () => {
    writeFileSync(
      join(dir, 'ticker.yaml'),
      ['id: ticker', 'name: Every second', "schedule: '* * * * * *'", 'steps:', '  - id: say', '    agent_id: echo', '    action: echo', '    input: { at: tick }', '    timeout_seconds: 5'].join('\n'),
    );
    writeFileSync(join(dir, 'manual.json'), JSON.stringify({ id: 'manual', name: 'Manual', steps: [{ id: 's', agent_id: 'echo', action: 'echo', timeout_seconds: 5 }] }));
    writeFileSync(join(dir, 'README.md'), 'not a definition');
    stack = await startInProcessStack({ DATABASE_URL: db.url, WORKFLOWS_DIR: dir, WORKER_POLL_INTERVAL_MS: '100', SCHEDULER_LEADER_LEASE_SECONDS: '2' });

    const list = await stack.api('/api/workflows');
    expect(list.body.workflows.map((w: { definition: { id: string }; source: string }) => [w.definition.id, w.source])).toEqual([
      ['manual', 'file'],
      ['ticker', 'file'],
    ]);

    const runs = await waitUntil(
      async () => {
        const r = await stack!.api('/api/workflow-runs?workflow_id=ticker&status=completed');
        return r.body.total >= 2 ? r.body.runs : undefined;
      },
      { what: 'two scheduled runs completed', timeoutMs: 20_000, intervalMs: 200 },
    );
    const keys = runs.map((r: { idempotency_key: string }) => r.idempotency_key);
    for (const key of keys) expect(key).toMatch(/^schedule:\d+$/);
    expect(new Set(keys).size).toBe(keys.length);
    expect(runs[0].metadata).toEqual({ trigger: 'schedule' });
    expect((await stack.api('/api/workflow-runs?workflow_id=manual')).body.total).toBe(0);
  });

  it('starts running a schedule posted through the API without a restart', async () => {
    stack = await startInProcessStack({ DATABASE_URL: db.url, WORKFLOWS_DIR: dir, WORKER_POLL_INTERVAL_MS: '100', SCHEDULER_LEADER_LEASE_SECONDS: '2' });
    const posted = await stack.api('/api/workflows', {
      method: 'POST',
      json: { id: 'api-ticker', name: 'Posted ticker', schedule: '* * * * * *', steps: [{ id: 's', agent_id: 'echo', action: 'echo', timeout_seconds: 5 }] },
    });
    expect(posted.status).toBe(201);
    await waitUntil(
      async () => ((await stack!.api('/api/workflow-runs?workflow_id=api-ticker&status=completed')).body.total >= 2 ? true : undefined),
      { what: 'runs of the posted schedule', timeoutMs: 20_000, intervalMs: 200 },
    );
  });

  it('fails start-up naming the file when a definition is invalid', async () => {
    writeFileSync(join(dir, 'broken.yml'), 'id: broken\nname: Broken\nsteps: []\n');
    const err = await startupError();
    expect(err?.message).toContain(join(dir, 'broken.yml'));
    expect(err?.message).toContain('steps');
  });

  it('fails start-up naming the file when a definition names an unknown agent', async () => {
    writeFileSync(join(dir, 'ghost.json'), JSON.stringify({ id: 'ghost', name: 'Ghost', steps: [{ id: 's', agent_id: 'nobody', action: 'x', timeout_seconds: 5 }] }));
    const err = await startupError();
    expect(err?.message).toContain(join(dir, 'ghost.json'));
    expect(err?.message).toContain('nobody');
  });

  it('starts with no definitions when the folder does not exist', async () => {
    rmSync(dir, { recursive: true, force: true });
    expect(await startupError()).toBeUndefined();
  });
});
