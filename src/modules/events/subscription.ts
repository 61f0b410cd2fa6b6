// A durable subscription: reads the global event stream after its checkpoint, hands each event to
// a handler in order, and advances the checkpoint only after the handler succeeded (at-least-once).
// Woken at once by the `events` notification, it also polls, so a lost notification only delays it.
// A lease (scheduler_locks row "subscription:<name>") keeps it to one process at a time.

import { randomUUID } from 'node:crypto';
import type { DatabaseHandle, Tx } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import type { Notifier } from '../../platform/notifier';
import type { Runnable } from '../../processes/services';
import { createCheckpointStore } from './checkpoint-store';
import type { StoredEvent } from './event';
import type { EventStore } from './event-store';
import { EVENTS_CHANNEL } from './publish-appended';
import { createLease } from './subscription-lease';

/**
 * Handles one event. In transactional mode (the default) it receives the transaction that also
 * advances the checkpoint: its writes and the checkpoint commit together, so a redelivery happens
 * only when neither did. On SQLite it MUST use trx and not the database handle (one connection:
 * using the handle inside the transaction would wait for itself forever).
 */
export type EventHandler = (event: StoredEvent, trx?: Tx) => Promise<void>;

export interface SubscriptionOptions {
  name: string;
  database: DatabaseHandle;
  events: EventStore;
  notifier: Notifier;
  handler: EventHandler;
  types?: readonly string[];
  aggregateType?: string;
  batchSize?: number;
  pollIntervalMs: number;
  logger: Logger;
  /**
   * true (default): the handler runs inside the transaction that advances the checkpoint.
   * false: the handler runs on its own (HTTP calls, anything slow) and the checkpoint follows it.
   */
  transactional?: boolean;
  /** How long a claim lasts without renewal; a crashed holder is replaced after this. */
  leaseMs?: number;
  /** Handler failures are retried after retryBaseMs, doubling up to retryMaxMs. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Identifies this holder in scheduler_locks (defaults to a fresh uuid). */
  owner?: string;
  now?: () => number;
}

/** start() and stop() are idempotent; a stopped subscription does not start again (make a new one). */
export interface Subscription extends Runnable {
  /** Asks the loop to look for events now (the notification does this). */
  wake(): void;
}

/** Thrown inside the checkpoint transaction when another holder moved the checkpoint meanwhile. */
class CheckpointMovedError extends Error {
  constructor(readonly subscriber: string, readonly expected: number) {
    super(`checkpoint of subscription "${subscriber}" is no longer at ${expected}`);
    this.name = 'CheckpointMovedError';
  }
}

export function createSubscription(opts: SubscriptionOptions): Subscription {
  const name = opts.name;
  const log = opts.logger.child(`subscription.${name}`);
  const now = opts.now ?? Date.now;
  const batchSize = Math.min(Math.max(opts.batchSize ?? 100, 1), 1000);
  const leaseMs = opts.leaseMs ?? 30_000;
  const retryBaseMs = opts.retryBaseMs ?? 200;
  const retryMaxMs = opts.retryMaxMs ?? 30_000;
  const transactional = opts.transactional ?? true;
  const { database } = opts;
  const checkpoints = createCheckpointStore(database, { now });
  const lease = createLease({ database, name: `subscription:${name}`, owner: opts.owner ?? randomUUID(), ttlMs: leaseMs, now });

  let running = false;
  let stopping: Promise<void> | undefined;
  let loop: Promise<void> | undefined;
  let unsubscribe: (() => void) | undefined;
  let woken = false;
  let wakeWaiter: (() => void) | undefined;
  let stopWaiter: (() => void) | undefined;
  let holding = false;
  let renewedAt = 0;
  let failures = 0;

  function wake() {
    woken = true;
    wakeWaiter?.();
  }

  /** Sleeps up to ms, returning early on stop (and on a wake-up when wakeable). */
  function pause(ms: number, wakeable: boolean): Promise<void> {
    if ((wakeable && woken) || !running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeWaiter = undefined;
        stopWaiter = undefined;
        resolve();
      }
      if (wakeable) wakeWaiter = done;
      stopWaiter = done;
    });
  }

  async function holdLease(): Promise<boolean> {
    // Renew at a third of the lease so a slow batch does not let it lapse.
    if (holding && now() - renewedAt < leaseMs / 3) return true;
    const got = await lease.acquire();
    if (got && !holding) log.info('subscription lease acquired', { owner: lease.owner });
    if (!got && holding) log.warn('subscription lease lost', { owner: lease.owner });
    holding = got;
    if (got) renewedAt = now();
    return got;
  }

  async function handleOne(event: StoredEvent, from: number): Promise<void> {
    if (transactional) {
      await database.strategy.writeTransaction(database.db, async (trx) => {
        // Checkpoint first: it takes the row lock before the handler's writes, so a rebuild that
        // also starts with the checkpoint cannot deadlock with us, and a moved checkpoint aborts.
        if (!(await checkpoints.advance(name, from, event.position, trx))) throw new CheckpointMovedError(name, from);
        await opts.handler(event, trx);
      });
      return;
    }
    await opts.handler(event);
    if (!(await checkpoints.advance(name, from, event.position))) throw new CheckpointMovedError(name, from);
  }

  /** One pass: returns true when a full batch was read (more may be waiting). */
  async function runBatch(): Promise<boolean> {
    if (!(await holdLease())) return false;
    let position = await checkpoints.read(name);
    const batch = await opts.events.readAll({ after: position, limit: batchSize, types: opts.types, aggregateType: opts.aggregateType });
    for (const event of batch) {
      // A slow batch renews on the way; a lost lease ends the batch (the new holder goes on).
      if (!(await holdLease())) return false;
      await handleOne(event, position);
      position = event.position;
      failures = 0;
    }
    return batch.length === batchSize;
  }

  async function run(): Promise<void> {
    while (running) {
      woken = false;
      let more = false;
      try {
        more = await runBatch();
      } catch (err) {
        if (err instanceof CheckpointMovedError) {
          // A rebuild reset it, or another holder took over while our lease lapsed; our step was
          // rolled back. Re-claim and re-read the checkpoint before doing anything else.
          log.info('checkpoint moved by someone else; re-reading it', { error: err.message });
          holding = false;
          continue;
        }
        failures += 1;
        const delay = Math.min(retryBaseMs * 2 ** (failures - 1), retryMaxMs);
        log.error('subscription batch failed; retrying from the checkpoint', { error: err, attempt: failures, retry_in_ms: delay });
        // A notification must not cut the back-off short: it is about new events, not the failing one.
        await pause(delay, false);
        continue;
      }
      // Wake at least every third of the lease so holding it (renewal) survives long poll intervals.
      if (!more) await pause(Math.min(opts.pollIntervalMs, leaseMs / 3), true);
    }
  }

  return {
    name,
    wake,
    async start() {
      if (running || stopping) return;
      running = true;
      unsubscribe = opts.notifier.subscribe(EVENTS_CHANNEL, () => wake());
      loop = run();
    },
    stop() {
      stopping ??= (async () => {
        running = false;
        unsubscribe?.();
        stopWaiter?.();
        await loop;
        if (holding) {
          await lease.release().catch((err: unknown) => log.warn('lease release failed; it will expire', { error: err }));
          holding = false;
        }
      })();
      return stopping;
    },
  };
}
