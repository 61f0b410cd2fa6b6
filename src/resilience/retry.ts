// In-process retry with exponential backoff for short calls (health checks, proxied requests, AI calls).
//
// Semantics:
// - fn is called with the 1-based attempt number and the caller's signal (a never-aborting
//   signal when none was given), at most `maxAttempts` times.
// - An error is retried only while attempts remain and `isRetryable(error)` is true (default:
//   every error). Otherwise retry rejects with that same error, unwrapped, so callers classify
//   it exactly as they would a single call's error.
// - Before attempt n+1 it waits computeBackoffMs(n, backoff, random) and reports it via onRetry
//   first. An onRetry that throws ends the retry with that error (it is the caller's code).
// - Abort stops everything at once: before an attempt, during the wait, and while an attempt is
//   in flight (retry rejects with the signal's reason without waiting for fn, which should stop
//   on its own via the signal; if it does not, its late outcome is dropped).
// Durable retries of queued tasks are the task queue's job; this one lives and dies with the call.

import { type BackoffOptions, computeBackoffMs } from './backoff';
import { sleep as defaultSleep } from './sleep';
import { abortReason, untilAborted } from './until-aborted';

export type RetryInfo = {
  /** The attempt that just failed (1-based). */
  attempt: number;
  /** How long retry will wait before the next attempt. */
  delayMs: number;
  /** What the failed attempt threw. */
  error: unknown;
};

export type RetryOptions = {
  /** Total attempts including the first; an integer >= 1. */
  maxAttempts: number;
  backoff: BackoffOptions;
  /** Which errors are worth another attempt; default: all. */
  isRetryable?: (err: unknown) => boolean;
  /** Called before each wait, e.g. to log or count retries. */
  onRetry?: (info: RetryInfo) => void;
  signal?: AbortSignal;
  /** Injected wait; must reject promptly when `signal` aborts. Default: an abortable setTimeout. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Injected random source for jitter, in [0, 1). Default: Math.random. */
  random?: () => number;
};

export async function retry<T>(
  fn: (attempt: number, signal: AbortSignal) => Promise<T>,
  opts: RetryOptions,
): Promise<T> {
  const { maxAttempts } = opts;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be an integer >= 1, got ${maxAttempts}`);
  }
  const isRetryable = opts.isRetryable ?? ((): boolean => true);
  const sleep = opts.sleep ?? defaultSleep;
  const signal = opts.signal ?? new AbortController().signal;

  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw abortReason(signal);
    try {
      // `new Promise` turns a synchronous throw from fn into a rejection like any other.
      const work = new Promise<T>((resolve) => resolve(fn(attempt, signal)));
      return await untilAborted(work, signal);
    } catch (error) {
      // An attempt that failed because the caller aborted is not retried; report the caller's reason.
      if (signal.aborted) throw abortReason(signal);
      if (attempt >= maxAttempts || !isRetryable(error)) throw error;
      const delayMs = computeBackoffMs(attempt, opts.backoff, opts.random);
      opts.onRetry?.({ attempt, delayMs, error });
      // An injected sleep might ignore the signal; racing it keeps "abort stops waiting at once" true.
      await untilAborted(sleep(delayMs, signal), signal);
    }
  }
}
