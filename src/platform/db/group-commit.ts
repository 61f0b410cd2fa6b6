// Group commit: callers submit one item each and get their own answer, while the items that arrive
// during a flush are written together by the next one (one transaction, one commit, for many).
// There is no timer: a lone item is flushed on the next turn of the event loop, so batching costs
// no latency at low load, and batches grow by themselves exactly when the database is the
// bottleneck.

export interface GroupCommitOptions<I, O> {
  /**
   * Writes the items; settles each item, in order. A throw rejects every item. A flush that is
   * done at once (a synchronous database with the connection free) may answer without a promise,
   * and its items are answered in the same turn.
   */
  flush(items: I[]): PromiseSettledResult<O>[] | Promise<PromiseSettledResult<O>[]>;
  /** The most items one flush takes; the rest wait for the next. */
  maxBatch: number;
  /**
   * After a batch settles, let the work its answers release run for a turn of the event loop
   * before taking the next batch, so items that work submits at once share that batch with the
   * ones already waiting (default false). Where each answer starts the next unit of work (a
   * worker handed its next task), this keeps one large batch per round trip instead of two
   * half batches taking turns. A synchronous database gains nothing from the extra turn.
   */
  yieldBetweenBatches?: boolean;
  /**
   * Flush an item that finds nothing in flight at the end of the current job (a microtask)
   * instead of on the next turn of the event loop (default false). Items submitted by the same
   * synchronous code still share it; what a turn would gather (work released by one database
   * answer) goes in the next flush instead. For callers that submit one item and wait for it, one
   * after another, whom a turn of a busy event loop would delay each time.
   */
  flushAtOnce?: boolean;
  /** Where a throw from a submitTo callback goes (default: rethrown on the next tick, uncaught). */
  reportCallbackError?: (err: unknown) => void;
}

export interface GroupCommit<I, O> {
  submit(item: I): Promise<O>;
  /**
   * submit, with the answer handed to `settle` (synchronously, as the flush settles) instead of a
   * promise: for a hot path that creates no promise per item. `settle` runs in the flush's
   * execution context, so a caller that needs its own re-enters it; a throw from it is the
   * caller's bug and surfaces as an uncaught exception, as a throw from a promise reaction would.
   */
  submitTo(item: I, settle: (answer: PromiseSettledResult<O>) => void): void;
  /** Items waiting or being written now. */
  pending(): number;
}

interface Waiting<I, O> {
  item: I;
  settle(answer: PromiseSettledResult<O>): void;
}

const rethrowUncaught = (err: unknown) =>
  process.nextTick(() => {
    throw err;
  });

export function createGroupCommit<I, O>(opts: GroupCommitOptions<I, O>): GroupCommit<I, O> {
  if (!Number.isInteger(opts.maxBatch) || opts.maxBatch < 1) throw new RangeError('maxBatch must be a positive integer');
  let queue: Waiting<I, O>[] = [];
  let inFlight = 0;
  let flushing = false;
  const reportCallbackError = opts.reportCallbackError ?? rethrowUncaught;

  /** Hands an answer to its waiter; a waiter's own throw must not stop the others being answered. */
  function answer(w: Waiting<I, O>, result: PromiseSettledResult<O>): void {
    try {
      w.settle(result);
    } catch (err) {
      reportCallbackError(err);
    }
  }

  async function drain(): Promise<void> {
    flushing = true;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, opts.maxBatch);
        queue = queue.slice(batch.length);
        inFlight = batch.length;
        try {
          const out = opts.flush(batch.map((w) => w.item));
          const answers = Array.isArray(out) ? out : await out;
          if (answers.length !== batch.length) throw new Error(`group commit: flush answered ${answers.length} of ${batch.length} items`);
          batch.forEach((w, i) => answer(w, answers[i]!));
        } catch (err) {
          for (const w of batch) answer(w, { status: 'rejected', reason: err });
        } finally {
          inFlight = 0;
        }
        if (opts.yieldBetweenBatches && queue.length > 0) await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      flushing = false;
    }
  }

  function enqueue(waiting: Waiting<I, O>): void {
    queue.push(waiting);
    // Items submitted in the same turn of the event loop share the first flush (work that one
    // database answer released finishes within its turn); later ones wait for the next.
    if (!flushing) {
      flushing = true;
      if (opts.flushAtOnce) queueMicrotask(() => void drain());
      else setImmediate(() => void drain());
    }
  }

  return {
    submit(item) {
      return new Promise<O>((resolve, reject) =>
        enqueue({ item, settle: (a) => (a.status === 'fulfilled' ? resolve(a.value) : reject(a.reason)) }),
      );
    },
    submitTo(item, settle) {
      enqueue({ item, settle });
    },
    pending: () => queue.length + inFlight,
  };
}
