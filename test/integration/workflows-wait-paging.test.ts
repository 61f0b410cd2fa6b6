// A wait whose event lies further back than one pass reads (many events of its type in between)
// still finds it: each pass moves the wait past the settled events it has read, never past events
// that may still be committing. Driven with small pages, on each database.

import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';
import { adminApi, startInProcessWeb, type InProcessWeb } from '../support/in-process';
import { runProgram } from '../../src/platform/db';
import { resumeWaits } from '../../src/modules/workflows/resume-waits';
import { newTurn, type SagaContext } from '../../src/modules/workflows/saga-context';
import { createSagaStatements } from '../../src/modules/workflows/saga-statements';

jest.setTimeout(60_000);

describeEachDatabase('waits read on across passes', (kind) => {
  let db: TestDatabase;
  let web: InProcessWeb;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await (await db.open()).close();
    // A web process only: no scheduler whose timer would resume the wait with its own page sizes.
    web = await startInProcessWeb({ DATABASE_URL: db.url, RATE_LIMIT_REQUESTS: '100000', WORKFLOWS_DIR: '/nonexistent/workflows' });
  });
  afterAll(async () => {
    await web?.stop();
    await db?.cleanup();
  });

  const api = (path: string, body?: unknown) => adminApi(web.url, path, body);

  function pass(settledMs: number) {
    const database = web.platform.database;
    const ctx: SagaContext = { database, q: createSagaStatements(database), queue: web.services.tasks!.queue, events: web.services.events, now: Date.now, runFinishedHooks: [] };
    return resumeWaits({
      ctx,
      transact: (program) => database.strategy.writeTransaction(database.db, (trx) => runProgram(database, trx, program(trx, newTurn()))),
      limits: { eventsPerPage: 2, pagesPerType: 1, settledMs },
    });
  }

  it('moves a wait past settled events pass by pass until it finds its event, and not past unsettled ones', async () => {
    const def = { id: 'patient-wait', name: 'Patient wait', steps: [{ id: 'w', wait_for_event: { type: 'paging.test', match: { 'data.k': 'yes' }, timeout: '1h' } }] };
    expect((await api('/api/workflows', def)).status).toBe(201);
    const runId = (await api('/api/workflows/patient-wait/runs', { input: {} })).body.run_id as string;
    expect((await api(`/api/workflow-runs/${runId}`)).body.steps[0].status).toBe('waiting');
    // Appended through the store, not the API (whose append resumes waits with the default pages).
    for (const k of ['no', 'no', 'no', 'no', 'no', 'yes']) {
      await web.services.events.append({ aggregateType: 'external', aggregateId: `e-${k}`, expectedVersion: 'any', events: [{ type: 'paging.test', data: { k } }] });
    }
    // Events younger than the settling time hold the wait where it is: each pass reads the same page.
    for (let i = 0; i < 4; i++) expect(await pass(3_600_000)).toBe(0);
    expect((await api(`/api/workflow-runs/${runId}`)).body.steps[0].status).toBe('waiting');
    // Settled: two events a pass, so the matching sixth is found on the third pass.
    const resumed = [await pass(0), await pass(0), await pass(0)];
    expect(resumed).toEqual([0, 0, 1]);
    const run = (await api(`/api/workflow-runs/${runId}`)).body;
    expect(run.status).toBe('completed');
    expect(run.steps[0].output).toMatchObject({ type: 'paging.test', data: { k: 'yes' } });
  });
});
