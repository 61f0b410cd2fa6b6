// Health checks for the backing services: the database (unhealthy when down), Redis (degraded when down).

import type { DatabaseHandle } from '../../platform/db';
import { pendingMigrations } from '../../platform/db';
import type { RedisHandle } from '../../platform/redis';
import type { CheckFn } from './health-checker';

export function databaseCheck(database: DatabaseHandle): CheckFn {
  return async () => {
    try {
      await database.ping();
      return { status: 'healthy', message: `${database.strategy.name} reachable`, details: { dialect: database.strategy.name } };
    } catch (err) {
      return {
        status: 'unhealthy',
        message: `${database.strategy.name} unreachable: ${err instanceof Error ? err.message : String(err)}`,
        details: { dialect: database.strategy.name },
      };
    }
  };
}

export function migrationsCheck(database: DatabaseHandle): CheckFn {
  return async () => {
    const pending = await pendingMigrations(database);
    return pending.length === 0
      ? { status: 'healthy', message: 'schema is current' }
      : { status: 'unhealthy', message: `schema is behind: ${pending.join(', ')} pending`, details: { pending } };
  };
}

export function redisCheck(redis: RedisHandle): CheckFn {
  return async () => {
    try {
      await redis.ping();
      return { status: 'healthy', message: 'redis reachable' };
    } catch (err) {
      // The platform keeps working without Redis (polling, in-process bus), only slower.
      return {
        status: 'degraded',
        message: `redis unreachable, running without it: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
  };
}
