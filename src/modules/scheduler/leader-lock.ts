// A leader lease in `scheduler_locks`: one conditional upsert decides who holds it, so of several
// scheduler processes exactly one acts; another takes over once the holder stops renewing.

import type { DatabaseHandle } from '../../platform/db';

export interface LeaderLock {
  /** Acquires or renews the lease; true while this owner holds it. */
  tryAcquire(): Promise<boolean>;
  /** True when this owner holds an unexpired lease, as of the last acquire. */
  isHeld(): boolean;
  /** Gives the lease up at once (graceful stop), so another process need not wait for expiry. */
  release(): Promise<void>;
}

export function createLeaderLock(opts: { database: DatabaseHandle; name: string; owner: string; leaseMs: number; now?: () => number }): LeaderLock {
  const { db } = opts.database;
  const now = opts.now ?? Date.now;
  let heldUntil = 0;
  return {
    async tryAcquire() {
      const t = now();
      const row = await db
        .insertInto('scheduler_locks')
        .values({ name: opts.name, owner: opts.owner, expires_at: t + opts.leaseMs })
        .onConflict((oc) =>
          oc
            .column('name')
            .doUpdateSet({ owner: opts.owner, expires_at: t + opts.leaseMs })
            .where((eb) => eb.or([eb('scheduler_locks.expires_at', '<', t), eb('scheduler_locks.owner', '=', opts.owner)])),
        )
        .returning(['owner', 'expires_at'])
        .executeTakeFirst();
      heldUntil = row?.owner === opts.owner ? Number(row.expires_at) : 0;
      return heldUntil > t;
    },
    isHeld() {
      return heldUntil > now();
    },
    async release() {
      heldUntil = 0;
      await db.deleteFrom('scheduler_locks').where('name', '=', opts.name).where('owner', '=', opts.owner).execute();
    },
  };
}
