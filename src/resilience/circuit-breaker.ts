// An in-process circuit breaker: stops calling an upstream that keeps failing, then probes it with one trial call at a time.
//
// The rules (closed -> open -> half_open, one trial at a time, which reports count) live in
// circuit-breaker-policy.ts; this class only holds the snapshot in memory, asks the policy
// before each call and reports each outcome together with the call's start time, so a late
// result from a call that started before the breaker opened, or from an abandoned trial,
// cannot close or reopen it.
//
// - Refused calls throw CircuitOpenError (breakerName, retryAfterMs) without calling fn.
// - fn's value or error passes through unchanged.
// - `isFailure(err)` (default: every error) says which errors count against the upstream.
//   An error it excludes (e.g. a 4xx: the upstream answered, the request was wrong) counts
//   neither as failure nor as success; if it was the trial, the trial slot is freed.
// - The breaker has no timeout of its own: wrap the call, e.g.
//   `breaker.execute(() => withTimeout((s) => call(s), 5000))`, and a timeout is a failure like
//   any other error. A trial that hangs anyway is replaced after trialTimeoutMs.
// - onStateChange(from, to, name) runs after the state has changed; an exception it throws is
//   swallowed so that logging or metrics can never change a call's outcome.
// The state is per instance and per process; sharing it between processes means running the
// same policy against a database row (see the policy's header).

import {
  assertBreakerPolicyOptions,
  type BreakerCall,
  type BreakerPolicyOptions,
  type BreakerSnapshot,
  type BreakerState,
  decide,
  initialSnapshot,
  recordFailure,
  recordSuccess,
  releaseTrial,
} from './circuit-breaker-policy';
import { CircuitOpenError } from './circuit-open-error';

export type CircuitBreakerOptions = BreakerPolicyOptions & {
  /** Names the upstream in errors and state-change reports (e.g. "agent:network_analyzer"). */
  name: string;
  /** Clock in ms; default Date.now. */
  now?: () => number;
  onStateChange?: (from: BreakerState, to: BreakerState, name: string) => void;
  /** Whether an error counts as the upstream failing; default: every error does. */
  isFailure?: (err: unknown) => boolean;
};

export class CircuitBreaker {
  readonly name: string;
  private readonly policy: BreakerPolicyOptions;
  private readonly now: () => number;
  private readonly onStateChange: CircuitBreakerOptions['onStateChange'];
  private readonly isFailure: (err: unknown) => boolean;
  private current: BreakerSnapshot = initialSnapshot();

  constructor(opts: CircuitBreakerOptions) {
    assertBreakerPolicyOptions(opts);
    this.name = opts.name;
    this.policy = {
      failureThreshold: opts.failureThreshold,
      recoveryTimeoutMs: opts.recoveryTimeoutMs,
      trialTimeoutMs: opts.trialTimeoutMs,
    };
    this.now = opts.now ?? Date.now;
    this.onStateChange = opts.onStateChange;
    this.isFailure = opts.isFailure ?? ((): boolean => true);
  }

  /**
   * The stored state. An open breaker whose recovery timeout has passed still reads 'open'
   * until the next call takes the trial.
   */
  get state(): BreakerState {
    return this.current.state;
  }

  /** A copy of the current snapshot (for health reports and metrics). */
  snapshot(): BreakerSnapshot {
    return { ...this.current };
  }

  async execute<T>(fn: () => Promise<T>): Promise<T> {
    const startedAt = this.now();
    const decision = decide(this.current, startedAt, this.policy);
    this.store(decision.next);
    if (!decision.allowed) {
      throw new CircuitOpenError(this.name, decision.retryAfterMs ?? 0);
    }
    const call: BreakerCall = { startedAt };
    let value: T;
    try {
      value = await fn();
    } catch (error) {
      this.store(
        this.countsAsFailure(error)
          ? recordFailure(this.current, this.now(), this.policy, call)
          : releaseTrial(this.current, call),
      );
      throw error;
    }
    this.store(recordSuccess(this.current, this.now(), call));
    return value;
  }

  // A throwing classifier must not replace the call's own error nor leave a trial slot taken;
  // when in doubt the error counts against the upstream.
  private countsAsFailure(error: unknown): boolean {
    try {
      return this.isFailure(error);
    } catch {
      return true;
    }
  }

  private store(next: BreakerSnapshot): void {
    const from = this.current.state;
    this.current = next;
    if (next.state === from || this.onStateChange === undefined) return;
    try {
      this.onStateChange(from, next.state, this.name);
    } catch {
      // Deliberately ignored: see the header (observability must not change call outcomes).
    }
  }
}
