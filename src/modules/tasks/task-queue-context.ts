// What every task-queue operation works with: the database, the queue's options, the clock, the
// per-agent settings, the finish hooks and the SQLite hot path. Built once in createTaskQueue and
// passed to each operation.

import { agentSettings, type AgentSettings } from '../../config';
import type { DatabaseHandle, DialectStrategy, Tx } from '../../platform/db';
import type { BreakerPolicyOptions } from '../../resilience/circuit-breaker-policy';
import type { FinishHook, FinishPreparation } from './finish-hooks';
import { createSqliteHotPath, type SqliteHotPath } from './sqlite-hot-path';
import type { TaskQueueOptions } from './task-queue';

export interface TaskQueueContext {
  database: DatabaseHandle;
  db: Tx;
  strategy: DialectStrategy;
  /** The options as given (callbacks are called on them: onQueued, onTasksFinished). */
  options: TaskQueueOptions;
  now: () => number;
  random: (() => number) | undefined;
  /** The hooks onFinished registered, in order. */
  hooks: FinishHook[];
  /** What the hooks' owners prepare before a batch's finish hooks run (onFinished's `prepare`). */
  preparations: FinishPreparation[];
  settingsFor(agentId: string): AgentSettings;
  breakerOptions(agentId: string): BreakerPolicyOptions;
  /** SQLite only: the claim and plain completions on better-sqlite3's own API. */
  sqliteHotPath: SqliteHotPath | undefined;
}

export function createTaskQueueContext(opts: TaskQueueOptions): TaskQueueContext {
  const { db, strategy } = opts.database;
  const settingsFor = (agentId: string): AgentSettings => agentSettings(opts.agents, agentId);
  const breakerOptions = (agentId: string): BreakerPolicyOptions => {
    const s = settingsFor(agentId);
    return { failureThreshold: s.circuitFailureThreshold, recoveryTimeoutMs: s.circuitRecoveryTimeoutSeconds * 1000 };
  };
  const sqliteHotPath = opts.database.sqlite
    ? createSqliteHotPath(opts.database.sqlite, { leaseMs: opts.leaseMs, limitFor: (agentId) => settingsFor(agentId).maxConcurrentTasks })
    : undefined;
  return { database: opts.database, db, strategy, options: opts, now: opts.now ?? Date.now, random: opts.random, hooks: [], preparations: [], settingsFor, breakerOptions, sqliteHotPath };
}
