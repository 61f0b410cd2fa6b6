// Scenario 8: an event committed but never published (the writer died before notifying anyone) is
// still delivered: a worker started afterwards catches its profile projection up from the stored
// checkpoint, so GET /api/profiles lists the profile.

import { randomUUID } from 'node:crypto';
import { createEventStore } from '../../src/modules/events/event-store';
import { decideCreate } from '../../src/modules/profiles/profile-aggregate';
import { PROFILE_AGGREGATE } from '../../src/modules/profiles/profile';
import { createTestDatabase, type TestDatabase } from '../support/services';
import { sleep, waitUntil } from '../support/wait';
import { apiFor, baseEnv, describeWithServices, ProcessGroup } from './support/cluster';
import { recordRow } from './support/fault-table';

describeWithServices('8. an event committed but not published', {}, () => {
  let db: TestDatabase;
  const group = new ProcessGroup();

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    group.killAll();
    await db?.cleanup();
  });

  it('reaches the read model when a worker starts later', async () => {
    // Append straight to the event store, as a web process would just before dying: no notify.
    const handle = await db.open();
    const id = randomUUID();
    await createEventStore(handle).append({
      aggregateType: PROFILE_AGGREGATE,
      aggregateId: id,
      expectedVersion: 0,
      events: decideCreate({ name: 'Orphan Event Fund', organization: 'Orphan Event Fund', mission: 'Proves events outlive their publisher', focus_areas: ['B'], states: ['VA'] }),
    });

    const env = baseEnv(db.url);
    const web = await group.web(env);
    const api = apiFor(() => web.url);
    const listed = async () => JSON.stringify((await api('/api/profiles')).body).includes(id);
    // Without a worker nothing projects it (the web process runs no subscriptions).
    await sleep(1000);
    expect(await listed()).toBe(false);

    const startedAt = Date.now();
    await group.start('worker', env);
    await waitUntil(listed, { what: 'the profile in GET /api/profiles', timeoutMs: 15_000, intervalMs: 100 });
    const recoverMs = Date.now() - startedAt;

    recordRow({
      order: 8,
      scenario: 'event committed, never published; worker started afterwards',
      submitted: 1,
      succeeded: 1,
      lost: 0,
      duplicated: 0,
      recoverMs,
      notes: 'profile projection caught up from its checkpoint; recover = worker start → listed by GET /api/profiles',
    });
    const codes = await group.stopAll();
    expect(codes.every((c) => c === 0)).toBe(true);
  });
});
