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

export interface RateLimit {
  /** Counts one request of `bucket`; returns the headers to send, or throws 429/503. */
  check(bucket: string, scopes: readonly string[]): Promise<Record<string, string>>;
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
      const limit = limitFor(scopes);
      const result = await count(bucket, limit);
      const resetSeconds = Math.max(1, Math.ceil(result.resetMs / 1000));
      const headers = {
        'RateLimit-Limit': String(result.limit),
        'RateLimit-Remaining': String(result.remaining),
        'RateLimit-Reset': String(resetSeconds),
        'RateLimit-Policy': `${result.limit};w=${settings.windowSeconds}`,
      };
      if (!result.allowed) throw new RateLimitedError(resetSeconds, headers);
      return headers;
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
