// The gateway's rate limiting: which limit applies to a caller, the shared or local counter, the
// fail-open/closed policy while Redis is down, and the standard RateLimit-* response headers.
//
// - Limit: config `requests` per `windowSeconds`; a key holding scopes listed in
//   `scopeOverrides` gets the highest of those overrides instead.
// - With Redis the counter is shared by all web processes. When a Redis call fails (or the
//   connection is not ready), the policy applies: fail open → the per-process in-memory
//   counter takes over (each process then allows up to the limit on its own), fail closed →
//   RateLimiterUnavailableError (503). `status()` feeds the `rate_limiter` health check.
// - Headers (IETF draft "RateLimit header fields"): RateLimit-Limit, RateLimit-Remaining,
//   RateLimit-Reset (seconds), RateLimit-Policy ("<limit>;w=<window>").

import type { Logger } from '../../platform/logger';
import type { RedisHandle } from '../../platform/redis';
import { withTimeout } from '../../resilience';
import { RateLimitedError, RateLimiterUnavailableError } from './gateway-errors';
import { createMemoryRateLimitCounter, type RateLimitCounter, type RateLimitResult } from './rate-limiter';
import { createRedisRateLimitCounter } from './redis-rate-limit-counter';

export interface RateLimitSettings {
  requests: number;
  windowSeconds: number;
  failOpen: boolean;
  scopeOverrides: Readonly<Record<string, number>>;
}

export interface RateLimitStatus {
  backend: 'redis' | 'memory';
  /** False while the Redis-backed counter cannot be used. */
  sharedAvailable: boolean;
  policy: 'fail-open' | 'fail-closed';
}

/** Where apply() writes the RateLimit-* headers (Express's res.setHeader). */
export type SetHeader = (name: string, value: string) => unknown;

export interface RateLimit {
  /** Counts one request of `bucket`; returns the headers to send, or throws 429/503. */
  check(bucket: string, scopes: readonly string[]): Promise<Record<string, string>>;
  /**
   * check(), writing the headers through `setHeader` instead of returning them: synchronous
   * (no promise, throws 429 at once) when the count is kept in memory (no Redis), a promise
   * when Redis counts. A 429 or 503 carries its headers in the error, as with check().
   */
  apply(bucket: string, scopes: readonly string[], setHeader: SetHeader): void | Promise<void>;
  limitFor(scopes: readonly string[]): number;
  status(): RateLimitStatus;
  /**
   * Re-checks Redis after a failure (a PING within the timeout), so health reports recovery even
   * before the next rate-limited request arrives.
   */
  probe(): Promise<void>;
}

export interface RateLimitOptions {
  settings: RateLimitSettings;
  redis: RedisHandle | null;
  logger: Logger;
  /** Prefix of the Redis counter keys (tests use a unique one per run). */
  keyPrefix?: string;
  /**
   * How long one Redis hit may take before it counts as Redis being unavailable (default
   * 500 ms): a Redis that accepts connections but does not answer must not hang every request.
   */
  redisTimeoutMs?: number;
  now?: () => number;
}

export function createRateLimit(opts: RateLimitOptions): RateLimit {
  const { settings } = opts;
  const log = opts.logger.child('gateway.rate-limit');
  const windowMs = settings.windowSeconds * 1000;
  const memory = createMemoryRateLimitCounter({ now: opts.now });
  const shared: RateLimitCounter | null = opts.redis
    ? createRedisRateLimitCounter({ client: opts.redis.client, keyPrefix: opts.keyPrefix ?? 'catalynx:ratelimit:' })
    : null;
  let sharedAvailable = true;
  // The header values that depend only on the limit, made once per limit (there are few).
  const limitHeaders = new Map<number, { limit: string; policy: string }>();
  const headersOfLimit = (limit: number) => {
    let h = limitHeaders.get(limit);
    if (!h) limitHeaders.set(limit, (h = { limit: String(limit), policy: `${limit};w=${settings.windowSeconds}` }));
    return h;
  };
  // Scopes arrays are per key identity, so their limit is kept per array (weakly: it dies with the key's cache entry).
  const limitByScopes = new WeakMap<readonly string[], number>();
  const limitOf = (scopes: readonly string[]) => {
    let limit = limitByScopes.get(scopes);
    if (limit === undefined) limitByScopes.set(scopes, (limit = limitFor(scopes)));
    return limit;
  };

  function headersOf(result: RateLimitResult, resetSeconds: number): Record<string, string> {
    const h = headersOfLimit(result.limit);
    return {
      'RateLimit-Limit': h.limit,
      'RateLimit-Remaining': String(result.remaining),
      'RateLimit-Reset': String(resetSeconds),
      'RateLimit-Policy': h.policy,
    };
  }

  const resetSecondsOf = (result: RateLimitResult) => Math.max(1, Math.ceil(result.resetMs / 1000));

  /** Writes the headers of an allowed request; throws 429 (headers in the error) otherwise. */
  function answer(result: RateLimitResult, setHeader: SetHeader): void {
    const resetSeconds = resetSecondsOf(result);
    if (!result.allowed) throw new RateLimitedError(resetSeconds, headersOf(result, resetSeconds));
    const h = headersOfLimit(result.limit);
    setHeader('RateLimit-Limit', h.limit);
    setHeader('RateLimit-Remaining', String(result.remaining));
    setHeader('RateLimit-Reset', String(resetSeconds));
    setHeader('RateLimit-Policy', h.policy);
  }

  function limitFor(scopes: readonly string[]): number {
    const overrides = scopes.map((s) => settings.scopeOverrides[s]).filter((n): n is number => n !== undefined);
    return overrides.length > 0 ? Math.max(...overrides) : settings.requests;
  }

  function markShared(available: boolean, err?: unknown): void {
    if (available === sharedAvailable) return;
    sharedAvailable = available;
    if (available) log.info('shared rate limiting restored');
    else
      log.warn('shared rate limiting unavailable', {
        policy: settings.failOpen ? 'fail-open (per-process limits)' : 'fail-closed (503)',
        error: err instanceof Error ? err.message : String(err),
      });
  }

  async function count(bucket: string, limit: number): Promise<RateLimitResult> {
    if (!shared || !opts.redis) return memory.hit(bucket, limit, windowMs);
    try {
      if (!opts.redis.isReady()) throw new Error('redis connection is not ready');
      const result = await withTimeout(() => shared.hit(bucket, limit, windowMs), opts.redisTimeoutMs ?? 500, { label: 'redis rate-limit hit' });
      markShared(true);
      return result;
    } catch (err) {
      markShared(false, err);
      if (!settings.failOpen) throw new RateLimiterUnavailableError();
      return memory.hit(bucket, limit, windowMs);
    }
  }

  return {
    limitFor,
    async check(bucket, scopes) {
      const result = await count(bucket, limitOf(scopes));
      const resetSeconds = resetSecondsOf(result);
      const headers = headersOf(result, resetSeconds);
      if (!result.allowed) throw new RateLimitedError(resetSeconds, headers);
      return headers;
    },
    apply(bucket, scopes, setHeader) {
      const limit = limitOf(scopes);
      // Without Redis the count is this process's and needs no promise.
      if (!shared) return answer(memory.hitNow(bucket, limit, windowMs), setHeader);
      return count(bucket, limit).then((result) => answer(result, setHeader));
    },
    async probe() {
      if (!shared || !opts.redis || sharedAvailable) return;
      const redis = opts.redis;
      try {
        await withTimeout(() => redis.ping(), opts.redisTimeoutMs ?? 500, { label: 'redis rate-limit probe' });
        markShared(true);
      } catch {
        // still away: the status says so
      }
    },
    status() {
      return {
        backend: shared ? 'redis' : 'memory',
        sharedAvailable: shared ? sharedAvailable && (opts.redis?.isReady() ?? false) : true,
        policy: settings.failOpen ? 'fail-open' : 'fail-closed',
      };
    },
  };
}
