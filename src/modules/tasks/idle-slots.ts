// A worker's free slots, lent to an enqueue in the same process so its commit leases them their
// tasks (Postgres): a task queued while the worker waits starts without a claim of its own.
//
// A running worker attaches a `reserve` function, which lends its free slots while no claim of
// its own is in flight and no other enqueue holds them. An enqueue of its own (not inside a
// caller's transaction) asks for a reservation; when it gets one it sends its insert and
// catalynx_claim_nowait for the reserved slots in one transaction, and after the commit hands the
// reservation back with what the claim leased (nothing, when the transaction failed). While a
// reservation is out the worker's own claims leave its slots alone, and a worker that stops waits
// for it to come back, so no task is leased to a stopped worker. An agent whose claim lock was
// taken at that moment is passed over; its tasks wait for the wake-up of whatever holds the lock,
// or the poll.

import type { ClaimedTask } from './task';

/** Free slots of one worker, reserved for one enqueue's claim. */
export interface SlotReservation {
  readonly workerId: string;
  readonly slots: number;
  /** Ends the reservation, with the tasks the enqueue's commit leased (at most `slots`); called exactly once. */
  fill(tasks: readonly ClaimedTask[]): void;
}

export interface IdleSlots {
  /** A worker offers its free slots; returns the function that withdraws the offer. */
  attach(reserve: () => SlotReservation | undefined): () => void;
  /** Reserves the free slots of a worker of this process that can lend them now, if there is one. */
  reserve(): SlotReservation | undefined;
}

export function createIdleSlots(): IdleSlots {
  const offers: (() => SlotReservation | undefined)[] = [];
  return {
    attach(reserve) {
      offers.push(reserve);
      return () => {
        const i = offers.indexOf(reserve);
        if (i >= 0) offers.splice(i, 1);
      };
    },
    reserve() {
      for (const offer of offers) {
        const reservation = offer();
        if (reservation) return reservation;
      }
      return undefined;
    },
  };
}
