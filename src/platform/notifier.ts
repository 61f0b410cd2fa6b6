// Wake-up notifications between components ("new task queued", "events appended", "flags changed").
// In-process always; across processes through Redis pub/sub when REDIS_URL is set. Notifications
// are hints, never the data: a missed one only delays work until the next poll.

import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Logger } from './logger';
import type { RedisHandle } from './redis';

export interface Notifier {
  publish(channel: string, payload?: string): void;
  /** Returns an unsubscribe function. */
  subscribe(channel: string, handler: (payload: string) => void): () => void;
  close(): Promise<void>;
}

const PREFIX = 'catalynx:';

export function createNotifier(opts: { redis: RedisHandle | null; logger: Logger }): Notifier {
  const local = new EventEmitter();
  local.setMaxListeners(0);
  const origin = randomUUID();
  const redis = opts.redis;
  const log = opts.logger.child('notifier');
  let subscriber: ReturnType<RedisHandle['subscriber']> | null = null;
  const redisChannels = new Set<string>();

  function ensureSubscriber() {
    if (!redis || subscriber) return subscriber;
    subscriber = redis.subscriber();
    subscriber.on('message', (channel: string, message: string) => {
      try {
        const envelope = JSON.parse(message) as { origin: string; payload: string };
        // This process already delivered its own notifications locally.
        if (envelope.origin === origin) return;
        local.emit(channel.slice(PREFIX.length), envelope.payload);
      } catch {
        log.warn('ignored malformed notification', { channel });
      }
    });
    return subscriber;
  }

  return {
    publish(channel, payload = '') {
      local.emit(channel, payload);
      if (redis && redis.isReady()) {
        redis.client.publish(PREFIX + channel, JSON.stringify({ origin, payload })).catch((err: Error) => {
          log.debug('notification not sent through redis', { channel, error: err.message });
        });
      }
    },
    subscribe(channel, handler) {
      local.on(channel, handler);
      const sub = ensureSubscriber();
      if (sub && !redisChannels.has(channel)) {
        redisChannels.add(channel);
        sub.subscribe(PREFIX + channel).catch((err: Error) => {
          log.warn('redis subscribe failed; relying on polling', { channel, error: err.message });
        });
      }
      return () => local.off(channel, handler);
    },
    async close() {
      local.removeAllListeners();
      // The Redis connections themselves are closed with the RedisHandle.
    },
  };
}
