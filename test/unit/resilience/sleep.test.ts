// sleep waits the given time, and an abort ends the wait at once with the caller's reason, leaving no timer behind.

import { getEventListeners } from 'node:events';
import { sleep } from '../../../src/resilience';

describe('sleep', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('resolves once the delay has passed and removes its abort listener', async () => {
    const controller = new AbortController();
    let done = false;
    const waiting = sleep(100, controller.signal).then(() => {
      done = true;
    });
    await jest.advanceTimersByTimeAsync(99);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await waiting;
    expect(done).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with the abort reason at once and clears its timer', async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('already'));
    await expect(sleep(10, controller.signal)).rejects.toThrow('already');
    expect(jest.getTimerCount()).toBe(0);
  });
});
