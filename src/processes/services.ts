// The composition root's middle layer: builds the module services and routes from the platform pieces.
// Each module contributes through one `build…` call below; process entrypoints start what they need.

import { createEventStore, type EventStore } from '../modules/events/event-store';
import { createHealthChecker, type HealthChecker } from '../modules/health/health-checker';
import { healthRoutes } from '../modules/health/health-routes';
import { databaseCheck, migrationsCheck, redisCheck } from '../modules/health/platform-checks';
import type { RouteSpec } from '../platform/http/route';
import type { Platform } from './platform';

/** A long-running component a process type starts (subscriptions, loops); stop() is idempotent. */
export interface Runnable {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface Services {
  readonly health: HealthChecker;
  readonly events: EventStore;
  readonly routes: RouteSpec[];
  /** Background components run by the worker process type (and `all`). */
  readonly workerRunnables: Runnable[];
  /** Background components run by the scheduler process type (and `all`). */
  readonly schedulerRunnables: Runnable[];
}

export function buildServices(platform: Platform): Services {
  const { config, database, redis } = platform;
  const health = createHealthChecker({ version: config.version, timeoutMs: config.health.checkTimeoutMs });
  health.register('database', databaseCheck(database));
  health.register('migrations', migrationsCheck(database));
  if (redis) health.register('redis', redisCheck(redis));

  const events = createEventStore(database);

  const services: Services = {
    health,
    events,
    routes: [...healthRoutes(health, ['database', 'migrations'])],
    workerRunnables: [],
    schedulerRunnables: [],
  };

  // Module wiring (one line per module) goes below.

  return services;
}
