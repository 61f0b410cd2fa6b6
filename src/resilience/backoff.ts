// Exponential backoff delays with jitter: how long to wait before the next attempt of a failed call.
//
// delay(attempt) = min(maxMs, baseMs * 2^(attempt - 1)), then jittered:
//   'none'  -> the delay itself
//   'full'  -> uniform in [0, delay)            (spreads retries most; may retry at once)
//   'equal' -> delay/2 + uniform in [0, delay/2) (default: never retries sooner than half the delay)
// Results are whole milliseconds (rounded down). Jitter keeps many callers that failed
// together (an upstream outage) from retrying together.

export type Jitter = 'full' | 'equal' | 'none';

export type BackoffOptions = {
  /** Delay before the second attempt (attempt 1 failed), before jitter. */
  baseMs: number;
  /** Upper bound on any delay, before jitter. */
  maxMs: number;
  /** Defaults to 'equal'. */
  jitter?: Jitter;
};

// 2^1023 is the largest finite power of two; beyond it the product would be Infinity (or NaN for baseMs 0).
const MAX_EXPONENT = 1023;

/**
 * Delay in ms to wait after the given (1-based) failed attempt.
 * `random` must return numbers in [0, 1) like Math.random; inject it to make the result deterministic.
 * Throws RangeError on an attempt below 1 or a negative/non-finite baseMs or maxMs.
 */
export function computeBackoffMs(
  attempt: number,
  opts: BackoffOptions,
  random: () => number = Math.random,
): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`attempt must be an integer >= 1, got ${attempt}`);
  }
  assertDuration('baseMs', opts.baseMs);
  assertDuration('maxMs', opts.maxMs);

  const exponent = Math.min(attempt - 1, MAX_EXPONENT);
  const delay = Math.min(opts.maxMs, opts.baseMs * 2 ** exponent);
  const jitter = opts.jitter ?? 'equal';
  switch (jitter) {
    case 'none':
      return Math.floor(delay);
    case 'full':
      return Math.floor(unit(random) * delay);
    case 'equal':
      return Math.floor(delay / 2 + (unit(random) * delay) / 2);
    default: {
      // Reached only from untyped callers (e.g. a value read from config without validation).
      const unknownJitter: never = jitter;
      throw new RangeError(`unknown jitter "${String(unknownJitter)}"`);
    }
  }
}

function assertDuration(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  }
}

// An injected random source that strays outside [0, 1) must not push a delay past the cap or below zero.
function unit(random: () => number): number {
  const r = random();
  if (!(r > 0)) return 0; // also catches NaN
  return r >= 1 ? 1 : r;
}
