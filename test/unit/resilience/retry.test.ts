// retry tries again with backoff until success or maxAttempts, skips non-retryable errors, and stops at once on abort.

import { type RetryInfo, retry } from '../../../src/resilience';

const backoff = { baseMs: 100, maxMs: 1000, jitter: 'none' as const };

// A sleep that records the delays asked for and returns at once.
function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms: number) => {
      delays.push(ms);
    },
  };
}

describe('retry', () => {
  it('returns the first success without waiting', async () => {
    const { sleep, delays } = recordingSleep();
    const fn = jest.fn(async (attempt: number) => `ok on ${attempt}`);
    await expect(retry(fn, { maxAttempts: 3, backoff, sleep })).resolves.toBe('ok on 1');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(delays).toEqual([]);
  });

  it('retries failures with growing backoff until a call succeeds', async () => {
    const { sleep, delays } = recordingSleep();
    const retries: RetryInfo[] = [];
    const errors = [new Error('first'), new Error('second')];
    const result = await retry(
      async (attempt) => {
        if (attempt <= errors.length) throw errors[attempt - 1];
        return attempt;
      },
      { maxAttempts: 5, backoff, sleep, onRetry: (info) => retries.push(info) },
    );
    expect(result).toBe(3);
    expect(delays).toEqual([100, 200]);
    expect(retries).toEqual([
      { attempt: 1, delayMs: 100, error: errors[0] },
      { attempt: 2, delayMs: 200, error: errors[1] },
    ]);
  });

  it('uses the injected random source for jitter', async () => {
    const { sleep, delays } = recordingSleep();
    await retry(
      async (attempt) => {
        if (attempt < 3) throw new Error('again');
      },
      { maxAttempts: 3, backoff: { baseMs: 100, maxMs: 1000, jitter: 'full' }, sleep, random: () => 0.5 },
    );
    expect(delays).toEqual([50, 100]);
  });

  it('gives up after maxAttempts with the last error, unwrapped', async () => {
    const { sleep, delays } = recordingSleep();
    const errors: Error[] = [];
    const fn = jest.fn(async (attempt: number) => {
      const err = new Error(`failure ${attempt}`);
      errors.push(err);
      throw err;
    });
    const outcome = retry(fn, { maxAttempts: 3, backoff, sleep });
    await expect(outcome).rejects.toThrow('failure 3');
    await expect(outcome.catch((e: unknown) => e)).resolves.toBe(errors[2]);
    expect(fn).toHaveBeenCalledTimes(3);
    expect(delays).toHaveLength(2);
  });

  it('does not retry an error the caller marks as not retryable', async () => {
    const { sleep, delays } = recordingSleep();
    const badRequest = Object.assign(new Error('400'), { status: 400 });
    const fn = jest.fn(async () => {
      throw badRequest;
    });
    await expect(
      retry(fn, {
        maxAttempts: 5,
        backoff,
        sleep,
        isRetryable: (err) => (err as { status?: number }).status !== 400,
      }),
    ).rejects.toBe(badRequest);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(delays).toEqual([]);
  });

  it('passes the caller signal to each attempt', async () => {
    const controller = new AbortController();
    const seen: AbortSignal[] = [];
    await retry(
      async (_attempt, signal) => {
        seen.push(signal);
      },
      { maxAttempts: 1, backoff, signal: controller.signal },
    );
    expect(seen).toEqual([controller.signal]);
  });

  it('does not call fn when the signal is already aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    controller.abort(reason);
    const fn = jest.fn(async () => 1);
    await expect(retry(fn, { maxAttempts: 3, backoff, signal: controller.signal })).rejects.toBe(reason);
    expect(fn).not.toHaveBeenCalled();
  });

  describe('with the default sleep', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('stops waiting at once when aborted during the backoff, and leaves no timer', async () => {
      const controller = new AbortController();
      const reason = new Error('shutdown');
      const fn = jest.fn(async () => {
        throw new Error('down');
      });
      const outcome = retry(fn, {
        maxAttempts: 5,
        backoff: { baseMs: 60_000, maxMs: 60_000, jitter: 'none' },
        signal: controller.signal,
        // Abort just after the wait has begun (a microtask later; fake timers also fake queueMicrotask).
        onRetry: () => void Promise.resolve().then(() => controller.abort(reason)),
      });
      await expect(outcome).rejects.toBe(reason);
      expect(fn).toHaveBeenCalledTimes(1);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('waits the backoff delay between attempts', async () => {
      let calls = 0;
      const outcome = retry(
        async () => {
          calls++;
          if (calls === 1) throw new Error('once');
          return 'done';
        },
        { maxAttempts: 2, backoff: { baseMs: 500, maxMs: 500, jitter: 'none' } },
      );
      await jest.advanceTimersByTimeAsync(499);
      expect(calls).toBe(1);
      await jest.advanceTimersByTimeAsync(1);
      await expect(outcome).resolves.toBe('done');
      expect(calls).toBe(2);
    });
  });

  it('rejects at once when aborted while an attempt ignores its signal', async () => {
    const controller = new AbortController();
    const reason = new Error('client went away');
    const outcome = retry(() => new Promise<never>(() => undefined), {
      maxAttempts: 3,
      backoff,
      signal: controller.signal,
    });
    controller.abort(reason);
    await expect(outcome).rejects.toBe(reason);
  });

  it('does not retry an attempt that failed because the caller aborted', async () => {
    const { sleep, delays } = recordingSleep();
    const controller = new AbortController();
    const fn = jest.fn(async () => {
      controller.abort(new Error('abort mid-call'));
      throw new Error('aborted by signal');
    });
    await expect(retry(fn, { maxAttempts: 3, backoff, sleep, signal: controller.signal })).rejects.toThrow(
      'abort mid-call',
    );
    expect(fn).toHaveBeenCalledTimes(1);
    expect(delays).toEqual([]);
  });

  it('stops waiting at once even if an injected sleep ignores the signal', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const outcome = retry(
      async () => {
        throw new Error('down');
      },
      {
        maxAttempts: 3,
        backoff,
        signal: controller.signal,
        sleep: () => new Promise<void>(() => undefined),
        onRetry: () => void Promise.resolve().then(() => controller.abort(reason)),
      },
    );
    await expect(outcome).rejects.toBe(reason);
  });

  it('rejects a maxAttempts below 1', async () => {
    await expect(retry(async () => 1, { maxAttempts: 0, backoff })).rejects.toBeInstanceOf(RangeError);
  });
});
