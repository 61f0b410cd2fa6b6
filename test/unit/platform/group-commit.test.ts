import { createGroupCommit } from '../../../src/platform/db/group-commit';

const fulfilled = <T>(value: T): PromiseSettledResult<T> => ({ status: 'fulfilled', value });

describe('group commit', () => {
  it('flushes a lone item at once, and items arriving during a flush together in the next one', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const firstFlushHeld = new Promise<void>((r) => (release = r));
    const group = createGroupCommit<number, number>({
      maxBatch: 100,
      async flush(items) {
        batches.push(items);
        if (batches.length === 1) await firstFlushHeld;
        return items.map((i) => fulfilled(i * 10));
      },
    });
    const first = group.submit(1);
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[1]]);
    const later = [group.submit(2), group.submit(3), group.submit(4)];
    expect(group.pending()).toBe(4);
    release();
    await expect(first).resolves.toBe(10);
    await expect(Promise.all(later)).resolves.toEqual([20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
    expect(group.pending()).toBe(0);
  });

  it('with yieldBetweenBatches, lets the work an answer releases join the waiting items in the next flush', async () => {
    for (const yieldBetweenBatches of [false, true]) {
      const batches: number[][] = [];
      let release!: () => void;
      const firstFlushHeld = new Promise<void>((r) => (release = r));
      const group = createGroupCommit<number, number>({
        maxBatch: 100,
        yieldBetweenBatches,
        async flush(items) {
          batches.push(items);
          if (batches.length === 1) await firstFlushHeld;
          return items.map(fulfilled);
        },
      });
      // The answer to 1 starts work that submits 5 at once (as a worker handed its next task).
      const chained = group.submit(1).then(() => group.submit(5));
      await new Promise((r) => setImmediate(r));
      const waiting = group.submit(2);
      release();
      await Promise.all([chained, waiting]);
      expect(batches).toEqual(yieldBetweenBatches ? [[1], [2, 5]] : [[1], [2], [5]]);
    }
  });

  it('with flushAtOnce, flushes an item that finds nothing in flight before the next turn of the event loop, still sharing it with items of the same code', async () => {
    for (const flushAtOnce of [false, true]) {
      const order: string[] = [];
      const group = createGroupCommit<number, number>({
        maxBatch: 100,
        flushAtOnce,
        flush(items) {
          order.push(`flush ${items.join(',')}`);
          return items.map((i) => fulfilled(i));
        },
      });
      setImmediate(() => order.push('next turn'));
      const answers = Promise.all([group.submit(1), group.submit(2)]);
      await expect(answers).resolves.toEqual([1, 2]);
      await new Promise((r) => setImmediate(r));
      expect(order).toEqual(flushAtOnce ? ['flush 1,2', 'next turn'] : ['next turn', 'flush 1,2']);
    }
  });

  it('never puts more than maxBatch items in one flush', async () => {
    const sizes: number[] = [];
    const group = createGroupCommit<number, number>({
      maxBatch: 3,
      async flush(items) {
        sizes.push(items.length);
        return items.map(fulfilled);
      },
    });
    await Promise.all(Array.from({ length: 8 }, (_, i) => group.submit(i)));
    expect(sizes).toEqual([3, 3, 2]);
  });

  it('settles each item on its own: one rejected item does not fail the others', async () => {
    const group = createGroupCommit<number, string>({
      maxBatch: 10,
      async flush(items) {
        return items.map((i): PromiseSettledResult<string> => (i === 2 ? { status: 'rejected', reason: new Error('item 2 is bad') } : fulfilled(`ok ${i}`)));
      },
    });
    const results = await Promise.allSettled([group.submit(1), group.submit(2), group.submit(3)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('item 2 is bad'));
  });

  it('rejects every item of a flush that throws, and keeps serving later items', async () => {
    let fail = true;
    const group = createGroupCommit<number, number>({
      maxBatch: 10,
      async flush(items) {
        if (fail) throw new Error('database is down');
        return items.map(fulfilled);
      },
    });
    const failed = await Promise.allSettled([group.submit(1), group.submit(2)]);
    expect(failed.every((r) => r.status === 'rejected')).toBe(true);
    fail = false;
    await expect(group.submit(3)).resolves.toBe(3);
  });

  it('rejects the batch when a flush answers the wrong number of items', async () => {
    const group = createGroupCommit<number, number>({ maxBatch: 10, flush: async () => [] });
    await expect(group.submit(1)).rejects.toThrow(/answered 0 of 1/);
  });

  it('hands answers to callbacks, with promise and callback items in one flush, and a throwing callback does not keep the others from theirs', async () => {
    const batches: number[][] = [];
    const uncaught: unknown[] = [];
    const group = createGroupCommit<number, number>({
      maxBatch: 10,
      reportCallbackError: (err) => uncaught.push(err),
      async flush(items) {
        batches.push(items);
        return items.map((i) => (i === 3 ? ({ status: 'rejected', reason: new Error('three') } as const) : fulfilled(i * 2)));
      },
    });
    const answers: PromiseSettledResult<number>[] = [];
    group.submitTo(1, () => {
      throw new Error('callback bug');
    });
    group.submitTo(2, (a) => answers.push(a));
    group.submitTo(3, (a) => answers.push(a));
    await expect(group.submit(4)).resolves.toBe(8);
    expect(batches).toEqual([[1, 2, 3, 4]]);
    expect(answers).toEqual([fulfilled(4), { status: 'rejected', reason: new Error('three') }]);
    expect(uncaught).toEqual([new Error('callback bug')]);
  });

  it('answers the items of a flush that is done at once before anything else runs, and a synchronous throw rejects them', async () => {
    let fail = false;
    const seen: string[] = [];
    const group = createGroupCommit<number, number>({
      maxBatch: 100,
      flush(items) {
        if (fail) throw new Error('disk full');
        // Work queued during the flush runs only after the answers when the flush is not awaited.
        queueMicrotask(() => seen.push('queued during the flush'));
        return items.map((i) => fulfilled(i + 1));
      },
    });
    group.submitTo(1, (a) => seen.push(`a:${a.status === 'fulfilled' ? a.value : 'rejected'}`));
    group.submitTo(2, (a) => seen.push(`b:${a.status === 'fulfilled' ? a.value : 'rejected'}`));
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['a:2', 'b:3', 'queued during the flush']);
    fail = true;
    await expect(group.submit(3)).rejects.toThrow('disk full');
    fail = false;
    await expect(group.submit(4)).resolves.toBe(5);
    expect(group.pending()).toBe(0);
  });

  it('refuses a maxBatch that is not a positive integer', () => {
    expect(() => createGroupCommit({ maxBatch: 0, flush: async () => [] })).toThrow(RangeError);
  });
});
