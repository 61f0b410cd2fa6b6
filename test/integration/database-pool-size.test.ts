// DATABASE_POOL_SIZE caps the Postgres connections a process opens: concurrent statements beyond
// it wait for a connection instead of opening another.

import { sql } from 'kysely';
import { loadConfig } from '../../src/config';
import { createPlatform, type Platform } from '../../src/processes/platform';
import { createTestDatabase, postgresUrlOrSkip, type TestDatabase } from '../support/services';

const pgService = postgresUrlOrSkip();

(pgService.url ? describe : describe.skip)(`the Postgres pool size${pgService.skip ? ` [skipped: ${pgService.skip}]` : ''}`, () => {
  let db: TestDatabase;
  let platform: Platform | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await platform?.shutdown.run('test finished');
    await db?.cleanup();
  });

  it('runs eight concurrent statements on at most the two connections DATABASE_POOL_SIZE allows', async () => {
    platform = createPlatform('web', loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'error', DATABASE_URL: db.url, DATABASE_POOL_SIZE: '2' }));
    const { db: kysely } = platform.database;
    const started = Date.now();
    const pids = await Promise.all(
      Array.from({ length: 8 }, async () => (await sql<{ pid: number }>`select pg_backend_pid() as pid, pg_sleep(0.1)`.execute(kysely)).rows[0]!.pid),
    );
    expect(new Set(pids).size).toBeLessThanOrEqual(2);
    // Eight sleeps of 100 ms on two connections take four turns.
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
  });
});
