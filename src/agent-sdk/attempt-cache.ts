// Deduplicates attempts of one task by Idempotency-Key: a second attempt while the first still runs
// joins it, and one within the window after it answered gets the same answer replayed. Only
// answers that settle the task (2xx, 4xx) are kept: a 5xx is forgotten so the retry runs again.
// In memory, per process: a restarted agent runs a replayed attempt again (at-least-once holds).

export interface AgentAnswer {
  status: number;
  body: unknown;
}

export interface AttemptOutcome {
  answer: AgentAnswer;
  /** `joined` an attempt in flight, `replayed` a kept answer, or `ran` it. */
  how: 'ran' | 'joined' | 'replayed';
}

interface Entry {
  controller: AbortController;
  promise: Promise<AgentAnswer>;
  callers: number;
  settledAt?: number;
}

export interface AttemptCache {
  /**
   * Answers the attempt with `key`: runs `work` unless the key is in flight or answered within the
   * window. `caller` is the requester's signal: when every requester of a running attempt has gone
   * away (the worker timed out), the work's signal is aborted.
   */
  attempt(key: string, caller: AbortSignal, work: (signal: AbortSignal) => Promise<AgentAnswer>): Promise<AttemptOutcome>;
  /** Attempts still running. */
  readonly running: number;
  /** Resolves once no attempt is running. */
  idle(): Promise<void>;
  /** Aborts every running attempt (a forced shutdown). */
  abortAll(reason: Error): void;
}

export function createAttemptCache(opts: { windowMs: number; maxEntries?: number; now?: () => number }): AttemptCache {
  const now = opts.now ?? Date.now;
  const maxEntries = opts.maxEntries ?? 10_000;
  const entries = new Map<string, Entry>();
  let running = 0;
  let idleWaiters: (() => void)[] = [];

  function sweep(): void {
    const t = now();
    for (const [key, entry] of entries) {
      if (entry.settledAt !== undefined && t - entry.settledAt >= opts.windowMs) entries.delete(key);
    }
    // Still too many: drop the oldest settled ones (insertion order).
    for (const [key, entry] of entries) {
      if (entries.size <= maxEntries) break;
      if (entry.settledAt !== undefined) entries.delete(key);
    }
  }

  function leave(entry: Entry): void {
    entry.callers -= 1;
    if (entry.callers === 0 && entry.settledAt === undefined) entry.controller.abort(new Error('every caller of this attempt went away (the worker timed out)'));
  }

  return {
    get running() {
      return running;
    },
    async attempt(key, caller, work) {
      sweep();
      const existing = entries.get(key);
      if (existing?.settledAt !== undefined) return { answer: await existing.promise, how: 'replayed' };
      if (existing) {
        existing.callers += 1;
        caller.addEventListener('abort', () => leave(existing), { once: true });
        try {
          return { answer: await existing.promise, how: 'joined' };
        } finally {
          if (!caller.aborted) existing.callers -= 1;
        }
      }
      const controller = new AbortController();
      running += 1;
      // The callbacks run after `entry` is assigned; a handler that throws before returning its
      // promise rejects it like one that rejects.
      const promise = Promise.resolve()
        .then(() => work(controller.signal))
        .then(
          (answer) => {
            entry.settledAt = now();
            if (answer.status >= 500) entries.delete(key);
            return answer;
          },
          (err: unknown) => {
            entries.delete(key);
            throw err;
          },
        );
      const entry: Entry = { controller, callers: 1, promise };
      entries.set(key, entry);
      caller.addEventListener('abort', () => leave(entry), { once: true });
      try {
        return { answer: await entry.promise, how: 'ran' };
      } finally {
        running -= 1;
        if (running === 0) {
          const waiters = idleWaiters;
          idleWaiters = [];
          for (const w of waiters) w();
        }
      }
    },
    idle() {
      return running === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    abortAll(reason) {
      for (const entry of entries.values()) if (entry.settledAt === undefined) entry.controller.abort(reason);
    },
  };
}
