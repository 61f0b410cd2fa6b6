// Gauges computed at scrape time from the database, so every process reports the same shared
// truth (queue depth, breakers, saga runs, subscription lag) whichever process is scraped.
// A failed query leaves its gauge empty for that scrape and counts in
// catalynx_metrics_collect_errors_total; the rest of the scrape still answers.

import { Counter, Gauge, type Registry } from 'prom-client';
import type { DatabaseHandle } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import type { BreakerStore } from '../agents/breaker-store';
import type { EventStore } from '../events/event-store';
import type { TaskQueue } from '../tasks/task-queue';

export interface DatabaseGaugeSources {
  database: DatabaseHandle;
  queue: Pick<TaskQueue, 'stats'>;
  breakers: Pick<BreakerStore, 'readAll'>;
  events: Pick<EventStore, 'headPosition'>;
  logger: Logger;
}

/** Prometheus cannot hold strings: breaker states as numbers, in order of severity. */
export const BREAKER_STATE_VALUES: Record<string, number> = { closed: 0, half_open: 1, open: 2 };

const AGENT_BREAKER_PREFIX = 'agent:';

export function registerDatabaseGauges(registry: Registry, sources: DatabaseGaugeSources): void {
  const { db } = sources.database;
  const log = sources.logger.child('metrics');
  const registers = [registry];
  const collectErrors = new Counter({
    name: 'catalynx_metrics_collect_errors_total',
    help: 'Scrape-time gauges that could not be read from the database, by gauge',
    labelNames: ['gauge'] as const,
    registers,
  });

  /** A gauge whose values are recomputed on every scrape; stale label sets disappear. */
  function scrapeGauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: (set: (labels: Record<L, string>, value: number) => void) => Promise<void>,
  ): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      async collect() {
        this.reset();
        try {
          await read((labels, value) => this.set(labels, value));
        } catch (err) {
          collectErrors.inc({ gauge: name });
          log.warn('metrics gauge could not be read', { gauge: name, error: (err as Error).message });
        }
      },
    });
  }

  scrapeGauge('catalynx_queue_depth', 'Tasks queued or running now, by agent and status', ['agent', 'status'], async (set) => {
    const stats = await sources.queue.stats();
    for (const [agent, counts] of Object.entries(stats.byAgent)) {
      set({ agent, status: 'queued' }, counts.queued);
      set({ agent, status: 'running' }, counts.running);
    }
  });

  scrapeGauge('catalynx_queue_oldest_task_age_seconds', 'Age of the oldest queued task that is due (0 when none)', [], async (set) => {
    set({}, (await sources.queue.stats()).oldestQueuedAgeSeconds);
  });

  scrapeGauge(
    'catalynx_circuit_breaker_state',
    'Circuit breaker state per agent: 0 closed, 1 half_open, 2 open',
    ['agent'],
    async (set) => {
      for (const [name, snapshot] of await sources.breakers.readAll(db)) {
        if (!name.startsWith(AGENT_BREAKER_PREFIX)) continue;
        set({ agent: name.slice(AGENT_BREAKER_PREFIX.length) }, BREAKER_STATE_VALUES[snapshot.state] ?? 0);
      }
    },
  );

  scrapeGauge('catalynx_saga_runs', 'Workflow (saga) runs stored, by status', ['status'], async (set) => {
    const rows = await db
      .selectFrom('workflow_runs')
      .select((eb) => ['status', eb.fn.countAll().as('n')])
      .groupBy('status')
      .execute();
    for (const row of rows) set({ status: row.status }, Number(row.n));
  });

  scrapeGauge(
    'catalynx_event_subscription_lag',
    'Events appended but not yet handled, per subscriber (head position minus checkpoint)',
    ['subscriber'],
    async (set) => {
      const head = await sources.events.headPosition();
      const rows = await db.selectFrom('subscription_checkpoints').select(['subscriber', 'position']).execute();
      for (const row of rows) set({ subscriber: row.subscriber }, Math.max(0, head - Number(row.position)));
    },
  );
}
