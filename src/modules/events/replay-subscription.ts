// Replays a subscription from the first event in ONE write transaction: reset its checkpoint, let the
// caller clear its read model, hand every event to the handler, and leave the checkpoint at the
// last one. Taking the checkpoint row first fences a live subscription: its own checkpoint update
// waits, then fails its compare-and-set and rolls back, so no event is applied twice or lost.

import type { DatabaseHandle, Tx } from '../../platform/db';
import { createCheckpointStore } from './checkpoint-store';
import type { StoredEvent } from './event';
import { readAllIn } from './read-events-in';

export interface ReplayOptions {
  database: DatabaseHandle;
  subscriber: string;
  handler: (event: StoredEvent, trx: Tx) => Promise<void>;
  /** Runs first inside the transaction (truncate the read model here). */
  reset?: (trx: Tx) => Promise<void>;
  types?: readonly string[];
  aggregateType?: string;
  batchSize?: number;
  now?: () => number;
}

export interface ReplayResult {
  events: number;
  position: number;
}

export async function replaySubscription(opts: ReplayOptions): Promise<ReplayResult> {
  const { database } = opts;
  const checkpoints = createCheckpointStore(database, { now: opts.now });
  const batchSize = opts.batchSize ?? 500;
  return database.strategy.writeTransaction(database.db, async (trx) => {
    await checkpoints.reset(opts.subscriber, 0, trx);
    await opts.reset?.(trx);
    let position = 0;
    let count = 0;
    for (;;) {
      // Read through trx: on SQLite the handle's one connection is this transaction's.
      const batch = await readAllIn(trx, { after: position, limit: batchSize, types: opts.types, aggregateType: opts.aggregateType });
      if (batch.length === 0) break;
      for (const event of batch) {
        await opts.handler(event, trx);
        position = event.position;
        count += 1;
      }
    }
    await checkpoints.reset(opts.subscriber, position, trx);
    return { events: count, position };
  });
}
