// Runs an async call under a time limit, handing it an AbortSignal so the call can stop its own work.
//
// Semantics:
// - fn gets a fresh signal that aborts when `ms` elapse (reason: a TimeoutError) or when the
//   caller's `opts.signal` aborts (reason: that signal's reason).
// - withTimeout rejects the moment either happens; it does not wait for fn to notice. A fn that
//   ignores its signal keeps running in the background; its late result or error is dropped.
// - When fn settles first, its value or error passes through unchanged and fn's signal is NOT
//   aborted (work started with it, e.g. a streamed body, may continue).
// - The timer and the listener on the caller's signal are removed in every case, so nothing
//   left behind keeps the process alive or piles up listeners on a long-lived signal.
// - A caller's signal that is already aborted rejects at once without calling fn.

import { MAX_TIMER_MS } from './sleep';
import { TimeoutError } from './timeout-error';
import { abortReason, untilAborted } from './until-aborted';

export type WithTimeoutOptions = {
  /** The caller's own cancellation (e.g. shutdown, client disconnect). */
  signal?: AbortSignal;
  /** Names the operation in the TimeoutError message and its `label`. */
  label?: string;
};

export function withTimeout<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  ms: number,
  opts: WithTimeoutOptions = {},
): Promise<T> {
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_TIMER_MS) {
    return Promise.reject(new RangeError(`timeout ms must be between 0 and ${MAX_TIMER_MS}, got ${ms}`));
  }
  const outer = opts.signal;
  if (outer?.aborted) return Promise.reject(abortReason(outer));

  const controller = new AbortController();
  const onOuterAbort = (): void => controller.abort(abortReason(outer as AbortSignal));
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new TimeoutError(ms, opts.label)), ms);

  const cleanUp = (): void => {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
  };
  let work: Promise<T>;
  try {
    work = Promise.resolve(fn(controller.signal));
  } catch (err) {
    // A synchronous throw from fn is a rejection like any other.
    work = Promise.reject(err);
  }
  return untilAborted(work, controller.signal, cleanUp);
}
