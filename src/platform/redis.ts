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
      // QUIT waits for Redis to answer; on a connection that is down (or a subscriber with an
      // offline queue) it would wait for Redis to come back. Disconnect those at once, and never
      // let a QUIT hold shutdown for more than a second.
      closed ??= Promise.all(
        connections.map(async (c) => {
          if (c.status !== 'ready') {
            c.disconnect();
            return;
          }
          let timer: NodeJS.Timeout | undefined;
          try {
            await Promise.race([
              c.quit(),
              new Promise((_, reject) => {
                timer = setTimeout(() => reject(new Error('quit timed out')), 1000);
              }),
            ]);
          } catch {
            c.disconnect();
          } finally {
            clearTimeout(timer);
          }
        }),
      ).then(() => undefined);
      return closed;
    },
  };
}
