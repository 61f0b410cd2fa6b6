// The pure breaker policy: consecutive failures open it, one trial at a time after recovery, stale reports ignored, inputs never mutated.

import fc from 'fast-check';
import {
  type BreakerPolicyOptions,
  type BreakerSnapshot,
  decide,
  initialSnapshot,
  recordFailure,
  recordSuccess,
  releaseTrial,
} from '../../../src/resilience';

const opts: BreakerPolicyOptions = { failureThreshold: 3, recoveryTimeoutMs: 1000 };

function failTimes(snapshot: BreakerSnapshot, times: number, now: number): BreakerSnapshot {
  let s = snapshot;
  for (let i = 0; i < times; i++) s = recordFailure(s, now, opts);
  return s;
}

// Opened at t=0 with the default options.
const opened = (): BreakerSnapshot => failTimes(initialSnapshot(), 3, 0);

function frozen(s: BreakerSnapshot): BreakerSnapshot {
  return Object.freeze({ ...s });
}

describe('circuit breaker policy', () => {
  it('starts closed with no failures', () => {
    expect(initialSnapshot()).toEqual({ state: 'closed', failureCount: 0, openedAt: null, trialStartedAt: null });
  });

  it('allows calls while closed without a trial', () => {
    const s = initialSnapshot();
    const d = decide(s, 5, opts);
    expect(d).toMatchObject({ allowed: true, trial: false });
    expect(d.next).toBe(s);
  });

  it('opens after failureThreshold consecutive failures', () => {
    const two = failTimes(initialSnapshot(), 2, 10);
    expect(two).toMatchObject({ state: 'closed', failureCount: 2 });
    expect(recordFailure(two, 20, opts)).toEqual({ state: 'open', failureCount: 3, openedAt: 20, trialStartedAt: null });
  });

  it('counts only consecutive failures: a success while closed resets the count', () => {
    let s = failTimes(initialSnapshot(), 2, 0);
    s = recordSuccess(s, 1, { startedAt: 1 });
    expect(s.failureCount).toBe(0);
    s = failTimes(s, 2, 2);
    expect(s.state).toBe('closed');
  });

  it('refuses calls while open and says how long to wait', () => {
    const d = decide(opened(), 400, opts);
    expect(d).toMatchObject({ allowed: false, trial: false, retryAfterMs: 600 });
  });

  it('lets exactly one trial through after the recovery timeout', () => {
    const first = decide(opened(), 1000, opts);
    expect(first).toMatchObject({ allowed: true, trial: true });
    expect(first.next).toMatchObject({ state: 'half_open', trialStartedAt: 1000 });

    const second = decide(first.next, 1001, opts);
    expect(second).toMatchObject({ allowed: false, trial: false, retryAfterMs: 999 });
    expect(second.next).toBe(first.next);
  });

  it("closes on the trial's success", () => {
    const trial = decide(opened(), 1000, opts).next;
    expect(recordSuccess(trial, 1200, { startedAt: 1000 })).toEqual(initialSnapshot());
  });

  it("reopens on the trial's failure with a fresh recovery timeout", () => {
    const trial = decide(opened(), 1000, opts).next;
    const reopened = recordFailure(trial, 1200, opts, { startedAt: 1000 });
    expect(reopened).toMatchObject({ state: 'open', openedAt: 1200, trialStartedAt: null });
    expect(decide(reopened, 2100, opts)).toMatchObject({ allowed: false, retryAfterMs: 100 });
    expect(decide(reopened, 2200, opts)).toMatchObject({ allowed: true, trial: true });
  });

  it('releases a stuck trial after trialTimeoutMs (default: recoveryTimeoutMs)', () => {
    const stuck = decide(opened(), 1000, opts).next;
    expect(decide(stuck, 1999, opts).allowed).toBe(false);
    const replacement = decide(stuck, 2000, opts);
    expect(replacement).toMatchObject({ allowed: true, trial: true });
    expect(replacement.next.trialStartedAt).toBe(2000);

    const short = { ...opts, trialTimeoutMs: 50 };
    expect(decide(stuck, 1049, short).allowed).toBe(false);
    expect(decide(stuck, 1050, short)).toMatchObject({ allowed: true, trial: true });
  });

  it('ignores a late report from an abandoned trial', () => {
    const stuck = decide(opened(), 1000, opts).next;
    const current = decide(stuck, 2000, opts).next;
    expect(recordSuccess(current, 2100, { startedAt: 1000 })).toBe(current);
    expect(recordFailure(current, 2100, opts, { startedAt: 1000 })).toBe(current);
  });

  it('ignores reports from calls that started before the breaker opened', () => {
    const open = opened();
    expect(recordSuccess(open, 500, { startedAt: -5 })).toBe(open);
    expect(recordFailure(open, 500, opts, { startedAt: -5 })).toBe(open);
    const trial = decide(open, 1000, opts).next;
    expect(recordSuccess(trial, 1100, { startedAt: -5 })).toBe(trial);
  });

  it('does not push the recovery time out on failures reported while open', () => {
    const open = opened();
    expect(recordFailure(open, 900, opts)).toBe(open);
  });

  it('trusts a report given without the call (simple form)', () => {
    const trial = decide(opened(), 1000, opts).next;
    expect(recordSuccess(trial, 1100).state).toBe('closed');
    expect(recordFailure(trial, 1100, opts)).toMatchObject({ state: 'open', openedAt: 1100 });
  });

  it('frees the trial slot when the trial outcome says nothing about the upstream', () => {
    const trial = decide(opened(), 1000, opts).next;
    const freed = releaseTrial(trial, { startedAt: 1000 });
    expect(freed).toMatchObject({ state: 'half_open', trialStartedAt: null });
    expect(decide(freed, 1001, opts)).toMatchObject({ allowed: true, trial: true });
    // Another call's release does not free the current trial's slot.
    expect(releaseTrial(trial, { startedAt: 999 })).toBe(trial);
    expect(releaseTrial(initialSnapshot(), { startedAt: 0 })).toEqual(initialSnapshot());
  });

  it('starts the recovery clock for an open snapshot that lacks openedAt', () => {
    const odd: BreakerSnapshot = { state: 'open', failureCount: 3, openedAt: null, trialStartedAt: null };
    const d = decide(odd, 5000, opts);
    expect(d).toMatchObject({ allowed: false, retryAfterMs: 1000 });
    expect(decide(d.next, 6000, opts)).toMatchObject({ allowed: true, trial: true });
  });

  it('never mutates the snapshot it is given', () => {
    const closed = frozen(failTimes(initialSnapshot(), 2, 0));
    const open = frozen(opened());
    const half = frozen(decide(open, 1000, opts).next);
    expect(() => {
      recordFailure(closed, 1, opts);
      recordSuccess(closed, 1);
      decide(open, 1000, opts);
      decide(half, 3000, opts);
      recordSuccess(half, 1100, { startedAt: 1000 });
      recordFailure(half, 1100, opts, { startedAt: 1000 });
      releaseTrial(half, { startedAt: 1000 });
    }).not.toThrow();
    expect(open).toEqual({ state: 'open', failureCount: 3, openedAt: 0, trialStartedAt: null });
  });

  it('never lets a second call through while a trial is pending, and only the trial closes a half-open breaker', () => {
    type Step =
      | { kind: 'call'; dt: number }
      | { kind: 'report'; which: number; outcome: 'ok' | 'fail' | 'neutral' };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant('call' as const), dt: fc.integer({ min: 0, max: 700 }) }),
      fc.record({
        kind: fc.constant('report' as const),
        which: fc.nat(),
        outcome: fc.constantFrom('ok' as const, 'fail' as const, 'neutral' as const),
      }),
    );
    const trialTimeoutMs = 300;
    const policy: BreakerPolicyOptions = { failureThreshold: 2, recoveryTimeoutMs: 1000, trialTimeoutMs };
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
        let s = initialSnapshot();
        let now = 0;
        const inFlight: { startedAt: number }[] = [];
        // The latest trial granted, and whether it has reported back since.
        let pendingTrial: { startedAt: number } | null = null;
        for (const st of steps) {
          const before = s;
          if (st.kind === 'call') {
            now += st.dt;
            const d = decide(s, now, policy);
            s = d.next;
            if (!d.allowed) {
              expect(d.retryAfterMs).toBeGreaterThan(0);
              continue;
            }
            // Outside closed, the only call let through is a trial...
            expect(d.trial).toBe(before.state !== 'closed');
            if (d.trial) {
              // ...and only once the previous trial reported back or ran past its timeout.
              if (pendingTrial !== null) expect(now - pendingTrial.startedAt).toBeGreaterThanOrEqual(trialTimeoutMs);
              pendingTrial = { startedAt: now };
            }
            inFlight.push({ startedAt: now });
          } else if (inFlight.length > 0) {
            const [call] = inFlight.splice(st.which % inFlight.length, 1);
            const isCurrentTrial = pendingTrial !== null && call.startedAt === pendingTrial.startedAt;
            if (st.outcome === 'ok') s = recordSuccess(s, now, call);
            else if (st.outcome === 'fail') s = recordFailure(s, now, policy, call);
            else s = releaseTrial(s, call);
            if (isCurrentTrial) pendingTrial = null;
            if (before.state === 'half_open' && s.state === 'closed') {
              expect(isCurrentTrial && st.outcome === 'ok').toBe(true);
            }
            if (before.state === 'open') expect(s).toBe(before);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
