// The registered services as a web process sees them: read from the database and cached for
// `cacheTtlMs` (default 1.5 s; the `services` notifier channel invalidates at once), each with
// its own in-process circuit breaker, and each reported in /health as `service:<name>`.
//
// Health of a service: degraded while its breaker is open or half-open, or when its health_url
// (checked by the outbound policy, fetched without following redirects) does not answer 2xx in
// time; otherwise healthy. A degraded service never makes the platform unhealthy. A service
// that was removed keeps its (healthy, "no longer registered") entry until the process restarts,
// because the health checker cannot unregister checks.

import type { HealthChecker } from '../health/health-checker';
import type { Logger } from '../../platform/logger';
import type { Notifier } from '../../platform/notifier';
import { CircuitBreaker } from '../../resilience';
import type { OutboundPolicy } from './outbound-policy';
import type { ServiceRecord, ServiceStore } from './service-store';

export const SERVICES_CHANNEL = 'services';

export interface BreakerSettings {
  failureThreshold: number;
  recoveryTimeoutMs: number;
}

export interface ServiceEntry {
  record: ServiceRecord;
  breaker: CircuitBreaker;
}

export interface ServiceMatch extends ServiceEntry {
  /** The registered prefix the path fell under. */
  prefix: string;
  /** The rest of the path after the prefix ('' or '/…'). */
  rest: string;
}

export interface ServiceDirectory {
  list(): Promise<ServiceEntry[]>;
  /** The service whose prefix is the longest match for the path, if any. */
  match(path: string): Promise<ServiceMatch | undefined>;
  /** Forget the cache (after a change in this process). */
  invalidate(): void;
  /** This process's breaker state per service it has proxied to or checked. */
  breakerStates(): Record<string, 'closed' | 'open' | 'half_open'>;
  close(): void;
}

export interface ServiceDirectoryOptions {
  store: ServiceStore;
  health: Pick<HealthChecker, 'register'>;
  outbound: OutboundPolicy;
  logger: Logger;
  notifier?: Notifier;
  breaker?: Partial<BreakerSettings>;
  cacheTtlMs?: number;
  /** How long a service's health_url may take. */
  healthTimeoutMs?: number;
  now?: () => number;
}

export function routeMatches(prefix: string, path: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

export function createServiceDirectory(opts: ServiceDirectoryOptions): ServiceDirectory {
  const now = opts.now ?? Date.now;
  const cacheTtlMs = opts.cacheTtlMs ?? 1500;
  const breakerSettings: BreakerSettings = { failureThreshold: 5, recoveryTimeoutMs: 30_000, ...opts.breaker };
  const log = opts.logger.child('gateway.services');
  const breakers = new Map<string, CircuitBreaker>();
  const registeredChecks = new Set<string>();
  let cached: { entries: ServiceEntry[]; expiresAt: number } | undefined;
  let loading: Promise<ServiceEntry[]> | undefined;
  const unsubscribe = opts.notifier?.subscribe(SERVICES_CHANNEL, () => {
    cached = undefined;
  });

  function breakerFor(name: string): CircuitBreaker {
    let breaker = breakers.get(name);
    if (!breaker) {
      breaker = new CircuitBreaker({
        name: `service:${name}`,
        ...breakerSettings,
        now,
        onStateChange: (from, to, breakerName) => log.warn('circuit breaker changed state', { breaker: breakerName, from, to }),
      });
      breakers.set(name, breaker);
    }
    return breaker;
  }

  function registerHealth(name: string): void {
    if (registeredChecks.has(name)) return;
    registeredChecks.add(name);
    opts.health.register(`service:${name}`, async (signal) => {
      const entry = (await list()).find((e) => e.record.name === name);
      if (!entry) return { status: 'healthy', message: 'service no longer registered' };
      const state = entry.breaker.state;
      if (state !== 'closed') {
        return { status: 'degraded', message: `circuit breaker is ${state}: calls are paused`, details: { breaker: state } };
      }
      const healthUrl = entry.record.health_url;
      if (!healthUrl) return { status: 'healthy', message: 'circuit breaker closed', details: { breaker: state } };
      try {
        await opts.outbound.checkUrl(healthUrl);
        // redirect: 'manual' — a redirect could lead past the outbound policy; a 3xx is a failure.
        const res = await fetch(healthUrl, { redirect: 'manual', signal: AbortSignal.any([signal, AbortSignal.timeout(opts.healthTimeoutMs ?? 2000)]) });
        await res.body?.cancel();
        if (res.status >= 200 && res.status < 300) return { status: 'healthy', message: `health URL answered ${res.status}`, details: { breaker: state } };
        return { status: 'degraded', message: `health URL answered ${res.status}`, details: { breaker: state } };
      } catch (err) {
        return { status: 'degraded', message: `health URL failed: ${err instanceof Error ? err.message : String(err)}`, details: { breaker: state } };
      }
    });
  }

  async function load(): Promise<ServiceEntry[]> {
    const records = await opts.store.list();
    const entries = records.map((record) => ({ record, breaker: breakerFor(record.name) }));
    for (const e of entries) registerHealth(e.record.name);
    cached = { entries, expiresAt: now() + cacheTtlMs };
    return entries;
  }

  async function list(): Promise<ServiceEntry[]> {
    if (cached && cached.expiresAt > now()) return cached.entries;
    // One load at a time: a burst of proxied requests after expiry shares one query.
    loading ??= load().finally(() => {
      loading = undefined;
    });
    return loading;
  }

  return {
    list,
    breakerStates: () => Object.fromEntries([...breakers.entries()].map(([name, b]) => [name, b.state])),
    async match(path) {
      let best: ServiceMatch | undefined;
      for (const entry of await list()) {
        for (const prefix of entry.record.routes) {
          if (routeMatches(prefix, path) && (!best || prefix.length > best.prefix.length)) {
            best = { ...entry, prefix, rest: path.slice(prefix.length) };
          }
        }
      }
      return best;
    },
    invalidate() {
      cached = undefined;
    },
    close() {
      unsubscribe?.();
    },
  };
}
