// Wires the gateway into a process: key and service routes, the guard for declared routes, the
// proxy handler, and the `rate_limiter` and `service:<name>` health checks.

import type { NextFunction, Request, Response } from 'express';
import type { HealthChecker } from '../health/health-checker';
import type { RouteSpec } from '../../platform/http/route';
import type { Platform } from '../../processes/platform';
import { createApiKeyStore } from './api-key-store';
import { bootstrapModeFor, ensureBootstrapKey } from './bootstrap-key';
import { createAuthorize, createAuthorizeNow } from './gateway-guard';
import { createKeyAuthenticator } from './key-authenticator';
import { keyRoutes } from './key-routes';
import { createOutboundPolicy, type ResolveHost } from './outbound-policy';
import { createRateLimit } from './rate-limit';
import { createServiceDirectory, type BreakerSettings } from './service-directory';
import { createServiceProxy } from './service-proxy';
import { serviceRoutes } from './service-routes';
import { createServiceStore } from './service-store';
import { syncConfiguredServices } from './configured-services';

export interface Gateway {
  /** createApp's guard: authentication, rate limit and scope for declared routes (a promise only when it must wait). */
  guard(req: Request, res: Response, route: RouteSpec): void | Promise<unknown>;
  /** createApp's extraHandlers: the service proxy. */
  extraHandlers: ((req: Request, res: Response, next: NextFunction) => Promise<void>)[];
  /** Before serving: ensures a key exists (see bootstrap-key.ts) and loads the services for /health. */
  start(): Promise<void>;
  close(): void;
  /** This web process's circuit breaker state per proxied service (metrics). */
  serviceBreakerStates(): Record<string, 'closed' | 'open' | 'half_open'>;
}

export interface GatewayOptions {
  /** Breaker settings for proxied services (tests shorten the recovery). */
  breaker?: Partial<BreakerSettings>;
  /** Redis key prefix of the shared rate-limit counters. */
  rateLimitKeyPrefix?: string;
  /** DNS resolution for the outbound policy (tests). */
  resolve?: ResolveHost;
  now?: () => number;
}

export function wireGateway(
  services: { readonly routes: RouteSpec[]; readonly health: Pick<HealthChecker, 'register'> },
  platform: Pick<Platform, 'config' | 'database' | 'redis' | 'notifier' | 'logger' | 'processType'>,
  opts: GatewayOptions = {},
): Gateway {
  const { config, database, redis, notifier, logger } = platform;
  const gw = config.gateway;
  const keyStore = createApiKeyStore(database, { now: opts.now });
  // Cross-process freshness comes from the short lookup caches (keys 1 s, services 1.5 s), not
  // from notifier subscriptions: a subscription opens a Redis subscriber connection whose close
  // waits for Redis, which held shutdown while Redis was down. Changes made in this process
  // invalidate at once; `keys`/`services` notifications are still published as hints.
  const authenticator = createKeyAuthenticator({ store: keyStore, adminApiKey: gw.adminApiKey, logger, now: opts.now });
  const rateLimit = createRateLimit({ settings: gw.rateLimit, redis, logger, keyPrefix: opts.rateLimitKeyPrefix, now: opts.now });
  const guardOptions = { authenticator, rateLimit, publicPaths: gw.publicPaths };
  const authorize = createAuthorize(guardOptions);
  const authorizeNow = createAuthorizeNow(guardOptions);
  const outbound = createOutboundPolicy({ allowedHosts: gw.outboundAllowedHosts, resolve: opts.resolve });
  const serviceStore = createServiceStore(database, { now: opts.now });
  const directory = createServiceDirectory({
    store: serviceStore,
    health: services.health,
    outbound,
    logger,
    breaker: opts.breaker,
    healthTimeoutMs: config.health.checkTimeoutMs,
    now: opts.now,
  });

  services.routes.push(
    ...keyRoutes({ store: keyStore, authenticator, notifier }),
    ...serviceRoutes({ store: serviceStore, directory, outbound, notifier, declaredPaths: () => services.routes.map((r) => r.path) }),
  );

  services.health.register('rate_limiter', async () => {
    await rateLimit.probe();
    const s = rateLimit.status();
    if (s.backend === 'memory') return { status: 'healthy', message: 'per-process in-memory rate limits (no Redis)', details: { ...s } };
    if (s.sharedAvailable) return { status: 'healthy', message: 'shared rate limits through Redis', details: { ...s } };
    return {
      status: 'degraded',
      message:
        s.policy === 'fail-open'
          ? 'Redis unavailable: failing open, each process limits requests on its own'
          : 'Redis unavailable: failing closed, limited requests are refused with 503',
      details: { ...s },
    };
  });

  const proxy = createServiceProxy({ directory, authorize, outbound, logger, defaultTimeoutMs: gw.proxyTimeoutMs });

  return {
    guard(req, res, route) {
      const decided = authorizeNow(req, res, route.scope);
      return decided instanceof Promise ? decided : undefined;
    },
    extraHandlers: [proxy],
    serviceBreakerStates: () => directory.breakerStates(),
    async start() {
      await ensureBootstrapKey({
        database,
        adminApiKey: gw.adminApiKey,
        mode: bootstrapModeFor(platform.processType, config.nodeEnv),
        logger,
      });
      if (gw.services.length > 0) {
        const names = await syncConfiguredServices({
          services: gw.services,
          store: serviceStore,
          outbound,
          declaredPaths: services.routes.map((r) => r.path),
        });
        directory.invalidate();
        logger.child('gateway').info('services from GATEWAY_SERVICES', { services: names });
      }
      await directory.list().catch((err: unknown) => {
        logger.child('gateway').warn('could not load services yet', { error: err instanceof Error ? err.message : String(err) });
      });
    },
    close() {
      authenticator.close();
      directory.close();
    },
  };
}
