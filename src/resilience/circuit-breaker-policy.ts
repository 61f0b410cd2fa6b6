// The circuit breaker as a pure state machine over a plain snapshot, so the same rules can run in memory or against a shared database row.
//
// States (closed -> open -> half_open -> closed | open):
// - closed: every call is allowed. Each failure adds one to `failureCount`; a success resets
//   it to 0, so only CONSECUTIVE failures count. At `failureThreshold` the breaker opens
//   (openedAt = now).
// - open: calls are refused with `retryAfterMs` until `recoveryTimeoutMs` has passed since
//   openedAt. The first call after that is allowed as the one TRIAL call and the breaker moves
//   to half_open with trialStartedAt = now.
// - half_open: while the trial is in flight every other call is refused. The trial's success
//   closes the breaker (count 0); its failure reopens it (openedAt = now, so a full recovery
//   timeout starts again). A trial that never reports back (hung, crashed process) blocks the
//   breaker only for `trialTimeoutMs` (default: recoveryTimeoutMs); after that the next call
//   becomes a new trial. A trial whose outcome says nothing about the upstream (see
//   releaseTrial) frees the slot so the next call becomes the trial at once.
//
// Which report counts (the seed closed the breaker on ANY success and let every caller through
// while half-open; these rules avoid both):
// - A report carries the call's start time (`call.startedAt`, the `now` that decide() was given
//   when it allowed the call). In half_open only the current trial's report changes state
//   (startedAt === trialStartedAt); a late report from an abandoned trial or from a call that
//   started before the breaker opened is ignored. In open every report is ignored: such calls
//   started before the breaker opened, or are abandoned trials, and must not close it early nor
//   push the recovery time out.
// - A report given WITHOUT `call` is trusted as the current call's (the simple form:
//   recordSuccess always closes, recordFailure in half_open always reopens). Shared-state
//   callers should always pass `call`.
// - In closed, reports cannot be told apart by start time (no closedAt is kept): a straggler
//   from before the last opening counts like any other call. Calls are expected to be bounded
//   by a timeout much shorter than the recovery timeout, so this is rare and harmless.
// - Timeouts are not special here: a call that times out is a failure like any other error
//   (the caller decides, see CircuitBreaker's isFailure). The breaker keeps no timer of its own.
//
// Functions never mutate their input. When nothing changes they return the input object itself,
// so a caller sharing state through a database can skip the write (`next === snapshot`).
// Time is whatever clock the caller passes as `now` (ms); if clocks of several machines are
// skewed, recovery is delayed or hastened by the skew.

export type BreakerState = 'closed' | 'open' | 'half_open';

export type BreakerSnapshot = {
  state: BreakerState;
  /** Consecutive failures counted so far (kept through open/half_open for observability). */
  failureCount: number;
  /** When the breaker last opened; null while closed. */
  openedAt: number | null;
  /** When the current trial call started; null when no trial is in flight. */
  trialStartedAt: number | null;
};

export type BreakerPolicyOptions = {
  /** Consecutive failures that open the breaker; an integer >= 1. */
  failureThreshold: number;
  /** How long the breaker stays open before letting one trial call through. */
  recoveryTimeoutMs: number;
  /** How long a trial may go without reporting before another is allowed; default recoveryTimeoutMs. */
  trialTimeoutMs?: number;
};

export type BreakerDecision = {
  allowed: boolean;
  /** True when this call is the half-open trial whose outcome decides the breaker's fate. */
  trial: boolean;
  /** The snapshot to store (the input itself when unchanged). */
  next: BreakerSnapshot;
  /** When refused: how long until a call may be allowed again. */
  retryAfterMs?: number;
};

/** Identifies which call a report belongs to: the `now` passed to decide() when it was allowed. */
export type BreakerCall = { startedAt: number };

export function initialSnapshot(): BreakerSnapshot {
  return { state: 'closed', failureCount: 0, openedAt: null, trialStartedAt: null };
}

/** Throws RangeError for options no breaker could work with; call once where options are built. */
export function assertBreakerPolicyOptions(opts: BreakerPolicyOptions): void {
  if (!Number.isInteger(opts.failureThreshold) || opts.failureThreshold < 1) {
    throw new RangeError(`failureThreshold must be an integer >= 1, got ${opts.failureThreshold}`);
  }
  assertDuration('recoveryTimeoutMs', opts.recoveryTimeoutMs);
  if (opts.trialTimeoutMs !== undefined) assertDuration('trialTimeoutMs', opts.trialTimeoutMs);
}

/** May a call start now? The caller stores `next` and, if allowed, remembers `now` as the call's startedAt. */
export function decide(snapshot: BreakerSnapshot, now: number, opts: BreakerPolicyOptions): BreakerDecision {
  switch (snapshot.state) {
    case 'closed':
      return { allowed: true, trial: false, next: snapshot };
    case 'open': {
      if (snapshot.openedAt === null) {
        // Open without an opening time (e.g. a hand-edited row): start the recovery clock now
        // rather than staying open forever or letting calls through unchecked.
        const next: BreakerSnapshot = { ...snapshot, openedAt: now };
        return { allowed: false, trial: false, next, retryAfterMs: opts.recoveryTimeoutMs };
      }
      const elapsed = now - snapshot.openedAt;
      if (elapsed < opts.recoveryTimeoutMs) {
        return { allowed: false, trial: false, next: snapshot, retryAfterMs: opts.recoveryTimeoutMs - elapsed };
      }
      return startTrial(snapshot, now);
    }
    case 'half_open': {
      if (snapshot.trialStartedAt === null) return startTrial(snapshot, now);
      const trialTimeoutMs = opts.trialTimeoutMs ?? opts.recoveryTimeoutMs;
      const elapsed = now - snapshot.trialStartedAt;
      if (elapsed < trialTimeoutMs) {
        return { allowed: false, trial: false, next: snapshot, retryAfterMs: trialTimeoutMs - elapsed };
      }
      // The trial in flight has not reported back in time: presume it lost and let a new one go.
      return startTrial(snapshot, now);
    }
  }
}

/** The call succeeded: resets the consecutive count; the current trial's success closes the breaker. */
export function recordSuccess(snapshot: BreakerSnapshot, _now: number, call?: BreakerCall): BreakerSnapshot {
  if (call !== undefined && !countsInState(snapshot, call)) return snapshot;
  if (snapshot.state === 'closed' && snapshot.failureCount === 0) return snapshot;
  return initialSnapshot();
}

/** The call failed: counts toward the threshold while closed; the current trial's failure reopens the breaker. */
export function recordFailure(
  snapshot: BreakerSnapshot,
  now: number,
  opts: BreakerPolicyOptions,
  call?: BreakerCall,
): BreakerSnapshot {
  switch (snapshot.state) {
    case 'closed': {
      const failureCount = snapshot.failureCount + 1;
      if (failureCount >= opts.failureThreshold) {
        return { state: 'open', failureCount, openedAt: now, trialStartedAt: null };
      }
      return { ...snapshot, failureCount };
    }
    case 'open':
      // Already open: a straggler's failure must not push the recovery time out.
      return snapshot;
    case 'half_open':
      if (call !== undefined && !countsInState(snapshot, call)) return snapshot;
      return { state: 'open', failureCount: snapshot.failureCount + 1, openedAt: now, trialStartedAt: null };
  }
}

/**
 * The call ended with an outcome that says nothing about the upstream's health (e.g. the
 * upstream rightly rejected bad input). Counts neither way; if it was the current trial, the
 * trial slot is freed so the next call becomes the trial instead of waiting trialTimeoutMs.
 */
export function releaseTrial(snapshot: BreakerSnapshot, call?: BreakerCall): BreakerSnapshot {
  if (snapshot.state !== 'half_open' || snapshot.trialStartedAt === null) return snapshot;
  if (call !== undefined && call.startedAt !== snapshot.trialStartedAt) return snapshot;
  return { ...snapshot, trialStartedAt: null };
}

function startTrial(snapshot: BreakerSnapshot, now: number): BreakerDecision {
  return {
    allowed: true,
    trial: true,
    next: { state: 'half_open', failureCount: snapshot.failureCount, openedAt: snapshot.openedAt, trialStartedAt: now },
  };
}

// Whether a report from `call` may change this snapshot (see the header: only the current trial
// counts in half_open, nothing counts in open, everything counts in closed).
function countsInState(snapshot: BreakerSnapshot, call: BreakerCall): boolean {
  switch (snapshot.state) {
    case 'closed':
      return true;
    case 'open':
      return false;
    case 'half_open':
      return snapshot.trialStartedAt !== null && call.startedAt === snapshot.trialStartedAt;
  }
}

function assertDuration(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  }
}
