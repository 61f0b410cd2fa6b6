// Circuit breakers shared by every worker process: the pure policy from src/resilience over a row
// per breaker in `circuit_breakers`. Writers hold the breaker's lock (see AgentLocks) so two workers
// cannot lose each other's updates.

import { sql, type RawBuilder } from 'kysely';
import type { Tx } from '../../platform/db';
import type { CircuitBreakersTable } from '../../platform/db/schema';
import {
  initialSnapshot,
  recordFailure,
  recordSuccess,
  type BreakerCall,
  type BreakerPolicyOptions,
  type BreakerSnapshot,
} from '../../resilience/circuit-breaker-policy';

export interface BreakerStore {
  read(q: Tx, name: string): Promise<BreakerSnapshot>;
  readAll(q: Tx): Promise<Map<string, BreakerSnapshot>>;
  /** Persists a snapshot (e.g. the trial start decided by `decide`). Caller holds the breaker's lock. */
  save(trx: Tx, name: string, snapshot: BreakerSnapshot, now: number): Promise<void>;
  /** Records an outcome. Caller holds the breaker's lock. Returns the new snapshot (and whether it changed). */
  record(
    trx: Tx,
    name: string,
    outcome: 'success' | 'failure',
    now: number,
    opts: BreakerPolicyOptions,
    call: BreakerCall,
  ): Promise<{ before: BreakerSnapshot; after: BreakerSnapshot }>;
}

/** A breaker's row as its snapshot (no row: a fresh, closed breaker). */
export function toSnapshot(row: CircuitBreakersTable | undefined): BreakerSnapshot {
  if (!row) return initialSnapshot();
  return {
    state: row.state,
    failureCount: Number(row.failure_count),
    openedAt: row.opened_at === null ? null : Number(row.opened_at),
    trialStartedAt: row.trial_started_at === null ? null : Number(row.trial_started_at),
  };
}

async function write(trx: Tx, name: string, s: BreakerSnapshot, now: number): Promise<void> {
  const values = {
    state: s.state,
    failure_count: s.failureCount,
    opened_at: s.openedAt,
    trial_started_at: s.trialStartedAt,
    updated_at: now,
  };
  await trx
    .insertInto('circuit_breakers')
    .values({ name, ...values })
    .onConflict((oc) => oc.column('name').doUpdateSet(values))
    .execute();
}

export function createBreakerStore(): BreakerStore {
  return {
    async read(q, name) {
      return toSnapshot(await q.selectFrom('circuit_breakers').selectAll().where('name', '=', name).executeTakeFirst());
    },
    async readAll(q) {
      const rows = await q.selectFrom('circuit_breakers').selectAll().execute();
      return new Map(rows.map((r) => [r.name, toSnapshot(r)]));
    },
    save: write,
    async record(trx, name, outcome, now, opts, call) {
      const before = await this.read(trx, name);
      const after = outcome === 'success' ? recordSuccess(before, now, call) : recordFailure(before, now, opts, call);
      if (after !== before) await write(trx, name, after, now);
      return { before, after };
    },
  };
}

const AGENT_BREAKER_PREFIX = 'agent:';

/** The breaker row name of an agent. */
export const agentBreakerName = (agentId: string) => `${AGENT_BREAKER_PREFIX}${agentId}`;

/** The same name computed in SQL from an agent id column (for statements over many agents). */
export const agentBreakerNameOf = (agentId: RawBuilder<unknown>) => sql<string>`${AGENT_BREAKER_PREFIX} || ${agentId}`;

/** SQL: whether a breaker name column names an agent's breaker, and the agent id it names. */
export const agentBreakers = {
  isAgentBreaker: (name: RawBuilder<unknown>) => sql<boolean>`${name} like ${`${AGENT_BREAKER_PREFIX}%`}`,
  agentIdOf: (name: RawBuilder<unknown>) => sql<string>`substr(${name}, ${AGENT_BREAKER_PREFIX.length + 1})`,
};
