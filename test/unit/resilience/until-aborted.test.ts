// untilAborted: settles like the work or rejects at the abort, and runs its clean-up exactly once.

import { getEventListeners } from 'node:events';
import { untilAborted } from '../../../src/resilience/until-aborted';

describe('untilAborted', () => {
  it('passes the work through and cleans up once when the work settles first', async () => {
    const controller = new AbortController();
    const onSettled = jest.fn();
    await expect(untilAborted(Promise.resolve(7), controller.signal, onSettled)).resolves.toBe(7);
    expect(onSettled).toHaveBeenCalledTimes(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    // A later abort changes nothing.
    controller.abort(new Error('late'));
    expect(onSettled).toHaveBeenCalledTimes(1);
  });

  it('rejects with the reason at the abort, and the work settling afterwards neither cleans up again nor goes unhandled', async () => {
    const controller = new AbortController();
    const onSettled = jest.fn();
    let fail!: (err: Error) => void;
    const work = new Promise<number>((_, reject) => {
      fail = reject;
    });
    const waiting = untilAborted(work, controller.signal, onSettled);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(onSettled).toHaveBeenCalledTimes(1);
    fail(new Error('too late'));
    await new Promise((r) => setImmediate(r));
    expect(onSettled).toHaveBeenCalledTimes(1);
  });

  it('rejects at once on a signal that is already aborted, cleaning up, and passes errors of the work through', async () => {
    const onSettled = jest.fn();
    await expect(untilAborted(Promise.resolve(1), AbortSignal.abort(new Error('gone')), onSettled)).rejects.toThrow('gone');
    expect(onSettled).toHaveBeenCalledTimes(1);
    const noSignal = jest.fn();
    await expect(untilAborted(Promise.reject(new Error('bad')), undefined, noSignal)).rejects.toThrow('bad');
    expect(noSignal).toHaveBeenCalledTimes(1);
  });
});
