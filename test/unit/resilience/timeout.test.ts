// withTimeout passes results and errors through, rejects with TimeoutError and aborts the call's signal on timeout, and leaves no timer or listener behind.

import { getEventListeners } from 'node:events';
import { TimeoutError, withTimeout } from '../../../src/resilience';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

describe('withTimeout', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('resolves with the result, leaves the signal un-aborted and clears its timer', async () => {
    let seen: AbortSignal | undefined;
    const result = await withTimeout(async (signal) => {
      seen = signal;
      return 42;
    }, 1000);
    expect(result).toBe(42);
    expect(seen?.aborted).toBe(false);
    expect(jest.getTimerCount()).toBe(0);
    // Even after the limit would have passed, the finished call's signal stays un-aborted.
    await jest.advanceTimersByTimeAsync(5000);
    expect(seen?.aborted).toBe(false);
  });

  it('rejects with the same error the call threw, and clears its timer', async () => {
    const boom = new Error('upstream said no');
    let seen: AbortSignal | undefined;
    await expect(
      withTimeout(async (signal) => {
        seen = signal;
        throw boom;
      }, 1000),
    ).rejects.toBe(boom);
    expect(seen?.aborted).toBe(false);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('turns a synchronous throw into a rejection', async () => {
    const boom = new Error('sync');
    await expect(
      withTimeout(() => {
        throw boom;
      }, 1000),
    ).rejects.toBe(boom);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects with TimeoutError carrying timeoutMs and label, and aborts the call signal with it', async () => {
    let seen: AbortSignal | undefined;
    const outcome = withTimeout(
      (signal) => {
        seen = signal;
        return never<number>();
      },
      250,
      { label: 'health check bmf_filter' },
    ).catch((err: unknown) => err);

    await jest.advanceTimersByTimeAsync(249);
    expect(seen?.aborted).toBe(false);

    await jest.advanceTimersByTimeAsync(1);
    const err = await outcome;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ timeoutMs: 250, label: 'health check bmf_filter' });
    expect((err as TimeoutError).message).toContain('health check bmf_filter');
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(err);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('does not wait for a call that ignores its signal', async () => {
    let settled = false;
    const outcome = withTimeout(() => never<void>(), 10).finally(() => {
      settled = true;
    });
    outcome.catch(() => undefined);
    await jest.advanceTimersByTimeAsync(10);
    expect(settled).toBe(true);
    await expect(outcome).rejects.toBeInstanceOf(TimeoutError);
  });

  it('rejects with the outer reason, aborts the call signal and clears its timer when the caller aborts', async () => {
    const outer = new AbortController();
    const reason = new Error('shutting down');
    let seen: AbortSignal | undefined;
    const outcome = withTimeout((signal) => {
      seen = signal;
      return never<void>();
    }, 10_000, { signal: outer.signal });
    outer.abort(reason);
    await expect(outcome).rejects.toBe(reason);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(reason);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('does not call fn when the caller already aborted', async () => {
    const outer = new AbortController();
    outer.abort(new Error('gone'));
    const fn = jest.fn(async () => 1);
    await expect(withTimeout(fn, 1000, { signal: outer.signal })).rejects.toThrow('gone');
    expect(fn).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('removes its listener from a long-lived caller signal once the call settles', async () => {
    const outer = new AbortController();
    for (let i = 0; i < 5; i++) {
      await withTimeout(async () => i, 1000, { signal: outer.signal });
      await withTimeout(async () => Promise.reject(new Error('x')), 1000, { signal: outer.signal }).catch(() => undefined);
    }
    const timedOut = withTimeout(() => never<void>(), 5, { signal: outer.signal });
    timedOut.catch(() => undefined);
    await jest.advanceTimersByTimeAsync(5);
    await expect(timedOut).rejects.toBeInstanceOf(TimeoutError);
    expect(getEventListeners(outer.signal, 'abort')).toHaveLength(0);
  });

  it('rejects an invalid limit', async () => {
    await expect(withTimeout(async () => 1, -1)).rejects.toBeInstanceOf(RangeError);
    await expect(withTimeout(async () => 1, Number.NaN)).rejects.toBeInstanceOf(RangeError);
    await expect(withTimeout(async () => 1, 2 ** 31)).rejects.toBeInstanceOf(RangeError);
  });
});
