// The error a CircuitBreaker throws instead of calling through while it is open or while its one trial call is in flight.

import { ResilienceError } from './resilience-error';

export class CircuitOpenError extends ResilienceError {
  /** The breaker that refused the call. */
  readonly breakerName: string;
  /** How long until the breaker may let a call through again (an estimate: another caller may take the trial first). */
  readonly retryAfterMs: number;

  constructor(breakerName: string, retryAfterMs: number) {
    super(`circuit "${breakerName}" is open; retry after ${retryAfterMs} ms`);
    this.breakerName = breakerName;
    this.retryAfterMs = retryAfterMs;
  }
}
