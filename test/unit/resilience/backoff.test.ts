// Backoff delays grow exponentially from baseMs, stop at maxMs, and stay within their jitter bounds.

import fc from 'fast-check';
import { computeBackoffMs } from '../../../src/resilience';

const fixed = (r: number) => (): number => r;

describe('computeBackoffMs', () => {
  it('doubles the delay with each attempt, starting at baseMs', () => {
    const delays = [1, 2, 3, 4, 5].map((attempt) =>
      computeBackoffMs(attempt, { baseMs: 100, maxMs: 1_000_000, jitter: 'none' }),
    );
    expect(delays).toEqual([100, 200, 400, 800, 1600]);
  });

  it('never exceeds maxMs, even for very large attempt numbers', () => {
    const opts = { baseMs: 100, maxMs: 1000, jitter: 'none' as const };
    expect(computeBackoffMs(4, opts)).toBe(800);
    expect(computeBackoffMs(5, opts)).toBe(1000);
    expect(computeBackoffMs(60, opts)).toBe(1000);
    expect(computeBackoffMs(5000, opts)).toBe(1000);
  });

  it('returns 0 for a zero base at any attempt (no NaN from 0 * Infinity)', () => {
    expect(computeBackoffMs(5000, { baseMs: 0, maxMs: 1000, jitter: 'none' })).toBe(0);
  });

  it('uses equal jitter by default: half fixed, half random', () => {
    const opts = { baseMs: 100, maxMs: 10_000 };
    expect(computeBackoffMs(3, opts, fixed(0))).toBe(200);
    expect(computeBackoffMs(3, opts, fixed(0.5))).toBe(300);
    expect(computeBackoffMs(3, opts, fixed(0.999))).toBe(399);
  });

  it('spreads full jitter over [0, delay)', () => {
    const opts = { baseMs: 100, maxMs: 10_000, jitter: 'full' as const };
    expect(computeBackoffMs(3, opts, fixed(0))).toBe(0);
    expect(computeBackoffMs(3, opts, fixed(0.25))).toBe(100);
    expect(computeBackoffMs(3, opts, fixed(0.999))).toBe(399);
  });

  it('is deterministic for a given random source', () => {
    const opts = { baseMs: 50, maxMs: 5000 };
    expect(computeBackoffMs(4, opts, fixed(0.37))).toBe(computeBackoffMs(4, opts, fixed(0.37)));
  });

  it('keeps every jittered delay within its bounds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 3_600_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, baseMs, maxMs, r) => {
          const cap = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 1023));
          const full = computeBackoffMs(attempt, { baseMs, maxMs, jitter: 'full' }, fixed(r));
          const equal = computeBackoffMs(attempt, { baseMs, maxMs, jitter: 'equal' }, fixed(r));
          expect(full).toBeGreaterThanOrEqual(0);
          expect(full).toBeLessThanOrEqual(cap);
          expect(equal).toBeGreaterThanOrEqual(Math.floor(cap / 2));
          expect(equal).toBeLessThanOrEqual(cap);
          expect(Number.isInteger(full) && Number.isInteger(equal)).toBe(true);
        },
      ),
    );
  });

  it('keeps the cap when an injected random source strays outside [0, 1)', () => {
    const opts = { baseMs: 100, maxMs: 1000, jitter: 'full' as const };
    expect(computeBackoffMs(10, opts, fixed(7))).toBe(1000);
    expect(computeBackoffMs(10, opts, fixed(-1))).toBe(0);
    expect(computeBackoffMs(10, opts, fixed(Number.NaN))).toBe(0);
  });

  it('rejects attempts below 1 and negative durations', () => {
    expect(() => computeBackoffMs(0, { baseMs: 1, maxMs: 1 })).toThrow(RangeError);
    expect(() => computeBackoffMs(1.5, { baseMs: 1, maxMs: 1 })).toThrow(RangeError);
    expect(() => computeBackoffMs(1, { baseMs: -1, maxMs: 1 })).toThrow(RangeError);
    expect(() => computeBackoffMs(1, { baseMs: 1, maxMs: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });
});
