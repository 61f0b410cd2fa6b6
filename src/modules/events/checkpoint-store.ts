// Durable subscription checkpoints: the global position up to which a subscriber has handled events.
// Advancing is a compare-and-set on the previous position, so a process that lost its lease
// (and whose checkpoint someone else moved) cannot move it back or skip events.

import type { DatabaseHandle, Tx } from '../../platform/db';

export interface CheckpointStore {
  /** The stored position (creating the row at 0 on first use). */
  read(subscriber: string): Promise<number>;
  /**
   * Moves the checkpoint from `from` to `to`; false when it was no longer at `from`.
   * Pass trx to commit it with the handler's own writes.
   */
  advance(subscriber: string, from: number, to: number, trx?: Tx): Promise<boolean>;
  /** Sets the checkpoint unconditionally (rebuilds). */
  reset(subscriber: string, position: number, trx?: Tx): Promise<void>;
}

export function createCheckpointStore(database: DatabaseHandle, opts: { now?: () => number } = {}): CheckpointStore {
  const { db } = database;
  const now = opts.now ?? Date.now;
  return {
    async read(subscriber) {
      await db
        .insertInto('subscription_checkpoints')
        .values({ subscriber, position: 0, updated_at: now() })
        .onConflict((oc) => oc.column('subscriber').doNothing())
        .execute();
      const row = await db
        .selectFrom('subscription_checkpoints')
        .select('position')
        .where('subscriber', '=', subscriber)
        .executeTakeFirstOrThrow();
      return Number(row.position);
    },
    async advance(subscriber, from, to, trx) {
      const result = await (trx ?? db)
        .updateTable('subscription_checkpoints')
        .set({ position: to, updated_at: now() })
        .where('subscriber', '=', subscriber)
        .where('position', '=', from)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async reset(subscriber, position, trx) {
      await (trx ?? db)
        .insertInto('subscription_checkpoints')
        .values({ subscriber, position, updated_at: now() })
        .onConflict((oc) => oc.column('subscriber').doUpdateSet({ position, updated_at: now() }))
        .execute();
    },
  };
}
