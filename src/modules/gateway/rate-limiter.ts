// The rate-limit counter port and the in-memory fixed-window counter used without Redis.
//
// A counter counts hits of one bucket (a key id, or a client IP) in fixed windows of
// `windowMs`: the first hit starts the window; the window ends `windowMs` later whatever
// happens in between. `allowed` is false once `count` exceeds `limit`.

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the current window ends. */
  resetMs: number;
}

export interface RateLimitCounter {
  hit(bucket: string, limit: number, windowMs: number): Promise<RateLimitResult>;
}

/** A counter in this process's memory answers at once, without a promise. */
export interface MemoryRateLimitCounter extends RateLimitCounter {
  hitNow(bucket: string, limit: number, windowMs: number): RateLimitResult;
}

export function toResult(count: number, limit: number, resetMs: number): RateLimitResult {
  return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetMs: Math.max(0, resetMs) };
}

/** Per-process counters. Expired windows are swept when the map grows, so memory stays bounded by active buckets. */
export function createMemoryRateLimitCounter(opts: { now?: () => number; maxBuckets?: number } = {}): MemoryRateLimitCounter {
  const now = opts.now ?? Date.now;
  const maxBuckets = opts.maxBuckets ?? 50_000;
  const windows = new Map<string, { count: number; endsAt: number }>();
  return {
    async hit(bucket, limit, windowMs) {
      return this.hitNow(bucket, limit, windowMs);
    },
    hitNow(bucket, limit, windowMs) {
      const at = now();
      let w = windows.get(bucket);
      if (!w || w.endsAt <= at) {
        if (windows.size >= maxBuckets) for (const [k, v] of windows) if (v.endsAt <= at) windows.delete(k);
        w = { count: 0, endsAt: at + windowMs };
        windows.set(bucket, w);
      }
      w.count += 1;
      return toResult(w.count, limit, w.endsAt - at);
    },
  };
}
