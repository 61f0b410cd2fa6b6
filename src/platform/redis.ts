// Opens Redis (REDIS_URL) with fail-fast commands, so an absent Redis degrades features instead of hanging them.

import Redis from 'ioredis';
import type { Logger } from './logger';

export interface RedisHandle {
  /** Commands (and publish). */
  readonly client: Redis;
  /** A second connection for SUBSCRIBE, which blocks a connection for other commands. */
  subscriber(): Redis;
  ping(): Promise<void>;
  isReady(): boolean;
  close(): Promise<void>;
}

export function createRedis(url: string, logger: Logger): RedisHandle {
  const log = logger.child('redis');
  const options = {
    // Fail a command at once while disconnected rather than queueing it until Redis returns:
    // callers fall back (polling, in-memory limits) and /health reports degraded.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    // Keep reconnecting forever, at most every 2 s, so Redis coming back needs no restart.
    retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
    lazyConnect: false,
  };
  const client = new Redis(url, options);
  const connections: Redis[] = [client];
  let lastState = 'connecting';
  const watch = (conn: Redis, role: string) => {
    conn.on('error', (err: Error) => {
      if (lastState !== 'error') log.warn('redis connection error', { role, error: err.message });
      lastState = 'error';
    });
    conn.on('ready', () => {
      if (lastState !== 'ready') log.info('redis ready', { role });
      lastState = 'ready';
    });
  };
  watch(client, 'commands');
  let closed: Promise<void> | undefined;
  return {
    client,
    subscriber() {
      // Subscriber connections need the offline queue so SUBSCRIBE is replayed on reconnect.
      const sub = new Redis(url, { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null });
      watch(sub, 'subscriber');
      connections.push(sub);
      return sub;
    },
    async ping() {
      await client.ping();
    },
    isReady() {
      return client.status === 'ready';
    },
    close() {
      closed ??= Promise.all(
        connections.map(async (c) => {
          try {
            await c.quit();
          } catch {
            c.disconnect();
          }
        }),
      ).then(() => undefined);
      return closed;
    },
  };
}
