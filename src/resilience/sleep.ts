// An abortable delay: resolves after `ms`, or rejects with the signal's reason the moment the signal aborts.
//
// The timer is cleared on abort, so an aborted sleep leaves nothing behind that would keep
// the process alive (a plain `await setTimeout` would hold shutdown for the whole delay).

import { abortReason } from './until-aborted';

// setTimeout fires at once (with a warning) for delays above 2^31 - 1 ms; refuse them instead.
export const MAX_TIMER_MS = 2 ** 31 - 1;

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_TIMER_MS) {
    return Promise.reject(new RangeError(`sleep ms must be between 0 and ${MAX_TIMER_MS}, got ${ms}`));
  }
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
