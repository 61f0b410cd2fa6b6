// Runs periodic jobs on node-cron, only on the leader, and each tick at most once across all
// scheduler processes (a unique (job, tick) row is the guard even if two leaders overlapped).

import cron, { type ScheduledTask } from 'node-cron';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { DatabaseHandle } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import { createLeaderLock } from './leader-lock';

export interface PeriodicJob {
  name: string;
  /** Either an interval in seconds or a cron expression (5 or 6 fields). */
  every: { seconds: number } | { cron: string };
  run(): Promise<unknown>;
}

export interface PeriodicScheduler {
  readonly name: string;
  readonly owner: string;
  add(job: PeriodicJob): void;
  /** Replaces the jobs whose names start with prefix (e.g. workflow schedules after a change). */
  replace(prefix: string, jobs: PeriodicJob[]): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  isLeader(): boolean;
}

export interface PeriodicSchedulerOptions {
  database: DatabaseHandle;
  logger: Logger;
  leaseMs: number;
  owner?: string;
  now?: () => number;
  /** Called after every job run (metrics, tests). */
  onJobRun?(job: string, outcome: 'ok' | 'error', durationMs: number): void;
}

/** A cron expression for an interval, or undefined when cron cannot express it exactly. */
function intervalToCron(seconds: number): string | undefined {
  if (seconds < 60 && Number.isInteger(seconds) && 60 % seconds === 0) return `*/${seconds} * * * * *`;
  const minutes = seconds / 60;
  if (Number.isInteger(minutes) && minutes < 60 && 60 % minutes === 0) return `0 */${minutes} * * * *`;
  return undefined;
}

export function createPeriodicScheduler(opts: PeriodicSchedulerOptions): PeriodicScheduler {
  const owner = opts.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const log = opts.logger.child('scheduler');
  const now = opts.now ?? Date.now;
  const lock = createLeaderLock({ database: opts.database, name: 'scheduler-leader', owner, leaseMs: opts.leaseMs, now });
  const jobs = new Map<string, PeriodicJob>();
  const handles = new Map<string, { stop(): void }>();
  const runningJobs = new Set<Promise<void>>();
  let renewTimer: NodeJS.Timeout | undefined;
  let started = false;
  let stopping: Promise<void> | undefined;
  let wasLeader = false;

  async function renew() {
    try {
      const leader = await lock.tryAcquire();
      if (leader !== wasLeader) log.info(leader ? 'became scheduler leader' : 'lost scheduler leadership', { owner });
      wasLeader = leader;
    } catch (err) {
      log.warn('leader lease renewal failed', { error: (err as Error).message });
    }
  }

  async function claimTick(job: string, tick: number): Promise<boolean> {
    const row = await opts.database.db
      .insertInto('scheduled_ticks')
      .values({ job, tick, owner, ran_at: now() })
      .onConflict((oc) => oc.columns(['job', 'tick']).doNothing())
      .returning('job')
      .executeTakeFirst();
    return row !== undefined;
  }

  function fire(job: PeriodicJob, tick: number) {
    if (stopping || !lock.isHeld()) return;
    const p = (async () => {
      const started = now();
      try {
        if (!(await claimTick(job.name, tick))) return;
        await job.run();
        opts.onJobRun?.(job.name, 'ok', now() - started);
        log.debug('job ran', { job: job.name, tick, duration_ms: now() - started });
      } catch (err) {
        opts.onJobRun?.(job.name, 'error', now() - started);
        log.error('job failed', { job: job.name, tick, error: err });
      }
    })();
    runningJobs.add(p);
    void p.finally(() => runningJobs.delete(p));
  }

  function schedule(job: PeriodicJob) {
    if ('cron' in job.every) {
      const task: ScheduledTask = cron.schedule(job.every.cron, () => fire(job, Math.round(now() / 1000)), { name: job.name, noOverlap: true });
      handles.set(job.name, { stop: () => void task.destroy() });
      return;
    }
    const seconds = job.every.seconds;
    const expr = intervalToCron(seconds);
    if (expr) {
      const task = cron.schedule(expr, () => fire(job, Math.floor(now() / 1000 / seconds)), { name: job.name, noOverlap: true });
      handles.set(job.name, { stop: () => void task.destroy() });
    } else {
      const timer = setInterval(() => fire(job, Math.floor(now() / 1000 / seconds)), seconds * 1000);
      handles.set(job.name, { stop: () => clearInterval(timer) });
    }
  }

  return {
    name: 'periodic-scheduler',
    owner,
    add(job) {
      jobs.set(job.name, job);
      if (started) schedule(job);
    },
    replace(prefix, next) {
      for (const name of [...jobs.keys()]) {
        if (!name.startsWith(prefix)) continue;
        handles.get(name)?.stop();
        handles.delete(name);
        jobs.delete(name);
      }
      for (const job of next) this.add(job);
    },
    isLeader: () => lock.isHeld(),
    async start() {
      if (started) return;
      started = true;
      await renew();
      renewTimer = setInterval(() => void renew(), Math.max(200, Math.floor(opts.leaseMs / 3)));
      for (const job of jobs.values()) schedule(job);
    },
    stop() {
      stopping ??= (async () => {
        clearInterval(renewTimer);
        for (const h of handles.values()) h.stop();
        handles.clear();
        await Promise.all([...runningJobs]);
        if (started) await lock.release().catch(() => undefined);
      })();
      return stopping;
    },
  };
}
