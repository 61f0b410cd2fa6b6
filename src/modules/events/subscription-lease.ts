// A lease on a named row of scheduler_locks: one process at a time runs a given subscription.
// Acquire and renew are one conditional upsert, so the database decides between two claimants.

import type { DatabaseHandle } from '../../platform/db';

export interface Lease {
  readonly name: string;
  readonly owner: string;
  /** True when this owner now holds the lease until now()+ttlMs (acquired or renewed). */
  acquire(): Promise<boolean>;
  /** Gives the lease up at once so another process need not wait for it to expire. */
  release(): Promise<void>;
}

export interface LeaseOptions {
  database: DatabaseHandle;
  name: string;
  owner: string;
  ttlMs: number;
  now?: () => number;
}

export function createLease(opts: LeaseOptions): Lease {
  const { db } = opts.database;
  const now = opts.now ?? Date.now;
  return {
    name: opts.name,
    owner: opts.owner,
    async acquire() {
      const at = now();
      // Insert when free; take over when expired; extend when already ours. Any other holder
      // makes the WHERE false, so nothing is written and nothing is returned.
      const rows = await db
        .insertInto('scheduler_locks')
        .values({ name: opts.name, owner: opts.owner, expires_at: at + opts.ttlMs })
        .onConflict((oc) =>
          oc
            .column('name')
            .doUpdateSet((eb) => ({ owner: eb.ref('excluded.owner'), expires_at: eb.ref('excluded.expires_at') }))
            .where((eb) => eb.or([eb('scheduler_locks.expires_at', '<', at), eb('scheduler_locks.owner', '=', opts.owner)])),
        )
        .returning('owner')
        .execute();
      return rows.length === 1 && rows[0].owner === opts.owner;
    },
    async release() {
      await db.deleteFrom('scheduler_locks').where('name', '=', opts.name).where('owner', '=', opts.owner).execute();
    },
  };
}
