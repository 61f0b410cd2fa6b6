// Lease renewal: a worker extends the leases of its running attempts and learns which were asked to stop.

import { fencedTasks } from './lease-fence';
import type { ClaimedTask } from './task';
import type { TaskQueueContext } from './task-queue-context';

/** Attempts per lease-renewal statement (two parameters each). */
const LEASE_RENEWAL_CHUNK = 500;

/**
 * Extends the leases of a worker's running attempts in one statement per 500. Answers, for each
 * attempt whose lease the worker still holds, whether a cancel was requested; an attempt missing
 * from the answer has lost its lease.
 */
export async function extendLeases(ctx: TaskQueueContext, tasks: readonly ClaimedTask[], workerId: string): Promise<Map<string, { cancelRequested: boolean }>> {
  const held = new Map<string, { cancelRequested: boolean }>();
  for (let i = 0; i < tasks.length; i += LEASE_RENEWAL_CHUNK) {
    const rows = await fencedTasks(ctx.db, tasks.slice(i, i + LEASE_RENEWAL_CHUNK), workerId)
      .set({ locked_until: ctx.now() + ctx.options.leaseMs })
      .returning(['id', 'cancel_requested'])
      .execute();
    for (const r of rows) held.set(r.id, { cancelRequested: Number(r.cancel_requested) === 1 });
  }
  return held;
}
