// Wake-up notifications between components ("new task queued", "events appended", "flags changed").
// In-process always; across processes through Redis pub/sub when REDIS_URL is set, or through
// another transport the composition root chooses (Postgres LISTEN/NOTIFY when the database is
// Postgres and there is no Redis). Notifications are hints, never the data: a missed one only
// delays work until the next poll.

import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Logger } from './logger';
import type { NotifyTransport } from './postgres-notify-transport';
import type { RedisHandle } from './redis';

/**
 * What a statement needs to send a channel's notification to the other processes itself, inside
 * its own transaction (pg_notify(channel, message), sent when it commits): the channel's name on
 * the server and the origin the message's envelope carries, `{"origin": …, "payload": …}` as JSON.
 */
export interface DatabaseNotice {
  channel: string;
  origin: string;
}

export interface Notifier {
  publish(channel: string, payload?: string): void;
  /**
   * Delivers to this process's subscribers only: for a notification a statement has sent to the
   * other processes itself (see throughDatabase).
   */
  publishLocally(channel: string, payload?: string): void;
  /**
   * Where notifications travel between processes through Postgres LISTEN/NOTIFY (no Redis): what
   * a statement needs to send `channel`'s notification itself, in its own transaction, saving the
   * statement publish would send after the commit. Undefined otherwise (Redis, or in-process only).
   */
  throughDatabase(channel: string): DatabaseNotice | undefined;
  /** Returns an unsubscribe function. */
  subscribe(channel: string, handler: (payload: string) => void): () => void;
  close(): Promise<void>;
}

const PREFIX = 'catalynx:';

export interface NotifierOptions {
  redis: RedisHandle | null;
  logger: Logger;
  /**
   * Used when there is no Redis: makes the transport that carries this process's notifications
   * to the others, handing it the function that delivers what arrives (prefix `catalynx:`).
   */
  transport?(deliver: (channel: string, message: string) => void, prefix: string): NotifyTransport;
}

export function createNotifier(opts: NotifierOptions): Notifier {
  const local = new EventEmitter();
  local.setMaxListeners(0);
  const origin = randomUUID();
  const redis = opts.redis;
  const log = opts.logger.child('notifier');
  let subscriber: ReturnType<RedisHandle['subscriber']> | null = null;
  const redisChannels = new Set<string>();

  /**
   * A message from another process (or this one's own, which was delivered locally already). An
   * empty message is the transport's word that notifications may have been missed (it was
   * reconnecting): listeners are told to look again, with an empty payload.
   */
  function deliver(channel: string, message: string): void {
    if (message === '') {
      local.emit(channel, '');
      return;
    }
    try {
      const envelope = JSON.parse(message) as { origin: string; payload: string };
      if (envelope.origin === origin) return;
      local.emit(channel, envelope.payload);
    } catch {
      log.warn('ignored malformed notification', { channel });
    }
  }
  const transport = !redis && opts.transport ? opts.transport(deliver, PREFIX) : null;

  function ensureSubscriber() {
    if (!redis || subscriber) return subscriber;
    subscriber = redis.subscriber();
    subscriber.on('message', (channel: string, message: string) => deliver(channel.slice(PREFIX.length), message));
    return subscriber;
  }

  return {
    publishLocally(channel, payload = '') {
      local.emit(channel, payload);
    },
    throughDatabase(channel) {
      return transport ? { channel: transport.channelName(channel), origin } : undefined;
    },
    publish(channel, payload = '') {
      local.emit(channel, payload);
      if (transport) transport.publish(channel, JSON.stringify({ origin, payload }));
      else if (redis && redis.isReady()) {
        redis.client.publish(PREFIX + channel, JSON.stringify({ origin, payload })).catch((err: Error) => {
          log.debug('notification not sent through redis', { channel, error: err.message });
        });
      }
    },
    subscribe(channel, handler) {
      local.on(channel, handler);
      transport?.listen(channel);
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
      await transport?.close();
    },
  };
}
