// Keeps the best N items seen so far in a binary heap, so memory is O(N) however many items stream past.

/**
 * `compare(a, b) < 0` means a ranks before (is better than) b. The heap's root is the worst item
 * kept, so deciding whether a new item belongs costs one comparison and insertion O(log N).
 */
export class BoundedTopList<T> {
  private readonly heap: T[] = [];

  constructor(
    private readonly capacity: number,
    private readonly compare: (a: T, b: T) => number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.heap.length;
  }

  /** Whether `offer(item)` would keep the item; lets callers prepare only items that stay. */
  accepts(item: T): boolean {
    return this.heap.length < this.capacity || this.compare(item, this.heap[0] as T) < 0;
  }

  offer(item: T): void {
    if (this.heap.length < this.capacity) {
      this.heap.push(item);
      this.siftUp(this.heap.length - 1);
      return;
    }
    // Root is the worst kept; only replace it when the newcomer ranks strictly before it.
    if (this.compare(item, this.heap[0] as T) < 0) {
      this.heap[0] = item;
      this.siftDown(0);
    }
  }

  /** Items in rank order, best first. */
  toSortedArray(): T[] {
    return [...this.heap].sort(this.compare);
  }

  /** "Worse" items go towards the root: the heap is a max-heap under `compare`. */
  private worse(i: number, j: number): boolean {
    return this.compare(this.heap[i] as T, this.heap[j] as T) > 0;
  }

  private swap(i: number, j: number): void {
    const tmp = this.heap[i] as T;
    this.heap[i] = this.heap[j] as T;
    this.heap[j] = tmp;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.worse(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let worst = i;
      if (left < n && this.worse(left, worst)) worst = left;
      if (right < n && this.worse(right, worst)) worst = right;
      if (worst === i) return;
      this.swap(i, worst);
      i = worst;
    }
  }
}
