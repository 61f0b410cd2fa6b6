// The profiles read model on SQLite and Postgres: idempotent under redelivery, reports recorded
// once and inside a caller's transaction, and a rebuild that fences a running projection.

import { Writable } from 'node:stream';
import type { DatabaseHandle } from '../../src/platform/db';
import { createLogger } from '../../src/platform/logger';
import { createNotifier, type Notifier } from '../../src/platform/notifier';
import { createEventStore, type EventStore } from '../../src/modules/events/event-store';
import { projectProfileEvent } from '../../src/modules/profiles/profile-projection';
import { createProfileProjection, rebuildProfileProjection } from '../../src/modules/profiles/profile-projection-subscription';
import { createProfiles, type Profiles } from '../../src/modules/profiles/profiles';
import { CreateProfileBodySchema } from '../../src/modules/profiles/profile';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';
import { waitUntil } from '../support/wait';

const logger = createLogger({ level: 'error', processType: 'test', stream: new Writable({ write: (_c, _e, done) => done() }) }).logger;
const body = CreateProfileBodySchema.parse({ name: 'n', organization: 'o', mission: 'm', states: ['VA'] });

describeEachDatabase('profiles projection', (kind) => {
  let testDb: TestDatabase;
  let database: DatabaseHandle;
  let events: EventStore;
  let notifier: Notifier;
  let profiles: Profiles;

  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
    database = await testDb.open();
    events = createEventStore(database);
    notifier = createNotifier({ redis: null, logger });
    profiles = createProfiles({ events, notifier });
  });
  afterAll(async () => {
    await notifier.close();
    await testDb.cleanup();
  });

  const rowOf = (id: string) => database.db.selectFrom('profiles').selectAll().where('id', '=', id).executeTakeFirst();
  const project = async (id: string) => {
    // Read before the transaction: on SQLite the pool's one connection belongs to it meanwhile.
    const stream = await events.readStream('profile', id);
    await database.strategy.writeTransaction(database.db, async (trx) => {
      for (const e of stream) await projectProfileEvent(e, trx);
    });
  };

  it('ignores redelivered and older events: applying a stream twice gives the same row', async () => {
    const p = await profiles.create(body);
    await profiles.update(p.id, 1, { name: 'second' });
    await profiles.recordIntelligenceReport(p.id, 'run-a', 'basic', { ok: true });
    await profiles.update(p.id, 3, { mission: 'fourth' });
    await project(p.id);
    const once = await rowOf(p.id);
    expect(once).toMatchObject({ name: 'second', mission: 'fourth' });
    expect(Number(once!.version)).toBe(4);
    await project(p.id); // every event again, oldest first: each is at or below the row's version
    expect(await rowOf(p.id)).toEqual(once);
    const reports = await database.db.selectFrom('profile_reports').selectAll().where('profile_id', '=', p.id).execute();
    expect(reports).toHaveLength(1);
  });

  it('records a report inside a caller transaction, and not at all when that transaction rolls back', async () => {
    const p = await profiles.create(body);
    await expect(
      database.strategy.writeTransaction(database.db, async (trx) => {
        await profiles.recordIntelligenceReport(p.id, 'run-rolled-back', 'basic', {}, trx);
        throw new Error('the saga step failed later');
      }),
    ).rejects.toThrow('the saga step failed later');
    expect(await events.currentVersion('profile', p.id)).toBe(1);
    const result = await database.strategy.writeTransaction(database.db, (trx) =>
      profiles.recordIntelligenceReport(p.id, 'run-kept', 'basic', { n: 1 }, trx),
    );
    expect(result).toEqual({ appended: true, version: 2 });
  });

  it('retries a report on a version conflict, so concurrent reports all land without gaps', async () => {
    const p = await profiles.create(body);
    const results = await Promise.all(['r1', 'r2', 'r3', 'r4'].map((r) => profiles.recordIntelligenceReport(p.id, r, 'basic', { r })));
    expect(results.map((r) => r.version).sort()).toEqual([2, 3, 4, 5]);
    const stream = await events.readStream('profile', p.id);
    expect(stream.map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
    expect(stream.slice(1).map((e) => e.data.run_id).sort()).toEqual(['r1', 'r2', 'r3', 'r4']);
  });

  it('refuses a report for an unknown profile', async () => {
    await expect(profiles.recordIntelligenceReport('00000000-0000-4000-8000-000000000000', 'r', 't', {})).rejects.toMatchObject({ status: 404 });
  });

  it('rebuilds while the projection runs: the result equals what the projection builds alone', async () => {
    const sub = createProfileProjection({ database, events, notifier, logger, pollIntervalMs: 20 });
    await sub.start();
    try {
      const writer = (async () => {
        for (let i = 0; i < 15; i++) {
          const p = await profiles.create({ ...body, name: `w${i}` });
          await profiles.update(p.id, 1, { mission: `m${i}` });
        }
      })();
      const rebuilt = await rebuildProfileProjection(database);
      expect(rebuilt.events).toBeGreaterThan(0);
      await writer;
      const head = await events.headPosition();
      await waitUntil(
        async () => {
          const row = await database.db.selectFrom('subscription_checkpoints').select('position').where('subscriber', '=', 'profiles-projection').executeTakeFirst();
          return Number(row?.position) === head;
        },
        { what: 'the projection to catch up' },
      );
      const rows = async () => ({
        profiles: await database.db.selectFrom('profiles').selectAll().orderBy('id').execute(),
        reports: await database.db.selectFrom('profile_reports').selectAll().orderBy('profile_id').orderBy('run_id').execute(),
      });
      const live = await rows();
      await rebuildProfileProjection(database);
      expect(await rows()).toEqual(live);
      expect(live.profiles.filter((r) => r.name.startsWith('w') && r.mission.startsWith('m'))).toHaveLength(15);
    } finally {
      await sub.stop();
    }
  });
});
