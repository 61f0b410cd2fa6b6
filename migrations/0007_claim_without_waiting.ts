// Postgres: catalynx_claim_nowait, the claim a completion's own transaction makes for the slots it
// frees (a workflow step's next task goes to the slot its previous step held, in the same commit).
//
// It leases as catalynx_claim (migration 0004) does: due agents best first, each within its limit
// under its claim lock, attempt rows written, agents whose breaker is not closed passed over. It
// differs in one thing: it never waits for a claim lock, not even the first agent's. The
// transaction that calls it already holds workflow run locks and the event append lock, and a
// transaction that holds a claim lock (a failure updating its agent's breaker) may wait for those:
// waiting here could close a cycle. An agent whose lock is taken is passed over, and the worker's
// own claim takes the slots left.

import { sql } from 'kysely';
import { LEASE } from './0004_claim_functions';
import type { AnyKysely, MigrationFactory } from './migration-context';

const CLAIM_NOWAIT = sql`
  create function catalynx_claim_nowait(p_worker text, p_slots integer, p_now bigint, p_lease_until bigint, p_default_limit integer, p_limits jsonb)
  returns setof tasks
  language plpgsql volatile
  as $$
  declare
    v_agent text;
    v_running integer;
    v_take integer;
    v_taken integer := 0;
    v_leased integer;
  begin
    for v_agent in select * from catalynx_due_agents(p_now) loop
      exit when v_taken >= p_slots;
      continue when not pg_try_advisory_xact_lock(catalynx_lock_key('claim:' || v_agent));
      continue when exists (select 1 from circuit_breakers cb where cb.name = 'agent:' || v_agent and cb.state <> 'closed');
      select count(*) into v_running from tasks r where r.status = 'running' and r.agent_id = v_agent;
      v_take := least(p_slots - v_taken, coalesce((p_limits ->> lower(v_agent))::integer, p_default_limit) - v_running);
      continue when v_take <= 0;
      return query ${sql.raw(LEASE)};
      get diagnostics v_leased = row_count;
      v_taken := v_taken + v_leased;
    end loop;
  end
  $$`;

const migration: MigrationFactory = (dialect) => ({
  async up(db: AnyKysely) {
    if (!dialect.supportsFunctions) return;
    await CLAIM_NOWAIT.execute(db);
  },
  async down(db: AnyKysely) {
    if (!dialect.supportsFunctions) return;
    await sql`drop function catalynx_claim_nowait(text, integer, bigint, bigint, integer, jsonb)`.execute(db);
  },
});

export default migration;
