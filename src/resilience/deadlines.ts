// Many deadlines on one timer. A worker gives every attempt a time limit; a timer per attempt cost
// a timer object, its place in Node's timer lists and, with the execution context's async hook
// (src/platform/context.ts), an init and a destroy per attempt. Here deadlines of the same length
// wait in one list, in the order they were set (so each list is in deadline order), and a single
// timer is armed for the earliest head. Cancelling unlinks a deadline at once; the timer is left
// to fire at the deadline it was armed for, finds nothing due and re-arms for the next. When no
// deadline is left the timer stays armed but unreferenced (it does not keep the process alive),
// so a worker whose attempts all finish between batches does not clear and re-create it for
// every batch.

import { performance } from 'node:perf_hooks';

/** A deadline that has been set; pass it to cancel(). */
export interface Deadline {
  /** @internal */ readonly at: number;
}

export interface Deadlines {
  /** Calls onExpire once `ms` milliseconds have passed, unless the deadline is cancelled first. */
  set(ms: number, onExpire: () => void): Deadline;
  /** Cancels a deadline (a no-op once it has expired or been cancelled). */
  cancel(deadline: Deadline): void;
  /** Deadlines set and neither expired nor cancelled. */
  size(): number;
}

export interface DeadlinesOptions {
  /** Monotonic milliseconds (performance.now by default). */
  now?: () => number;
  /** Runs the arming of the shared timer, e.g. outside any execution context (default: as is). */
  arm?: (arm: () => void) => void;
  /** Where a throw from an onExpire goes (default: rethrown on the next tick, uncaught). */
  reportError?: (err: unknown) => void;
}

interface Entry extends Deadline {
  readonly at: number;
  readonly onExpire: () => void;
  list: List | undefined;
  prev: Entry | undefined;
  next: Entry | undefined;
}

interface List {
  readonly ms: number;
  head: Entry | undefined;
  tail: Entry | undefined;
}

/** The longest delay setTimeout takes (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function createDeadlines(opts: DeadlinesOptions = {}): Deadlines {
  const now = opts.now ?? (() => performance.now());
  const arm = opts.arm ?? ((f: () => void) => f());
  const reportError =
    opts.reportError ??
    ((err: unknown) =>
      process.nextTick(() => {
        throw err;
      }));
  const lists = new Map<number, List>();
  let count = 0;
  let timer: NodeJS.Timeout | undefined;
  let armedFor = Infinity;

  function unlink(e: Entry): void {
    const list = e.list!;
    if (e.prev) e.prev.next = e.next;
    else list.head = e.next;
    if (e.next) e.next.prev = e.prev;
    else list.tail = e.prev;
    e.list = e.prev = e.next = undefined;
    if (!list.head) lists.delete(list.ms);
    count -= 1;
  }

  function earliest(): number {
    let at = Infinity;
    for (const list of lists.values()) if (list.head!.at < at) at = list.head!.at;
    return at;
  }

  function schedule(at: number): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    armedFor = at;
    if (at === Infinity) return;
    arm(() => {
      // Past setTimeout's range it fires early, finds nothing due and re-arms.
      timer = setTimeout(fire, Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(at - now()))));
    });
  }

  function fire(): void {
    timer = undefined;
    armedFor = Infinity;
    const t = now();
    const due: Entry[] = [];
    for (const list of lists.values()) {
      while (list.head && list.head.at <= t) {
        const e = list.head;
        due.push(e);
        unlink(e);
      }
    }
    if (count > 0) schedule(earliest());
    for (const e of due) {
      try {
        e.onExpire();
      } catch (err) {
        // One deadline's handler must not keep the others from firing; its throw still surfaces.
        reportError(err);
      }
    }
  }

  return {
    set(ms, onExpire) {
      const e: Entry = { at: now() + ms, onExpire, list: undefined, prev: undefined, next: undefined };
      let list = lists.get(ms);
      if (!list) lists.set(ms, (list = { ms, head: undefined, tail: undefined }));
      // Same length, set later: due no earlier than the list's tail.
      e.list = list;
      e.prev = list.tail;
      if (list.tail) list.tail.next = e;
      else list.head = e;
      list.tail = e;
      count += 1;
      if (e.at < armedFor) schedule(e.at);
      else if (count === 1) timer?.ref();
      return e;
    },
    cancel(deadline) {
      const e = deadline as Entry;
      if (!e.list) return;
      unlink(e);
      if (count === 0) timer?.unref();
    },
    size: () => count,
  };
}
