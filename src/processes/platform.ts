// The backing pieces every process type shares: config, context, logger, database, Redis, shutdown.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig, readEnvironment, type Config } from '../config';
import { createExecutionContext, type ExecutionContext } from '../platform/context';
import { createDatabase, type DatabaseHandle } from '../platform/db';
import { createLogger, type Logger } from '../platform/logger';
import { createRedis, type RedisHandle } from '../platform/redis';
import { createNotifier, type Notifier } from '../platform/notifier';
import { channelPrefixFor, createPostgresNotifyTransport } from '../platform/postgres-notify-transport';
import { createShutdown, handleSignals, type Shutdown } from '../platform/lifecycle';

export type ProcessType = 'web' | 'worker' | 'scheduler' | 'all' | 'migrate' | 'cli';

export interface Platform {
  readonly processType: ProcessType;
  readonly config: Config;
  readonly context: ExecutionContext;
  readonly logger: Logger;
  readonly database: DatabaseHandle;
  readonly redis: RedisHandle | null;
  readonly notifier: Notifier;
  readonly shutdown: Shutdown;
}

/** The version in package.json, found by walking up from this file (works from src/ and dist/). */
export function readVersion(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    dir = dirname(dir);
  }
  return '0.0.0';
}

export function createPlatform(processType: ProcessType, config: Config): Platform {
  const context = createExecutionContext();
  // The logger is never closed: the Console transport writes synchronously, and the last lines
  // of a shutdown must still reach stdout.
  const { logger } = createLogger({ level: config.log.level, processType, context });
  const shutdown = createShutdown({ logger, timeoutMs: config.shutdownTimeoutMs });
  const database = createDatabase(config.database, { logger, poolSize: config.databasePoolSize });
  shutdown.onShutdown('database', () => database.close());
  const redis = config.redisUrl ? createRedis(config.redisUrl, logger) : null;
  if (redis) shutdown.onShutdown('redis', () => redis.close());
  // Without Redis, processes on one Postgres wake each other through LISTEN/NOTIFY (one more
  // connection per process, opened on the first publish or subscribe); on SQLite they poll.
  const pgUrl = !redis && config.database.kind === 'postgres' ? config.database.url : null;
  const notifier = createNotifier({
    redis,
    logger,
    transport: pgUrl ? (deliver, prefix) => createPostgresNotifyTransport({ url: pgUrl, logger, prefix: channelPrefixFor(pgUrl, prefix), onMessage: deliver }) : undefined,
  });
  shutdown.onShutdown('notifier', () => notifier.close());
  return { processType, config, context, logger, database, redis, notifier, shutdown };
}

/**
 * The common main(): load config (exit 1 with one clear message when invalid), build the platform,
 * start the process type, and turn SIGTERM/SIGINT into a graceful stop that exits 0.
 */
export function runProcess(processType: ProcessType, start: (platform: Platform) => Promise<void>): void {
  let config: Config;
  try {
    config = loadConfig(readEnvironment(), { version: readVersion() });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`catalynx ${processType}: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const platform = createPlatform(processType, config);
  handleSignals(platform.shutdown, platform.logger);
  process.on('unhandledRejection', (reason) => {
    // A bug somewhere: log it loudly but keep serving; crashing would drop in-flight work.
    platform.logger.error('unhandled promise rejection', { error: reason });
  });
  start(platform).catch(async (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    platform.logger.error(`${processType} failed to start: ${message}`, { error: err });
    process.stderr.write(`catalynx ${processType}: ${message}\n`);
    await platform.shutdown.run('start-up failure');
    process.exit(1);
  });
}
