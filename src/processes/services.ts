// The composition root's middle layer: builds the module services and routes from the platform pieces.

import { createHealthChecker, type HealthChecker } from '../modules/health/health-checker';
import { healthRoutes } from '../modules/health/health-routes';
import { databaseCheck, migrationsCheck, redisCheck } from '../modules/health/platform-checks';
import type { RouteSpec } from '../platform/http/route';
import type { Platform } from './platform';

export interface Services {
  readonly health: HealthChecker;
  readonly routes: readonly RouteSpec[];
}

export function buildServices(platform: Platform): Services {
  const { config, database, redis } = platform;
  const health = createHealthChecker({ version: config.version, timeoutMs: config.health.checkTimeoutMs });
  health.register('database', databaseCheck(database));
  health.register('migrations', migrationsCheck(database));
  if (redis) health.register('redis', redisCheck(redis));

  const routes: RouteSpec[] = [...healthRoutes(health, ['database', 'migrations'])];
  return { health, routes };
}
