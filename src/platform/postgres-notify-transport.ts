// Carries the notifier's notifications between processes through Postgres LISTEN/NOTIFY, over one
// dedicated connection per process (not a pool connection: LISTEN belongs to a session).
//
// - publish() sends `pg_notify(channel, message)` on that connection, after the caller's commit
//   (the notifier is only told about committed work): those published in one turn of the event
//   loop, and those published while a send is in flight, go together in one statement, each once
//   (a busy worker publishes several per finished batch; a statement each cost a round trip and
//   the server's notification queue lock apiece, more than one a step in a saga). A
//   payload over Postgres's 8000-byte limit is not sent: notifications are hints, and the
//   receivers' poll finds the work.
// - listen() issues LISTEN once per channel; every (re)connection listens again to all of them.
// - When the connection drops (a restart, pg_terminate_backend, a network cut) it reconnects with
//   back-off (100 ms doubling to 5 s), forever; notifications sent meanwhile are lost, and the
//   receivers' poll covers them. `connected()` reports the state.
// - close() ends the connection, giving up after `closeTimeoutMs` so a hung server cannot hold
//   shutdown.

import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from './logger';

export interface NotifyTransport {
  publish(channel: string, message: string): void;
  /** The channel's name on the server (prefixed), for a statement that calls pg_notify itself. */
  channelName(channel: string): string;
  /** Starts delivering `channel`'s messages to the handler given to the transport. */
  listen(channel: string): void;
  connected(): boolean;
  close(): Promise<void>;
}

export interface PostgresNotifyTransportOptions {
  url: string;
  logger: Logger;
  /** Receives every message of every listened channel (its own process's included). */
  onMessage(channel: string, message: string): void;
  /** Channel names are prefixed so Catalynx's do not meet another application's. */
  prefix: string;
  maxBackoffMs?: number;
  closeTimeoutMs?: number;
}

/**
 * Channels are per database, not per schema: deployments (or test suites) sharing one database
 * in different schemas (`options=-c search_path=...`) get channels of their own, tagged with a
 * short hash of the search path, so they do not wake each other.
 */
export function channelPrefixFor(url: string, base: string): string {
  let searchPath = '';
  try {
    searchPath = /search_path=([^\s]+)/.exec(new URL(url).searchParams.get('options') ?? '')?.[1] ?? '';
  } catch {
    // not a URL the tag can be read from: the plain prefix
  }
  return searchPath ? `${base}${createHash('sha256').update(searchPath).digest('hex').slice(0, 8)}:` : base;
}

/** Postgres refuses a NOTIFY payload of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7999;

export function createPostgresNotifyTransport(opts: PostgresNotifyTransportOptions): NotifyTransport {
  const log = opts.logger.child('notifier.postgres');
  const maxBackoffMs = opts.maxBackoffMs ?? 5000;
  const channels = new Set<string>();
  let client: pg.Client | null = null;
  let ready = false;
  let closed = false;
  let failures = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  // Notifications waiting for the send in flight to end, by channel and message: the same one
  // published twice before it is sent says nothing more.
  const pending = new Map<string, { channel: string; message: string }>();
  let sending = false;
  let flushScheduled = false;

  const quoted = (channel: string) => `"${(opts.prefix + channel).replace(/"/g, '""')}"`;

  function connect(): pg.Client {
    const c = new pg.Client({ connectionString: opts.url, application_name: 'catalynx-notify' });
    client = c;
    ready = false;
    c.on('notification', (n) => {
      if (n.channel.startsWith(opts.prefix)) opts.onMessage(n.channel.slice(opts.prefix.length), n.payload ?? '');
    });
    // An error on an idle connection (terminated backend) also ends it: reconnect once, on 'end'.
    c.on('error', (err: Error) => log.debug('listen connection error', { error: err.message }));
    c.on('end', () => dropped(c));
    c.connect()
      .then(async () => {
        // A hint channel must not keep the process alive on its own (its work does that).
        (c as unknown as { connection?: { stream?: { unref?(): void } } }).connection?.stream?.unref?.();
        for (const channel of channels) await inTurn(c, `LISTEN ${quoted(channel)}`);
        if (client !== c) return;
        ready = true;
        if (failures > 0) {
          log.info('listen connection restored', { channels: channels.size });
          // Notifications sent while it was away are lost: every listener looks again now, as
          // after a notification (an empty payload names nothing in particular).
          for (const channel of channels) opts.onMessage(channel, '');
        }
        failures = 0;
      })
      .catch((err: unknown) => {
        log.warn('listen connection failed; relying on polling until it is back', { error: err instanceof Error ? err.message : String(err) });
        c.end().catch(() => undefined);
        dropped(c);
      });
    return c;
  }

  function dropped(c: pg.Client): void {
    if (client !== c) return;
    client = null;
    ready = false;
    if (closed) return;
    failures += 1;
    const delay = Math.min(100 * 2 ** Math.min(failures - 1, 10), maxBackoffMs);
    if (failures === 1) log.warn('listen connection lost; reconnecting', { retry_in_ms: delay });
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      if (!closed && client === null) connect();
    }, delay);
    retryTimer.unref();
  }

  const current = (): pg.Client | null => (closed ? null : (client ?? (retryTimer ? null : connect())));

  // One statement at a time on the connection: pg queues overlapping calls itself, but that is
  // deprecated and goes away in pg 9.
  let tail: Promise<unknown> = Promise.resolve();
  function inTurn(c: pg.Client, text: string, values?: unknown[]): Promise<unknown> {
    const next = tail.then(() => c.query(text, values));
    tail = next.catch(() => undefined);
    return next;
  }

  /** Sends every pending notification in one statement, unless a send is in flight (its end sends them). */
  function flush(): void {
    if (sending || pending.size === 0) return;
    const c = current();
    if (!c) {
      pending.clear();
      return;
    }
    const batch = [...pending.values()];
    pending.clear();
    sending = true;
    inTurn(c, 'select pg_notify(n.channel, n.message) from unnest($1::text[], $2::text[]) as n(channel, message)', [
      batch.map((n) => opts.prefix + n.channel),
      batch.map((n) => n.message),
    ])
      .catch((err: Error) => log.debug('notifications not sent through postgres', { count: batch.length, error: err.message }))
      .finally(() => {
        sending = false;
        flush();
      });
  }

  return {
    publish(channel, message) {
      if (!current()) return;
      if (Buffer.byteLength(message, 'utf8') > MAX_PAYLOAD_BYTES) return;
      pending.set(`${channel}\u0000${message}`, { channel, message });
      // The rest of this turn's notifications (a finished batch publishes several) go with it.
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(() => {
          flushScheduled = false;
          flush();
        });
      }
    },
    channelName: (channel) => opts.prefix + channel,
    listen(channel) {
      if (channels.has(channel)) return;
      channels.add(channel);
      const c = current();
      // Before the connection is ready, connect() listens to every channel once it is.
      if (c && ready) inTurn(c, `LISTEN ${quoted(channel)}`).catch((err: Error) => log.warn('listen failed; relying on polling', { channel, error: err.message }));
    },
    connected: () => ready,
    async close() {
      if (closed) return;
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      const c = client;
      client = null;
      ready = false;
      if (!c) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        c.end().catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, opts.closeTimeoutMs ?? 1000);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
    },
  };
}
