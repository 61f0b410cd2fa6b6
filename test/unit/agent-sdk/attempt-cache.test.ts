// Attempts of one task (one Idempotency-Key) run once: joined while running, replayed within the
// window, forgotten after a retryable answer or once the window passes.

import { createAttemptCache, type AgentAnswer } from '../../../src/agent-sdk/attempt-cache';

function deferred() {
  let resolve!: (a: AgentAnswer) => void;
  const promise = new Promise<AgentAnswer>((r) => (resolve = r));
  return { promise, resolve };
}

describe('attempt cache', () => {
  let t = 0;
  const cache = () => createAttemptCache({ windowMs: 1_000, now: () => t });
  beforeEach(() => (t = 0));

  it('joins an attempt in flight and replays its answer within the window', async () => {
    const c = cache();
    const work = deferred();
    let runs = 0;
    const run = () => {
      runs += 1;
      return work.promise;
    };
    const first = c.attempt('k', new AbortController().signal, run);
    const second = c.attempt('k', new AbortController().signal, run);
    expect(c.running).toBe(1);
    work.resolve({ status: 200, body: { ok: 1 } });
    expect(await first).toEqual({ answer: { status: 200, body: { ok: 1 } }, how: 'ran' });
    expect(await second).toEqual({ answer: { status: 200, body: { ok: 1 } }, how: 'joined' });
    t = 999;
    expect((await c.attempt('k', new AbortController().signal, run)).how).toBe('replayed');
    t = 1_000;
    const again = c.attempt('k', new AbortController().signal, async () => ({ status: 200, body: 'fresh' }));
    expect(await again).toEqual({ answer: { status: 200, body: 'fresh' }, how: 'ran' });
    expect(runs).toBe(1);
  });

  it('keeps a permanent (4xx) answer but forgets a retryable (5xx) one', async () => {
    const c = cache();
    await c.attempt('p', new AbortController().signal, async () => ({ status: 422, body: 'no' }));
    expect((await c.attempt('p', new AbortController().signal, async () => ({ status: 200, body: 'yes' }))).answer.status).toBe(422);
    await c.attempt('r', new AbortController().signal, async () => ({ status: 503, body: 'later' }));
    expect((await c.attempt('r', new AbortController().signal, async () => ({ status: 200, body: 'now' }))).answer).toEqual({ status: 200, body: 'now' });
  });

  it('aborts the work only when every caller has gone away', async () => {
    const c = cache();
    let signal!: AbortSignal;
    const work = deferred();
    const a = new AbortController();
    const b = new AbortController();
    const first = c.attempt('k', a.signal, (s) => ((signal = s), work.promise));
    const second = c.attempt('k', b.signal, () => work.promise);
    await new Promise((resolve) => setImmediate(resolve)); // the work starts on a later tick
    a.abort();
    expect(signal.aborted).toBe(false);
    b.abort();
    expect(signal.aborted).toBe(true);
    work.resolve({ status: 503, body: 'aborted' });
    await Promise.all([first, second]);
    await c.idle();
    expect(c.running).toBe(0);
  });
});
