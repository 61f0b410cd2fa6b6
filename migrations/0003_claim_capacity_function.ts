// Postgres: a claim in one statement, without BEGIN and COMMIT round trips.
//
// Claimers of one agent must be serialised so the per-agent concurrency limit holds across
// workers: take the agent's advisory lock, count its running tasks, lease within the remainder.
// Done as one statement, the count would come from the statement's snapshot, taken before the
// lock was granted, and miss the tasks the previous lock holder just leased. A VOLATILE function
// takes a fresh snapshot for each query it runs, so this one takes the lock and only then reads
// the breaker and the running count; the claim statement calls it for its LIMIT. The lock lasts
// until the claim statement commits. Rows the previous holder leased after the statement's
// snapshot are re-checked when locked (FOR UPDATE) and no longer match `status = 'queued'`.
//
// Returns the number of tasks the caller may lease, or -1 when the agent's breaker is not closed
// (the caller then decides on the breaker in a transaction of its own).

import { sql } from 'kysely';
import type { AnyKysely, MigrationFactory } from './migration-context';

const migration: MigrationFactory = (dialect) => ({
  async up(db: AnyKysely) {
    if (!dialect.supportsFunctions) return;
    await sql`
      create function catalynx_claim_capacity(lock_key bigint, agent text, breaker text, max_running integer, wanted integer)
      returns integer
      language plpgsql volatile
      as $$
      declare
        running integer;
      begin
        perform pg_advisory_xact_lock(lock_key);
        if exists (select 1 from circuit_breakers where name = breaker and state <> 'closed') then
          return -1;
        end if;
        select count(*) into running from tasks where status = 'running' and agent_id = agent;
        return greatest(0, least(wanted, max_running - running));
      end
      $$`.execute(db);
  },
  async down(db: AnyKysely) {
    if (!dialect.supportsFunctions) return;
    await sql`drop function catalynx_claim_capacity(bigint, text, text, integer, integer)`.execute(db);
  },
});

export default migration;
