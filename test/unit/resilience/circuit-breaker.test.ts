// The in-process CircuitBreaker: opens after consecutive failures, refuses with CircuitOpenError, probes with one trial, and ignores errors the caller says are not failures.

import { type BreakerState, CircuitBreaker, CircuitOpenError } from '../../../src/resilience';

// A promise whose settlement the test controls, to keep a call in flight.
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

class UpstreamError extends Error {
  constructor(readonly status: number) {
    super(`upstream answered ${status}`);
  }
}

function setup(extra: Partial<ConstructorParameters<typeof CircuitBreaker>[0]> = {}) {
  let t = 0;
  const changes: [BreakerState, BreakerState, string][] = [];
  const breaker = new CircuitBreaker({
    name: 'agent:network_analyzer',
    failureThreshold: 3,
    recoveryTimeoutMs: 1000,
    now: () => t,
    onStateChange: (from, to, name) => changes.push([from, to, name]),
    ...extra,
  });
  return {
    breaker,
    changes,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

const fail = (err: unknown = new Error('upstream down')) => (): Promise<never> => Promise.reject(err);

async function failTimes(breaker: CircuitBreaker, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await expect(breaker.execute(fail())).rejects.toThrow('upstream down');
}

describe('CircuitBreaker', () => {
  it('passes results and errors through unchanged while closed', async () => {
    const { breaker } = setup();
    await expect(breaker.execute(async () => 'ok')).resolves.toBe('ok');
    const err = new Error('once');
    await expect(breaker.execute(fail(err))).rejects.toBe(err);
    expect(breaker.state).toBe('closed');
  });

  it('opens after failureThreshold consecutive failures and reports the change', async () => {
    const { breaker, changes } = setup();
    await failTimes(breaker, 2);
    expect(breaker.state).toBe('closed');
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
    expect(changes).toEqual([['closed', 'open', 'agent:network_analyzer']]);
    expect(breaker.snapshot()).toMatchObject({ state: 'open', failureCount: 3, openedAt: 0 });
  });

  it('does not open when a success breaks the run of failures', async () => {
    const { breaker } = setup();
    await failTimes(breaker, 2);
    await breaker.execute(async () => 'ok');
    await failTimes(breaker, 2);
    expect(breaker.state).toBe('closed');
  });

  it('refuses calls while open with CircuitOpenError, without calling fn', async () => {
    const { breaker, advance } = setup();
    await failTimes(breaker, 3);
    advance(400);
    const fn = jest.fn(async () => 'never');
    const err = await breaker.execute(fn).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect(err).toMatchObject({ breakerName: 'agent:network_analyzer', retryAfterMs: 600 });
    expect(fn).not.toHaveBeenCalled();
  });

  it('lets exactly one trial through after the recovery timeout and closes when it succeeds', async () => {
    const { breaker, advance, changes } = setup();
    await failTimes(breaker, 3);
    advance(1000);

    const trial = deferred<string>();
    const trialCall = breaker.execute(() => trial.promise);
    expect(breaker.state).toBe('half_open');

    const other = jest.fn(async () => 'other');
    await expect(breaker.execute(other)).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(breaker.execute(other)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(other).not.toHaveBeenCalled();

    trial.resolve('recovered');
    await expect(trialCall).resolves.toBe('recovered');
    expect(breaker.state).toBe('closed');
    expect(breaker.snapshot().failureCount).toBe(0);
    await expect(breaker.execute(other)).resolves.toBe('other');
    expect(changes.map(([from, to]) => `${from}->${to}`)).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
  });

  it('reopens when the trial fails, starting a new recovery timeout', async () => {
    const { breaker, advance } = setup();
    await failTimes(breaker, 3);
    advance(1000);
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
    advance(999);
    await expect(breaker.execute(async () => 1)).rejects.toMatchObject({ retryAfterMs: 1 });
    advance(1);
    await expect(breaker.execute(async () => 1)).resolves.toBe(1);
    expect(breaker.state).toBe('closed');
  });

  it('replaces a trial that never reports back after trialTimeoutMs, and ignores its late success', async () => {
    const { breaker, advance } = setup({ trialTimeoutMs: 200 });
    await failTimes(breaker, 3);
    advance(1000);
    const stuck = deferred<string>();
    const stuckCall = breaker.execute(() => stuck.promise);

    advance(199);
    await expect(breaker.execute(async () => 'early')).rejects.toMatchObject({ retryAfterMs: 1 });
    advance(1);
    const second = deferred<string>();
    const secondCall = breaker.execute(() => second.promise);
    expect(breaker.snapshot()).toMatchObject({ state: 'half_open', trialStartedAt: 1200 });

    stuck.resolve('late');
    await expect(stuckCall).resolves.toBe('late');
    expect(breaker.state).toBe('half_open');

    second.reject(new Error('upstream down'));
    await expect(secondCall).rejects.toThrow('upstream down');
    expect(breaker.state).toBe('open');
  });

  it('does not let a call that started before the breaker opened close it', async () => {
    const { breaker } = setup({ failureThreshold: 1 });
    const slow = deferred<string>();
    const slowCall = breaker.execute(() => slow.promise);
    await expect(breaker.execute(fail())).rejects.toThrow('upstream down');
    expect(breaker.state).toBe('open');
    slow.resolve('finally');
    await expect(slowCall).resolves.toBe('finally');
    expect(breaker.state).toBe('open');
  });

  it('does not count errors that isFailure excludes', async () => {
    const { breaker } = setup({
      isFailure: (err) => !(err instanceof UpstreamError && err.status < 500),
    });
    const notFound = new UpstreamError(404);
    for (let i = 0; i < 5; i++) await expect(breaker.execute(fail(notFound))).rejects.toBe(notFound);
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', failureCount: 0 });

    await failTimes(breaker, 2);
    await expect(breaker.execute(fail(new UpstreamError(400)))).rejects.toBeInstanceOf(UpstreamError);
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', failureCount: 2 });
    await expect(breaker.execute(fail(new UpstreamError(503)))).rejects.toBeInstanceOf(UpstreamError);
    expect(breaker.state).toBe('open');
  });

  it('frees the trial slot when the trial ends with an excluded error', async () => {
    const { breaker, advance } = setup({ isFailure: (err) => !(err instanceof UpstreamError) });
    await failTimes(breaker, 3);
    advance(1000);
    await expect(breaker.execute(fail(new UpstreamError(422)))).rejects.toBeInstanceOf(UpstreamError);
    expect(breaker.state).toBe('half_open');
    await expect(breaker.execute(async () => 'next trial')).resolves.toBe('next trial');
    expect(breaker.state).toBe('closed');
  });

  it('counts the error as a failure and rethrows it when isFailure itself throws', async () => {
    const { breaker } = setup({
      failureThreshold: 1,
      isFailure: () => {
        throw new Error('classifier bug');
      },
    });
    const err = new Error('upstream down');
    await expect(breaker.execute(fail(err))).rejects.toBe(err);
    expect(breaker.state).toBe('open');
  });

  it('keeps working when onStateChange throws', async () => {
    const { breaker } = setup({
      failureThreshold: 1,
      onStateChange: () => {
        throw new Error('metrics down');
      },
    });
    const err = new Error('upstream down');
    await expect(breaker.execute(fail(err))).rejects.toBe(err);
    expect(breaker.state).toBe('open');
  });

  it('turns a synchronous throw from fn into a counted failure', async () => {
    const { breaker } = setup({ failureThreshold: 1 });
    const err = new Error('sync');
    await expect(
      breaker.execute(() => {
        throw err;
      }),
    ).rejects.toBe(err);
    expect(breaker.state).toBe('open');
  });

  it('hands out snapshot copies that cannot change its state', async () => {
    const { breaker } = setup();
    const snap = breaker.snapshot();
    snap.state = 'open';
    expect(breaker.state).toBe('closed');
  });

  it('rejects unusable options at construction', () => {
    expect(() => new CircuitBreaker({ name: 'x', failureThreshold: 0, recoveryTimeoutMs: 1 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ name: 'x', failureThreshold: 1, recoveryTimeoutMs: -1 })).toThrow(RangeError);
  });
});
