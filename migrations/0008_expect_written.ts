// Postgres: catalynx_expect_written, an assertion a pipelined transaction can make about a write
// whose answer it does not wait for.
//
// A run of a stored workflow is started in one round trip when the process knows the workflow's
// current version: the run's insert (guarded by that version) goes out with the statements that
// start it and COMMIT, none of them waiting for the insert's answer. The insert is a CTE whose
// statement passes the count of rows it wrote to this function; with none (the workflow has a
// newer version, was deleted, or the idempotency key was taken) the function raises SQLSTATE
// CXW01, which aborts the transaction, so COMMIT rolls back everything the start sent after it,
// and the caller starts the run the long way.

import { sql } from 'kysely';
import type { AnyKysely, MigrationFactory } from './migration-context';

const EXPECT_WRITTEN = sql`
  create function catalynx_expect_written(p_rows bigint, p_what text)
  returns void
  language plpgsql volatile
  as $$
  begin
    if p_rows < 1 then
      raise exception '% was not written', p_what using errcode = 'CXW01';
    end if;
  end
  $$`;

const migration: MigrationFactory = (dialect) => ({
  async up(db: AnyKysely) {
    if (!dialect.supportsFunctions) return;
    await EXPECT_WRITTEN.execute(db);
  },
  async down(db: AnyKysely) {
    if (!dialect.supportsFunctions) return;
    await sql`drop function catalynx_expect_written(bigint, text)`.execute(db);
  },
});

export default migration;
