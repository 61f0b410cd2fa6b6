// BoundedTopList keeps exactly the first N items of the full sort, in order.
import fc from 'fast-check';
import { BoundedTopList } from '../../../src/agents/bmf-filter/bounded-top-list';

describe('BoundedTopList', () => {
  const byValueThenId = (a: [number, number], b: [number, number]): number => a[0] - b[0] || a[1] - b[1];

  it('equals the first `capacity` items of a full sort, for any input order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 })), fc.integer({ min: 1, max: 12 }), (values, capacity) => {
        const items = values.map((v, i) => [v, i] as [number, number]);
        const top = new BoundedTopList(capacity, byValueThenId);
        for (const item of items) top.offer(item);
        expect(top.toSortedArray()).toEqual([...items].sort(byValueThenId).slice(0, capacity));
        expect(top.size).toBe(Math.min(capacity, items.length));
      }),
    );
  });

  it('refuses a capacity below one', () => {
    expect(() => new BoundedTopList(0, byValueThenId)).toThrow(RangeError);
  });
});
